"""The project admin: list columns, filters, search, bulk actions, export, and fixed query counts."""

import io
from datetime import date
from decimal import Decimal

from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import NO_INLINE_ROWS, add_partner, make_project, read_xlsx
from tracker.ledger.columns import HEADERS
from tracker.models import Organization, Project

CHANGELIST = "admin:tracker_project_changelist"


def changelist(client, **params):
    return client.get(reverse(CHANGELIST), params)


def listed_codes(response):
    return [p.code for p in response.context["cl"].result_list]


def test_every_model_has_an_admin_whose_list_and_add_pages_open(staff):
    from django.apps import apps

    tracker_models = [
        m
        for m in apps.get_app_config("tracker").get_models()
        if not m.__name__.startswith("Historical")
    ]
    for model in tracker_models:
        assert admin.site.is_registered(model), model
        info = (model._meta.app_label, model._meta.model_name)
        assert staff.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200, model
        add = staff.get(reverse("admin:{}_{}_add".format(*info)))
        assert add.status_code in (200, 403), model


def test_the_list_shows_amounts_in_yi_or_wan_and_undisclosed(staff, world):
    make_project(world, code="JZ-2020-0001", investment=Decimal("1420000"))
    make_project(world, code="JZ-2020-0002", investment=Decimal("1000"))
    make_project(
        world,
        code="JZ-2020-0003",
        investment=None,
        investment_low=Decimal("1000"),
        investment_high=Decimal("10000"),
    )
    make_project(
        world,
        code="JZ-2020-0004",
        investment=None,
        signed_on=date(2020, 9, 1),
        signed_on_precision="month",
    )
    page = changelist(staff).content.decode()
    for text in [
        "142亿元",
        "1000万元",
        "1000万元至1亿元",
        "未披露",
        "2020年9月",
        "JZ-2020-0004",
        "解放区",
        "数字经济",
        "已签约",
    ]:
        assert text in page, text


def test_the_region_filter_includes_the_regions_below(staff, world):
    make_project(world, code="JZ-2020-0001", region=world.jiefang)
    make_project(world, code="JZ-2020-0002", region=world.park)
    make_project(world, code="JZ-2020-0003", region=world.shanyang)
    assert listed_codes(changelist(staff, region_tree=world.jiefang.pk)) == [
        "JZ-2020-0001",
        "JZ-2020-0002",
    ]
    assert listed_codes(changelist(staff, region_tree=world.city.pk)) == [
        "JZ-2020-0001",
        "JZ-2020-0002",
        "JZ-2020-0003",
    ]


def test_filters_by_year_stage_status_event_industry_and_visibility(staff, world):
    make_project(
        world, code="JZ-2018-0001", signed_on=date(2018, 5, 1), stage="operating", is_public=False
    )
    make_project(
        world, code="JZ-2020-0001", event=world.fair, status="delayed", industry=world.materials
    )
    make_project(world, code="JZ-2020-0002", signed_on=None)
    assert listed_codes(changelist(staff, signed_year="2018")) == ["JZ-2018-0001"]
    assert listed_codes(changelist(staff, signed_year="none")) == ["JZ-2020-0002"]
    assert listed_codes(changelist(staff, stage__exact="operating")) == ["JZ-2018-0001"]
    assert listed_codes(changelist(staff, status__exact="delayed")) == ["JZ-2020-0001"]
    assert listed_codes(changelist(staff, event__id__exact=world.fair.pk)) == ["JZ-2020-0001"]
    assert listed_codes(changelist(staff, industry__id__exact=world.materials.pk)) == [
        "JZ-2020-0001"
    ]
    assert listed_codes(changelist(staff, is_public__exact="0")) == ["JZ-2018-0001"]
    assert listed_codes(changelist(staff, signed_on__year="2018")) == ["JZ-2018-0001"]


def test_search_covers_code_name_summary_and_partner_names(staff, world):
    a = make_project(world, code="JZ-2020-0001", name="蒙牛四期", summary="乳制品")
    make_project(world, code="JZ-2020-0002", name="别的")
    add_partner(a, world.mudu)
    add_partner(a, Organization.objects.create(name="木铎分公司"))
    for term in ["JZ-2020-0001", "蒙牛", "乳制品", "木铎"]:
        assert listed_codes(changelist(staff, q=term)) == ["JZ-2020-0001"], term


def _changelist_queries(client):
    with CaptureQueriesContext(connection) as captured:
        assert changelist(client).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_changelist_query_count_is_fixed_and_counts_only_for_pagination(staff, world):
    def grow(start, n):
        for i in range(start, start + n):
            project = make_project(world, code=f"JZ-2020-{i:04d}", event=world.fair)
            add_partner(project, world.mudu)

    grow(1, 3)
    small = _changelist_queries(staff)
    grow(4, 60)
    large = _changelist_queries(staff)
    assert len(small) == len(large), "\n".join(large)
    counts = [q for q in large if "COUNT(" in q.upper()]
    assert len(counts) == 1  # the paginator's; no unfiltered full-table count


def test_bulk_actions_set_stage_and_status_and_publish_with_history(staff, world, boss):
    a = make_project(world, code="JZ-2020-0001", stage="negotiating")
    add_partner(a, world.mudu)  # entering 已签约 needs a signing date and a partner
    b = make_project(world, code="JZ-2020-0002", stage="signed")
    url = reverse(CHANGELIST)
    staff.post(url, {"action": "set_stage", "stage": "signed", "_selected_action": [a.pk, b.pk]})
    a.refresh_from_db()
    assert a.stage == "signed"
    record = a.history.first()
    assert (record.history_user, record.history_type) == (boss, "~")
    assert "阶段设为" in record.history_change_reason
    assert b.history.count() == 1  # unchanged project, no new history row

    staff.post(url, {"action": "set_status", "status": "stalled", "_selected_action": [a.pk]})
    staff.post(url, {"action": "unpublish", "_selected_action": [a.pk, b.pk]})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.is_public, b.is_public) == ("stalled", False, False)
    staff.post(url, {"action": "publish", "_selected_action": [b.pk]})
    b.refresh_from_db()
    assert b.is_public is True


def test_set_stage_without_choosing_a_stage_changes_nothing(staff, world):
    a = make_project(world, stage="negotiating")
    response = staff.post(
        reverse(CHANGELIST),
        {"action": "set_stage", "stage": "", "_selected_action": [a.pk]},
        follow=True,
    )
    a.refresh_from_db()
    assert a.stage == "negotiating"
    assert "请先在“阶段”中选择" in response.content.decode()


def test_export_keeps_the_list_filters_and_writes_xlsx(staff, world):
    make_project(world, code="JZ-2020-0001", region=world.park, summary="=1+1")
    make_project(world, code="JZ-2020-0002", region=world.shanyang)
    url = reverse("admin:tracker_project_export") + f"?region_tree={world.jiefang.pk}"
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response.content)
    assert tuple(rows[0]) == HEADERS
    assert [r[0] for r in rows[1:]] == ["JZ-2020-0001"]
    assert rows[1][10] == "'=1+1"


def test_csv_export_streams_utf8_with_bom(staff, world):
    make_project(world, code="JZ-2020-0001", leader="@admin")
    response = staff.post(reverse("admin:tracker_project_export"), {"format": "csv"})
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff项目编号,项目名称")
    assert "'@admin" in body


def test_export_selected_action_writes_only_the_selection(staff, world):
    a = make_project(world, code="JZ-2020-0001")
    make_project(world, code="JZ-2020-0002")
    response = staff.post(
        reverse(CHANGELIST), {"action": "export_selected", "_selected_action": [a.pk]}
    )
    assert [r[0] for r in read_xlsx(response.content)[1:]] == ["JZ-2020-0001"]


def test_the_empty_template_has_the_headers_an_example_and_instructions(staff, world):
    response = staff.get(reverse("admin:tracker_project_ledger_template"))
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(response.content))
    ledger, funds, notes = workbook.worksheets  # 到位资金 between them, empty
    assert funds.title == "到位资金" and funds.max_row == 1
    rows = [list(r) for r in ledger.iter_rows(values_only=True)]
    assert tuple(rows[0]) == HEADERS
    assert len(rows) == 2 and rows[1][1].startswith("示例")
    assert notes.title == "填写说明"
    csv_response = staff.get(reverse("admin:tracker_project_ledger_template"), {"format": "csv"})
    assert b"".join(csv_response.streaming_content).decode("utf-8").startswith("\ufeff项目编号")


def test_the_template_example_row_is_skipped_and_rows_written_like_it_import_cleanly(world):
    from tracker.ledger import exporter
    from tracker.ledger.reader import read_upload
    from tracker.services.ledger import project_import

    def plan(rows):
        out = io.BytesIO()
        exporter.write_xlsx(rows, out, notes=True)
        data = out.getvalue()
        return project_import(
            rows=read_upload("模板.xlsx", data), file_name="模板.xlsx", dry_run=True
        ).plan

    example = exporter.template_rows()
    assert [(s.number, s.reason) for s in plan(example).skipped] == [(2, "示例行")]
    filled = [[example[0][0], "某某智能装备产业园项目", *example[0][2:]]]
    outcome = plan(filled)
    assert outcome.ok, outcome.rows[0].errors
    assert outcome.new_organizations == ["某某科技有限公司", "某某大学"]


def test_the_project_history_page_shows_who_changed_which_field(staff, world, boss):
    project = make_project(world, name="旧名")
    url = reverse("admin:tracker_project_change", args=[project.pk])
    form = staff.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "name": "新名",
            "region": world.jiefang.pk,
            "industry": world.digital.pk,
            "signed_on": "2020-10-12",
            **NO_INLINE_ROWS,
        }
    )
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = staff.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    history = staff.get(
        reverse("admin:tracker_project_history", args=[project.pk])
    ).content.decode()
    assert "boss" in history
    assert "旧名" in history and "新名" in history


def test_anonymous_users_never_reach_the_workspace(client, world):
    project = make_project(world)
    for url in [
        reverse("admin:index"),
        reverse(CHANGELIST),
        reverse("admin:tracker_project_change", args=[project.pk]),
        reverse("admin:tracker_project_import"),
        reverse("admin:tracker_project_export"),
        reverse("admin:tracker_project_ledger_template"),
        reverse("admin:tracker_importbatch_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    response = client.post(reverse("admin:tracker_project_process_import"), {"token": "x"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Project.objects.count() == 1


def test_the_other_changelists_do_not_query_per_row(staff, world):
    from tracker.models import Citation, Event, ProjectPartner, Source

    source = Source.objects.create(file="000.txt", title="报道")

    def grow(start, n):
        for i in range(start, start + n):
            project = make_project(world, code=f"JZ-2020-{i:04d}")
            add_partner(project, Organization.objects.create(name=f"公司{i}"))
            Citation.objects.create(source=source, project=project, quote=f"引述{i}")
            Event.objects.create(name=f"活动{i}", slug=f"event-{i}", kind="fair", region=world.park)

    def counts():
        result = {}
        for model in (ProjectPartner, Citation, Event, Organization, Source):
            url = reverse(f"admin:tracker_{model._meta.model_name}_changelist")
            with CaptureQueriesContext(connection) as captured:
                assert staff.get(url).status_code == 200
            result[model.__name__] = len(captured)
        return result

    grow(1, 2)
    small = counts()
    grow(3, 15)
    assert counts() == small
