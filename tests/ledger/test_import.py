"""Importing the ledger: new, updated, unchanged and error rows; nothing written on any error."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.factories import (
    add_partner,
    csv_bytes,
    ledger_row,
    make_project,
    make_user,
    xlsx_bytes,
)
from tracker.ledger.columns import HEADERS
from tracker.ledger.reader import read_upload
from tracker.models import ImportBatch, Organization, Project, ProjectPartner
from tracker.permissions import EDITOR_GROUP
from tracker.services.ledger import project_import

ENGLISH_HEADERS = [
    "code",
    "name",
    "region",
    "industry",
    "stage",
    "status",
    "investment",
    "signed_on",
    "event",
    "partners",
    "summary",
    "leader",
    "unit",
    "public",
]


def run(data, name="台账.xlsx", user=None, dry_run=False):
    return project_import(rows=read_upload(name, data), file_name=name, user=user, dry_run=dry_run)


def snapshot():
    return (
        sorted(Project.objects.values_list()),
        sorted(ProjectPartner.objects.values_list()),
        sorted(Organization.objects.values_list()),
        Project.history.count(),
    )


def errors_of(outcome):
    return [
        (row.number, column, message) for row in outcome.plan.rows for column, message in row.errors
    ]


def test_new_rows_are_created_with_the_next_codes_for_their_signing_year(world):
    make_project(world, code="JZ-2020-0007")
    outcome = run(
        xlsx_bytes(
            [
                ledger_row(name="甲", signed_on="2020-10-12"),
                ledger_row(name="乙", signed_on="2020年11月"),
                ledger_row(name="丙", signed_on="2018年"),
            ]
        )
    )
    assert outcome.applied
    assert [row.action for row in outcome.plan.rows] == ["new", "new", "new"]
    assert [row.code for row in outcome.plan.rows] == [
        "JZ-2020-0008",
        "JZ-2020-0009",
        "JZ-2018-0001",
    ]
    yi = Project.objects.get(code="JZ-2020-0009")
    assert (yi.name, yi.signed_on, yi.signed_on_precision) == ("乙", date(2020, 11, 1), "month")
    assert yi.investment == Decimal("50000")


def test_every_column_lands_in_its_field(world):
    run(
        xlsx_bytes(
            [
                ledger_row(
                    code="JZ-2021-0100",
                    name="焦作市数字经济产业服务中心",
                    region="jiaozuo-5g-park",
                    industry="new-materials",
                    stage="在建/落地",
                    status="delayed",
                    investment="1000万元至1亿元",
                    signed_on="2021/3/5",
                    event="焦作市首届院（校）地科技合作洽谈会",
                    partners="木铎(广州)教育科技有限公司（投资方）、河南理工大学（科研合作方）",
                    summary="建设服务中心",
                    leader="李四",
                    unit="市工信局",
                    public="否",
                    started_on="2021年6月",
                    planned_operation_on="2023-12-31",
                )
            ]
        )
    )
    project = Project.objects.get(code="JZ-2021-0100")
    assert (project.started_on, project.started_on_precision) == (date(2021, 6, 1), "month")
    assert (project.operating_on, project.planned_operation_on) == (None, date(2023, 12, 31))
    assert project.region == world.park
    assert project.industry == world.materials
    assert (project.stage, project.status) == ("construction", "delayed")
    assert project.investment is None
    assert (project.investment_low, project.investment_high) == (Decimal("1000"), Decimal("10000"))
    assert (project.signed_on, project.signed_on_precision) == (date(2021, 3, 5), "day")
    assert project.event == world.fair
    assert (project.summary, project.leader, project.responsible_unit) == (
        "建设服务中心",
        "李四",
        "市工信局",
    )
    assert project.is_public is False
    links = sorted(project.project_partners.values_list("organization__name", "role"))
    assert links == [
        ("木铎（广州）教育科技有限公司", "investor"),
        ("河南理工大学", "research_partner"),
    ]


def test_partner_names_in_half_width_resolve_to_the_existing_organisation(world):
    outcome = run(xlsx_bytes([ledger_row(partners="木铎(广州)教育科技有限公司")]))
    assert outcome.plan.new_organizations == []
    assert Organization.objects.count() == 1


def test_an_unknown_partner_creates_an_organisation_and_the_preview_says_so(world):
    outcome = run(xlsx_bytes([ledger_row(partners="新公司甲、新公司甲（投资方）")]), dry_run=True)
    assert outcome.plan.new_organizations == ["新公司甲"]
    assert outcome.plan.rows[0].new_organizations == ["新公司甲"]
    assert not Organization.objects.filter(name="新公司甲").exists()
    run(xlsx_bytes([ledger_row(partners="新公司甲、新公司甲（投资方）")]))
    org = Organization.objects.get(name="新公司甲")
    assert sorted(org.project_roles.values_list("role", flat=True)) == ["investor", "signatory"]


def test_english_headers_are_accepted(world):
    outcome = run(csv_bytes([ledger_row(name="英文表头")], headers=ENGLISH_HEADERS), name="t.csv")
    assert outcome.applied
    assert Project.objects.filter(name="英文表头").exists()


def test_bare_numbers_take_the_unit_of_the_yi_header(world):
    headers = [h if h != "总投资（万元）" else "总投资（亿元）" for h in HEADERS]
    run(xlsx_bytes([ledger_row(name="亿元表头", investment=10.5)], headers=headers))
    assert Project.objects.get(name="亿元表头").investment == Decimal("105000")


def test_real_excel_numbers_and_dates_are_read_exactly(world):
    run(
        xlsx_bytes(
            [ledger_row(name="数字单元格", investment=1234.5678, signed_on=datetime(2020, 10, 12))]
        )
    )
    project = Project.objects.get(name="数字单元格")
    assert project.investment == Decimal("1234.5678")
    assert (project.signed_on, project.signed_on_precision) == (date(2020, 10, 12), "day")


def test_extra_columns_are_ignored_and_reported(world):
    outcome = run(
        csv_bytes([[*ledger_row(), "备注内容"]], headers=[*HEADERS, "备注"]), name="t.csv"
    )
    assert outcome.applied
    assert outcome.plan.ignored_columns == ["备注"]


def test_a_known_code_updates_exactly_the_edited_fields(world):
    project = make_project(world, code="JZ-2020-0001", name="旧名称", stage="negotiating")
    add_partner(project, world.mudu)
    rows = [
        ledger_row(
            code="JZ-2020-0001",
            name="新名称",
            stage="洽谈",
            investment="5亿元",
            partners="木铎（广州）教育科技有限公司（签约方）",
        )
    ]
    outcome = run(xlsx_bytes(rows))
    row = outcome.plan.rows[0]
    assert row.action == "update"
    assert [(c.column, c.old, c.new) for c in row.changes] == [("项目名称", "旧名称", "新名称")]
    project.refresh_from_db()
    assert project.name == "新名称"
    assert project.history.first().history_type == "~"


def test_an_empty_stage_status_or_public_cell_keeps_the_current_value(world):
    make_project(
        world, code="JZ-2020-0001", name="项目JZ-2020-0001", stage="operating", is_public=False
    )
    outcome = run(
        xlsx_bytes(
            [
                ledger_row(
                    code="JZ-2020-0001",
                    name="项目JZ-2020-0001",
                    stage="",
                    status="",
                    public="",
                    partners="",
                )
            ]
        )
    )
    assert outcome.plan.rows[0].action == "unchanged"
    project = Project.objects.get(code="JZ-2020-0001")
    assert (project.stage, project.is_public) == ("operating", False)


def test_partners_removed_from_the_cell_are_unlinked_with_history(world):
    project = make_project(world)
    add_partner(project, world.mudu, role="investor")
    # A blank cell keeps the links (one rule for blank cells); （清空） removes them.
    outcome = run(
        xlsx_bytes([ledger_row(code=project.code, name=project.name, partners="（清空）")])
    )
    change = outcome.plan.rows[0].changes[0]
    assert (change.column, change.old, change.new) == (
        "合作方",
        "木铎（广州）教育科技有限公司（投资方）",
        "",
    )
    assert not project.project_partners.exists()
    deleted = ProjectPartner.history.get(history_type="-")
    assert deleted.import_batch == outcome.batch


def test_any_row_error_writes_nothing_and_every_error_names_row_and_column(world):
    before = snapshot()
    outcome = run(
        xlsx_bytes(
            [
                ledger_row(name="好的一行", partners="新公司乙"),
                ledger_row(name="", region="不存在区"),
                ledger_row(investment="0", signed_on="2020-02-30", stage="飞天", public="也许"),
            ]
        )
    )
    assert not outcome.applied
    assert snapshot() == before
    assert outcome.batch.status == ImportBatch.Status.REJECTED
    errors = errors_of(outcome)
    assert (3, "项目名称", "项目名称不能为空。") in errors
    region_error = next(m for n, c, m in errors if n == 3 and c == "所属区域")
    assert "没有名为“不存在区”的区域" in region_error
    assert "解放区" in region_error and "山阳区" in region_error
    assert {(n, c) for n, c, _m in errors if n == 4} == {
        (4, "总投资（万元）"),
        (4, "签约日期"),
        (4, "项目阶段"),
        (4, "是否公开"),
    }
    assert outcome.plan.rows[0].action == "new"


def test_an_unknown_industry_or_event_lists_what_exists(world):
    outcome = run(xlsx_bytes([ledger_row(industry="航天", event="不存在的会")]), dry_run=True)
    messages = dict(((c, m) for _n, c, m in errors_of(outcome)))
    assert "数字经济" in messages["产业类别"] and "新材料" in messages["产业类别"]
    assert "焦作市首届院（校）地科技合作洽谈会" in messages["签约活动"]


def test_a_code_given_twice_in_one_file_is_an_error(world):
    outcome = run(xlsx_bytes([ledger_row(code="JZ-2020-0050"), ledger_row(code="JZ-2020-0050")]))
    assert errors_of(outcome) == [(3, "项目编号", "项目编号 JZ-2020-0050 与第 2 行重复。")]


def test_a_malformed_code_is_an_error(world):
    outcome = run(xlsx_bytes([ledger_row(code="第七号")]))
    assert "项目编号格式应为" in errors_of(outcome)[0][2]


def test_missing_required_columns_refuse_the_file(world):
    outcome = run(csv_bytes([["x"]], headers=["项目名称"]), name="t.csv")
    assert not outcome.applied
    assert "缺少必需的列：所属区域" in outcome.plan.file_errors[0]


def test_a_header_given_twice_refuses_the_file(world):
    outcome = run(
        csv_bytes([["甲", "解放区", "乙"]], headers=["项目名称", "所属区域", "name"]), name="t.csv"
    )
    assert "只能出现一次" in outcome.plan.file_errors[0]


def test_dry_run_writes_nothing(world):
    before = snapshot()
    outcome = run(xlsx_bytes([ledger_row()]), dry_run=True)
    assert outcome.plan.ok and not outcome.applied
    assert snapshot() == before
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_unedited_export_imports_with_every_row_unchanged(world, fmt, client):
    from tracker.ledger import exporter

    for i in range(1, 6):
        project = make_project(
            world,
            code=f"JZ-2020-{i:04d}",
            summary=['=HYPERLINK("x")', "+86 电话", "第一行\r\n第二行", "@某人", "\t缩进"][i - 1],
            leader="-",
            investment=[Decimal("105000"), None, Decimal("0.5"), None, Decimal("1234.5678")][i - 1],
            investment_low=Decimal("1000") if i == 2 else None,
            investment_high=Decimal("10000") if i == 2 else None,
            signed_on=[
                date(2020, 10, 12),
                date(2020, 10, 1),
                date(2020, 1, 1),
                None,
                date(2021, 2, 3),
            ][i - 1],
            signed_on_precision=["day", "month", "year", "day", "day"][i - 1],
            event=world.fair if i % 2 else None,
            industry=None if i == 3 else world.digital,
            is_public=bool(i % 2),
        )
        add_partner(project, world.mudu, role="investor")
    queryset = Project.objects.all()
    if fmt == "xlsx":
        import io

        out = io.BytesIO()
        exporter.write_xlsx(exporter.ledger_rows(queryset, native=True), out)
        data = out.getvalue()
    else:
        data = "".join(exporter.iter_csv(exporter.ledger_rows(queryset, native=False))).encode(
            "utf-8"
        )
    before = snapshot()
    outcome = run(data, name=f"台账.{fmt}")
    assert [row.action for row in outcome.plan.rows] == ["unchanged"] * 5, errors_of(outcome)
    assert snapshot() == before


def test_export_edit_import_updates_only_the_edited_rows(world):
    import io

    from tracker.ledger import exporter

    for i in range(1, 4):
        make_project(world, code=f"JZ-2020-{i:04d}")
    out = io.BytesIO()
    exporter.write_xlsx(exporter.ledger_rows(Project.objects.all(), native=True), out)
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(out.getvalue()))
    sheet = workbook.worksheets[0]
    sheet["B3"] = "改过的名字"
    sheet["G4"] = "10.5亿"
    edited = io.BytesIO()
    workbook.save(edited)
    outcome = run(edited.getvalue())
    assert [row.action for row in outcome.plan.rows] == ["unchanged", "update", "update"]
    assert Project.objects.get(code="JZ-2020-0002").name == "改过的名字"
    assert Project.objects.get(code="JZ-2020-0003").investment == Decimal("105000")
    assert Project.history.filter(history_type="~").count() == 2


def test_an_import_is_one_batch_linked_to_its_history_rows(world):
    user = make_user("importer", superuser=True)
    outcome = run(
        xlsx_bytes([ledger_row(name="甲", partners="新公司丙"), ledger_row(name="乙")]), user=user
    )
    batch = outcome.batch
    assert (batch.file_name, batch.user, batch.status) == ("台账.xlsx", user, "applied")
    assert (batch.created_count, batch.organizations_created) == (2, 1)
    history = Project.history.filter(import_batch=batch)
    assert history.count() == 2
    assert {h.history_user for h in history} == {user}
    assert all(h.history_change_reason == f"台账导入 #{batch.pk}：台账.xlsx" for h in history)
    # 新公司丙 for 甲, and the default partner (木铎) for 乙.
    assert ProjectPartner.history.filter(import_batch=batch).count() == 2
    assert Organization.history.filter(import_batch=batch).count() == 1


def test_an_editor_importing_a_row_for_another_region_gets_an_error(world):
    editor = make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])
    other = make_project(world, code="JZ-2020-0009", region=world.shanyang)
    outcome = run(
        xlsx_bytes(
            [
                ledger_row(name="园区项目", region="焦作市5G产业园"),
                ledger_row(name="山阳项目", region="山阳区"),
                ledger_row(code=other.code, name="想改别人的", region="解放区"),
            ]
        ),
        user=editor,
    )
    assert not outcome.applied
    errors = errors_of(outcome)
    assert (3, "所属区域", "您无权录入“山阳区”的项目。") in errors
    assert (4, "所属区域", "项目 JZ-2020-0009 属于您无权录入的区域。") in errors
    # A new 已签约 project by an editor is a claim: submitted for review, not written.
    assert outcome.plan.rows[0].action == "submit"


def test_query_count_does_not_grow_with_the_number_of_rows(world):
    def queries(n):
        rows = [
            # Names of their own: a second file naming the first one's projects would update them.
            ledger_row(name=f"项目{n}-{i}", partners=f"公司{i}、大学{i % 3}（科研合作方）")
            for i in range(n)
        ]
        data = xlsx_bytes(rows)
        with CaptureQueriesContext(connection) as captured:
            assert run(data).applied
        sql = [q["sql"] for q in captured.captured_queries]
        inserts = sum(1 for q in sql if q.startswith("INSERT"))
        return len(sql) - inserts, inserts

    small_other, small_inserts = queries(20)
    large_other, large_inserts = queries(400)
    assert small_other == large_other
    if connection.vendor == "postgresql":
        # One INSERT per table, whatever the size.
        assert small_inserts == large_inserts
    else:
        # SQLite binds at most 999 parameters per statement, so Django splits
        # bulk INSERTs into batches (~40-70 rows each): still far from one per
        # row; 400 rows write 3,600 (projects, links, organisations, history,
        # stage changes).
        assert large_inserts <= 400 / 7


def test_messages_are_translatable_and_chinese_by_default(world):
    with translation.override("zh-hans"):
        outcome = run(xlsx_bytes([ledger_row(public="也许")]), dry_run=True)
    assert errors_of(outcome)[0][2].startswith("应填“是”或“否”")
