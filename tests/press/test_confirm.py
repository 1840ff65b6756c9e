"""Confirming a press report: one batch with citations and a Source, rolled back exactly."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import make_user
from tracker.models import (
    Citation,
    Event,
    Organization,
    PressReport,
    Project,
    ProjectPartner,
    Source,
)
from tracker.permissions import ADMIN_GROUP, EDITOR_GROUP, READER_GROUP
from tracker.press.review import classify
from tracker.services.press import (
    press_report_confirm,
    press_report_create,
    press_report_rollback,
)

TEXT = (
    "强化科技创新 再造解放优势\n\n"
    "9月底，该区与重庆花果山企业管理有限公司签订合作\n协议，在市5G产业园共同建设焦作市数字经济产业服务中心。\n\n"
    "10月12日，焦作市对接粤港澳大湾区教育装备产业专题招商推介暨项目签约活动在深圳举行。"
    "当天，该区与相关企业现场签约项目 14 个，总投资额达 142 亿元。\n"
)
QUOTE = "9月底，该区与重庆花果山企业管理有限公司签订合作协议，在市5G产业园共同建设焦作市数字经济产业服务中心。"


@pytest.fixture
def manager(world):
    return make_user("manager", group=ADMIN_GROUP)


@pytest.fixture
def report(world, manager):
    from datetime import date

    return press_report_create(
        title="强化科技创新 再造解放优势", text=TEXT, user=manager, published_on=date(2020, 10, 20)
    )


def accept_all(report):
    candidates = classify(report.candidates)
    return {"projects": candidates["projects"], "events": candidates["events"]}


def test_a_pasted_report_is_read_into_candidates_and_nothing_else_is_written(report):
    assert Project.objects.count() == 0
    (project,) = report.candidates["projects"]
    assert project["name"] == "焦作市数字经济产业服务中心"
    assert project["quote"] == QUOTE
    (event,) = report.candidates["events"]
    assert event["declared_signed_investment"] == "1420000"


def test_confirming_writes_the_records_with_their_sentence_and_a_source(report, manager, world):
    press_report_confirm(report=report, accepted=accept_all(report), user=manager)
    report.refresh_from_db()
    assert report.status == PressReport.Status.CONFIRMED
    project = Project.objects.get(name="焦作市数字经济产业服务中心")
    assert project.region == world.park
    assert (project.stage, project.signed_on.isoformat(), project.signed_on_precision) == (
        "signed",
        "2020-09-01",
        "month",
    )
    assert project.investment is None  # the event's 142亿元 is the event's, not this project's
    assert not project.is_public
    assert project.code.startswith("JZ-2020-")
    org = Organization.objects.get(name="重庆花果山企业管理有限公司")
    assert ProjectPartner.objects.get(project=project).organization == org
    citation = Citation.objects.get(project=project)
    assert citation.quote == QUOTE
    assert citation.source == report.source and report.source.title == report.title
    event = Event.objects.get(slug__startswith=f"press-{report.pk}-")
    assert (event.declared_signed_count, event.declared_signed_investment) == (14, 1420000)
    assert project.history.first().history_change_reason == report.change_reason


def test_a_candidate_matching_an_existing_organisation_reuses_it_across_widths(report, manager):
    existing = Organization.objects.create(name="重庆花果山企业管理有限公司 ")
    accepted = accept_all(report)
    assert accepted["projects"][0]["partners"][0]["state"] == "match"
    press_report_confirm(report=report, accepted=accepted, user=manager)
    assert Organization.objects.filter(name_key=existing.name_key).count() == 1


def test_a_project_the_rules_refuse_is_not_written_and_nothing_of_the_batch_is(report, manager):
    accepted = accept_all(report)
    accepted["projects"][0]["date"] = None  # 已签约 needs a signing date
    with pytest.raises(ValidationError, match="签约日期"):
        press_report_confirm(report=report, accepted=accepted, user=manager)
    assert not Project.objects.exists() and not Source.objects.exists()
    assert not Event.objects.filter(slug__startswith="press-").exists()


def test_an_amount_that_is_not_a_number_is_refused(report, manager):
    accepted = accept_all(report)
    accepted["projects"][0]["investment"] = "五亿"
    with pytest.raises(ValidationError, match="不是数字"):
        press_report_confirm(report=report, accepted=accepted, user=manager)


def test_only_a_manager_or_superuser_may_confirm(report, world):
    editor = make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])
    with pytest.raises(PermissionDenied):
        press_report_confirm(report=report, accepted=accept_all(report), user=editor)


def test_a_report_is_confirmed_once(report, manager):
    press_report_confirm(report=report, accepted=accept_all(report), user=manager)
    with pytest.raises(ValidationError, match="已经导入"):
        press_report_confirm(report=report, accepted=accept_all(report), user=manager)


def test_rollback_deletes_exactly_the_batch_and_keeps_what_others_use(report, manager, world):
    before = {m: m.objects.count() for m in (Project, Organization, Event, Source, Citation)}
    press_report_confirm(report=report, accepted=accept_all(report), user=manager)
    org = Organization.objects.get(name="重庆花果山企业管理有限公司")
    other = Project.objects.create(code="JZ-2020-0900", name="别的项目", region=world.jiefang)
    ProjectPartner.objects.create(project=other, organization=org, role="named")
    report.refresh_from_db()
    counts = press_report_rollback(report=report, user=manager)
    assert counts["project"] == 1 and counts["kept"] == 1
    assert Organization.objects.filter(pk=org.pk).exists()  # another project uses it now
    assert Project.objects.count() == before[Project] + 1  # only 别的项目 is left
    assert Event.objects.count() == before[Event]
    assert Source.objects.count() == before[Source]
    report.refresh_from_db()
    assert report.status == PressReport.Status.ROLLED_BACK


def test_rollback_is_refused_once_a_created_project_was_edited(report, manager):
    press_report_confirm(report=report, accepted=accept_all(report), user=manager)
    project = Project.objects.get(name="焦作市数字经济产业服务中心")
    project.summary = "员工补充"
    project._change_reason = "手工修改"
    project.save()
    report.refresh_from_db()
    with pytest.raises(ValidationError, match="已被修改"):
        press_report_rollback(report=report, user=manager)
    assert Project.objects.filter(pk=project.pk).exists()


# --- The admin pages ----------------------------------------------------------------------


def test_the_admin_paste_preview_confirm_and_rollback_pages(client, manager, world):
    client.force_login(manager)
    add = reverse("admin:tracker_pressreport_add")
    response = client.post(add, {"title": "稿件", "published_on": "2020-10-20", "text": TEXT})
    assert response.status_code == 302
    report = PressReport.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "焦作市数字经济产业服务中心" in page.content.decode()
    assert "新建" in page.content.decode()
    data = {"_confirm": "1", "p0-accept": "on", "p0-o0-accept": "on", "e0-accept": "on"}
    for field in ("name", "stage", "date", "date_field", "date_precision", "region_id"):
        value = report.candidates["projects"][0][field]
        data[f"p0-{field}"] = "" if value is None else str(value)
    data["p0-o0-role"] = "signatory"
    response = client.post(response["Location"], data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == PressReport.Status.CONFIRMED
    assert Project.objects.filter(name="焦作市数字经济产业服务中心").exists()
    rollback = reverse("admin:tracker_pressreport_rollback", args=[report.pk])
    assert client.get(rollback).status_code == 405
    assert client.post(rollback).status_code == 302
    assert not Project.objects.filter(name="焦作市数字经济产业服务中心").exists()


def test_a_dropped_candidate_is_not_written(client, manager, report):
    client.force_login(manager)
    url = reverse("admin:tracker_pressreport_change", args=[report.pk])
    client.post(url, {"_confirm": "1", "e0-accept": "on"})  # the project left unchecked
    assert not Project.objects.exists()
    assert Event.objects.filter(slug__startswith="press-").count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("稿件.pdf", b"%PDF-1.4", "只接受"), ("稿件.docx", b"PK\x03\x04broken", "不是有效的")],
)
def test_an_upload_of_the_wrong_type_is_refused_on_the_page(
    client, manager, name, content, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(manager)
    response = client.post(
        reverse("admin:tracker_pressreport_add"),
        {"title": "稿件", "upload": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PressReport.objects.exists()


def test_a_reader_sees_the_report_but_cannot_paste_or_confirm(client, report):
    reader = make_user("reader", group=READER_GROUP)
    client.force_login(reader)
    url = reverse("admin:tracker_pressreport_change", args=[report.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:tracker_pressreport_add")).status_code == 403
    assert client.post(url, {"_confirm": "1"}).status_code == 403


def test_an_undated_stage_holds_as_of_the_reports_date(report, manager):
    from datetime import date

    from tracker.models import StageChange

    accepted = accept_all(report)
    accepted["projects"][0].update(stage="agreed", date=None, date_field="")
    press_report_confirm(report=report, accepted=accepted, user=manager)
    change = StageChange.objects.get(project__name="焦作市数字经济产业服务中心")
    assert (change.to_stage, change.effective_on) == ("agreed", date(2020, 10, 20))


@pytest.mark.parametrize("object_id", ["%ff", "x", "999999"])
def test_a_malformed_or_missing_report_id_is_not_found(client, manager, object_id):
    client.force_login(manager)
    assert client.get(f"/admin/tracker/pressreport/{object_id}/change/").status_code == 404
    assert client.post(f"/admin/tracker/pressreport/{object_id}/rollback/").status_code == 404
