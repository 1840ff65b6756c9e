"""Rules by stage and the stage history, through every way in: service, admin, bulk, import, command."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    add_partner,
    ledger_row,
    make_project,
    make_user,
    project_change_form,
    xlsx_bytes,
)
from tracker.ledger.reader import read_upload
from tracker.models import Project, StageChange
from tracker.rules import stage_change_problems
from tracker.services.ledger import project_import
from tracker.services.projects import project_stage_change

pytestmark = pytest.mark.django_db

FROZEN = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(
        timezone.datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_current_timezone()), tick=False
    ):
        yield


def change_url(project):
    return reverse("admin:tracker_project_change", args=[project.pk])


# --- the pure rule ------------------------------------------------------------------------


def test_the_rules_apply_to_transitions_not_to_records_already_in_a_stage():
    assert (
        stage_change_problems(
            old_stage="signed", old_status="on_track", new_stage="signed", new_status="on_track"
        )
        == []
    )
    keys = {
        p.key
        for p in stage_change_problems(
            old_stage="negotiating",
            old_status="on_track",
            new_stage="construction",
            new_status="on_track",
            has_partner=False,
        )
    }
    assert keys == {"signed_on", "partners"}
    created = stage_change_problems(
        old_stage=None, old_status=None, new_stage="signed", new_status="on_track"
    )
    assert [p.key for p in created] == ["signed_on"]


# --- service ---------------------------------------------------------------------------------


def test_service_refuses_signing_without_a_date_or_a_partner(world, boss):
    project = make_project(world, stage="negotiating", signed_on=None)
    with pytest.raises(ValidationError) as exc:
        project_stage_change(project=project, stage="signed", effective_on=FROZEN, user=boss)
    assert "须填写签约日期" in str(exc.value.message_dict["signed_on"])
    assert "至少有一个合作方" in str(exc.value.message_dict["partners"])
    project.refresh_from_db()
    assert project.stage == "negotiating"
    assert not StageChange.objects.exists()


def test_service_records_a_back_dated_change_with_who_and_why(world, boss):
    project = make_project(world, stage="negotiating")
    add_partner(project, world.mudu)
    change = project_stage_change(
        project=project, stage="signed", effective_on=date(2025, 12, 1), note="补录", user=boss
    )
    project.refresh_from_db()
    assert project.stage == "signed"
    assert (change.from_stage, change.to_stage, change.effective_on) == (
        "negotiating",
        "signed",
        date(2025, 12, 1),
    )
    assert (change.recorded_by, change.note) == (boss, "补录")
    assert project.history.first().history_user == boss


def test_service_refuses_a_future_effective_date(world, boss):
    project = make_project(world, stage="signed")
    add_partner(project, world.mudu)
    with pytest.raises(ValidationError) as exc:
        project_stage_change(
            project=project,
            stage="construction",
            effective_on=FROZEN + timedelta(days=1),
            user=boss,
        )
    assert "effective_on" in exc.value.message_dict


def test_closing_a_project_needs_a_reason(world, boss):
    project = make_project(world)
    with pytest.raises(ValidationError) as exc:
        project_stage_change(project=project, status="lost", effective_on=FROZEN, user=boss)
    assert "须说明原因" in exc.value.message_dict["note"][0]
    change = project_stage_change(
        project=project, status="lost", effective_on=FROZEN, note="企业转投外地", user=boss
    )
    assert (change.from_status, change.to_status) == ("on_track", "lost")


def test_a_stage_never_moves_back_without_a_note(world, boss):
    project = make_project(world, stage="construction")
    with pytest.raises(ValidationError) as exc:
        project_stage_change(project=project, stage="signed", effective_on=FROZEN, user=boss)
    assert "退回" in exc.value.message_dict["note"][0]
    assert project_stage_change(
        project=project, stage="signed", effective_on=FROZEN, note="停工整改", user=boss
    )


def test_an_editor_cannot_change_the_stage_of_another_regions_project(world):
    from django.core.exceptions import PermissionDenied

    from tracker.permissions import EDITOR_GROUP

    editor = make_user("editor", group=EDITOR_GROUP, regions=[world.shanyang])
    project = make_project(world, stage="signed")  # in 解放区
    with pytest.raises(PermissionDenied):
        project_stage_change(
            project=project, stage="construction", effective_on=FROZEN, user=editor
        )


# --- admin -------------------------------------------------------------------------------------


def test_admin_refuses_signing_without_a_date_and_writes_nothing(staff, world):
    project = make_project(world, stage="negotiating", signed_on=None)
    response = staff.post(change_url(project), project_change_form(project, stage="signed"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "项目进入“已签约”阶段须填写签约日期" in page
    assert "须至少有一个合作方" in page
    project.refresh_from_db()
    assert project.stage == "negotiating"
    assert not StageChange.objects.exists()


def test_admin_save_writes_a_stage_change_with_date_note_and_user(staff, world, boss):
    project = make_project(world, stage="negotiating")
    link = add_partner(project, world.mudu)
    data = project_change_form(
        project,
        stage="signed",
        change_effective_on="2026-02-20",
        change_note="正式签约",
        **{
            "project_partners-TOTAL_FORMS": 1,
            "project_partners-INITIAL_FORMS": 1,
            "project_partners-0-id": link.pk,
            "project_partners-0-project": project.pk,
            "project_partners-0-organization": world.mudu.pk,
            "project_partners-0-role": "signatory",
        },
    )
    response = staff.post(change_url(project), data)
    assert response.status_code == 302, response.context["errors"]
    change = StageChange.objects.get()
    assert (change.from_stage, change.to_stage, change.effective_on) == (
        "negotiating",
        "signed",
        date(2026, 2, 20),
    )
    assert (change.note, change.recorded_by) == ("正式签约", boss)


def test_admin_closing_without_a_reason_shows_the_message(staff, world):
    project = make_project(world)
    response = staff.post(change_url(project), project_change_form(project, status="cancelled"))
    assert "项目状态改为“终止”须说明原因" in response.content.decode()
    project.refresh_from_db()
    assert project.status == "on_track"


def test_editing_an_article_project_at_signed_without_a_date_still_works(staff, world):
    # The articles state no signing date for many signed projects; the rule is for moves.
    project = make_project(world, stage="construction", signed_on=None)
    response = staff.post(change_url(project), project_change_form(project, name="改名"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "改名"
    assert not StageChange.objects.exists()


def test_adding_a_project_at_signed_needs_a_partner(staff, world):
    project = Project(code="JZ-2026-0001", name="新签约", region=world.jiefang, stage="signed")
    project.signed_on = date(2026, 3, 1)
    response = staff.post(reverse("admin:tracker_project_add"), project_change_form(project))
    assert "须至少有一个合作方" in response.content.decode()
    assert not Project.objects.exists()
    data = project_change_form(
        project,
        **{
            "project_partners-TOTAL_FORMS": 1,
            "project_partners-0-organization": world.mudu.pk,
            "project_partners-0-role": "signatory",
        },
    )
    assert staff.post(reverse("admin:tracker_project_add"), data).status_code == 302
    change = StageChange.objects.get()
    assert (change.from_stage, change.to_stage) == ("", "signed")


def test_bulk_action_writes_stage_changes_and_reports_refused_projects(staff, world, boss):
    ok = make_project(world, code="JZ-2020-0001", stage="negotiating")
    add_partner(ok, world.mudu)
    refused = make_project(world, code="JZ-2020-0002", stage="negotiating", signed_on=None)
    response = staff.post(
        reverse("admin:tracker_project_changelist"),
        {"action": "set_stage", "stage": "signed", "_selected_action": [ok.pk, refused.pk]},
        follow=True,
    )
    assert "JZ-2020-0002" in response.content.decode()
    ok.refresh_from_db()
    refused.refresh_from_db()
    assert (ok.stage, refused.stage) == ("signed", "negotiating")
    change = StageChange.objects.get()
    assert (change.project, change.to_stage, change.recorded_by, change.effective_on) == (
        ok,
        "signed",
        boss,
        FROZEN,
    )


# --- ledger import ----------------------------------------------------------------------------


def test_import_preview_shows_the_rule_error_with_row_and_column_and_writes_nothing(staff, world):
    data = xlsx_bytes([ledger_row(name="无日期", signed_on="", partners="")])
    response = staff.post(
        reverse("admin:tracker_project_import"),
        {"import_file": SimpleUploadedFile("台账.xlsx", data)},
    )
    page = response.content.decode()
    assert "第 2 行 · 签约日期：项目进入“已签约”阶段须填写签约日期" in page
    assert "第 2 行 · 合作方：项目进入“已签约”阶段须至少有一个合作方" in page
    assert "确认导入" not in page
    assert not Project.objects.exists()
    assert not StageChange.objects.exists()


def test_import_closing_without_a_reason_is_an_error_and_a_change_note_column_fixes_it(world):
    project = make_project(world)
    row = ledger_row(code=project.code, name=project.name, status="流失", partners="")
    outcome = project_import(rows=read_upload("a.xlsx", xlsx_bytes([row])), file_name="a.xlsx")
    assert not outcome.applied
    assert "须说明原因" in outcome.plan.rows[0].errors[0][1]

    headers = [*__import__("tracker.ledger.columns", fromlist=["HEADERS"]).HEADERS, "变更说明"]
    data = xlsx_bytes([[*row, "企业转投外地"]], headers=headers)
    outcome = project_import(rows=read_upload("b.xlsx", data), file_name="b.xlsx")
    assert outcome.applied
    change = StageChange.objects.get()
    assert (change.to_status, change.note, change.import_batch) == (
        "lost",
        "企业转投外地",
        outcome.batch,
    )


def test_import_writes_stage_changes_in_bulk_for_new_and_moved_projects(world):
    # Its start date is known (a move into 在建 needs it), and is today's.
    moved = make_project(world, code="JZ-2020-0001", stage="signed", started_on=FROZEN)
    add_partner(moved, world.mudu)
    rows = [
        ledger_row(code="JZ-2020-0001", name=moved.name, stage="在建/落地"),
        ledger_row(name="新项目甲"),
        ledger_row(name="新项目乙", stage="洽谈", signed_on=""),
    ]
    outcome = project_import(rows=read_upload("a.xlsx", xlsx_bytes(rows)), file_name="a.xlsx")
    assert outcome.applied, outcome.plan.error_rows
    changes = {(c.project.name, c.from_stage, c.to_stage) for c in StageChange.objects.all()}
    assert changes == {
        (moved.name, "signed", "construction"),
        ("新项目甲", "", "signed"),
        ("新项目乙", "", "negotiating"),
    }
    assert {c.effective_on for c in StageChange.objects.all()} == {FROZEN}


def test_import_leaves_unchanged_stages_without_new_stage_changes(world):
    project = make_project(world, code="JZ-2020-0001", stage="construction", signed_on=None)
    row = ledger_row(code=project.code, name="改名", stage="在建/落地", signed_on="", partners="")
    outcome = project_import(rows=read_upload("a.xlsx", xlsx_bytes([row])), file_name="a.xlsx")
    assert outcome.applied, outcome.plan.error_rows
    assert not StageChange.objects.exists()


# --- command ---------------------------------------------------------------------------------


def test_import_ledger_command_obeys_the_rules(world, tmp_path):
    from io import StringIO

    from django.core.management.base import CommandError

    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx_bytes([ledger_row(name="无合作方", partners="")]))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="有错误，未写入任何数据"):
        call_command("import_ledger", str(path), stdout=out, stderr=err)
    assert "须至少有一个合作方" in out.getvalue() + err.getvalue()
    assert not Project.objects.exists()
    assert not StageChange.objects.exists()


# --- article fixtures ----------------------------------------------------------------------------


def test_reloading_the_articles_keeps_responsibility_and_writes_no_stage_change(db):
    call_command("load_articles", verbosity=0)
    boss = make_user("boss", superuser=True)
    signed_without_date = Project.objects.filter(
        stage__in=["signed", "construction", "operating"], signed_on__isnull=True
    )
    assert signed_without_date.exists()  # the articles state no date for these
    project = signed_without_date.first()
    Project.objects.filter(pk=project.pk).update(
        leader_user=boss, planned_operation_on=date(2027, 1, 1)
    )
    call_command("load_articles", verbosity=0)
    project.refresh_from_db()
    assert (project.leader_user, project.planned_operation_on) == (boss, date(2027, 1, 1))
    assert not StageChange.objects.exists()


def test_a_progress_report_added_inline_is_created_by_the_service(staff, world, boss):
    from tracker.models import ProgressReport

    project = make_project(world, stage="construction")
    data = project_change_form(
        project,
        **{
            "progress_reports-TOTAL_FORMS": 1,
            "progress_reports-0-reported_on": "2026-03-01",
            "progress_reports-0-progress": "主体封顶",
            "progress_reports-0-problems": "",
            "progress_reports-0-next_steps": "设备安装",
        },
    )
    assert staff.post(change_url(project), data).status_code == 302
    saved = ProgressReport.objects.get()
    assert (saved.project, saved.author, saved.progress) == (project, boss, "主体封顶")
