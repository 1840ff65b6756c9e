"""The monthly report for a month of synthetic data, checked against sums computed from the rows."""

import io
import random
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import add_partner, make_project
from tracker import scorecard
from tracker.jobs.testing import run_queued_jobs
from tracker.models import DistrictTarget, FundsArrival, Job, StageChange
from tracker.monthly import monthly_report
from tracker.scorecard import Period

ORIGINS = ["city", "province", "domestic", "foreign"]


# Per signing (by index): how it went on. Each case is one the counting rule decides:
# a start typed in (started_on) wins over the timeline's date; a project that went
# straight to 已投产 has started too; one moved back to 已签约 has not started (any
# more); a 终止 project still counts for its signing.
STARTS = {
    1: {"changes": [("construction", date(2026, 3, 20))]},
    3: {"changes": [("construction", date(2026, 3, 20))], "started_on": date(2026, 2, 10)},
    4: {"changes": [("operating", date(2026, 3, 12))]},
    5: {"changes": [("construction", date(2026, 3, 3))], "back_to": "signed"},
    6: {"status": "cancelled"},
    7: {"changes": [("construction", date(2025, 3, 1)), ("operating", date(2025, 3, 30))]},
}
STARTED_STAGES = {"construction", "operating"}


@pytest.fixture
def month_of_data(world):
    """Signings, starts and funds around March 2026; returns the rows as plain dicts."""
    rng = random.Random(2026)
    rows = []
    regions = [world.jiefang, world.park, world.shanyang]
    signed_days = [date(2026, 3, d) for d in (2, 9, 15, 31)] + [date(2026, 2, 20), date(2026, 4, 1)]
    signed_days += [date(2025, 3, 5), date(2025, 1, 9)]
    for n, signed in enumerate(signed_days):
        amount = None if n % 3 == 2 else Decimal(rng.randint(1, 500) * 100)
        region = regions[n % 3]
        plan = STARTS.get(n, {})
        project = make_project(
            world,
            code=f"JZ-{signed.year}-{n + 100:04d}",
            region=region,
            investment=amount,
            signed_on=signed,
            stage="signed",
            status=plan.get("status", "on_track"),
            started_on=plan.get("started_on"),
        )
        add_partner(project, world.mudu)
        for stage, on in plan.get("changes", []):
            StageChange.objects.create(project=project, effective_on=on, to_stage=stage)
            project.stage = stage
        project.stage = plan.get("back_to", project.stage)
        project.save()
        changes = plan.get("changes", [])
        # The one rule (docs/workflow.md, 考核与排名), computed here from the plan alone.
        start = plan.get("started_on") or next((on for _s, on in changes), None)
        operation = next((on for stage, on in changes if stage == "operating"), None)
        rows.append(
            {
                "project": project,
                "amount": amount,
                "signed": signed,
                "started": start if project.stage in STARTED_STAGES else None,
                "operating": operation if project.stage == "operating" else None,
                "district": "山阳区" if region == world.shanyang else "解放区",
            }
        )
    funds = []
    for row in rows[:5]:
        for month in (date(2026, 3, 1), date(2026, 2, 1), date(2025, 3, 1)):
            origin = rng.choice(ORIGINS)
            amount = Decimal(rng.randint(1, 90) * 10)
            FundsArrival.objects.create(
                project=row["project"], month=month, origin=origin, amount=amount
            )
            funds.append(
                {"month": month, "origin": origin, "amount": amount, "district": row["district"]}
            )
    DistrictTarget.objects.create(
        region=world.jiefang, year=2026, signed_count=12, funds_amount=5000
    )
    return rows, funds


def _sum(values):
    values = [v for v in values if v is not None]
    return sum(values) if values else None


def _within(day, first, last):
    return day is not None and first <= day <= last


MARCH = (date(2026, 3, 1), date(2026, 3, 31))
YTD = (date(2026, 1, 1), date(2026, 3, 31))
LAST_YTD = (date(2025, 1, 1), date(2025, 3, 31))


def _milestone_row(rows, key):
    """[month count, amount, ytd count, amount, last year count, amount] of ``key``."""
    cells = []
    for window in (MARCH, YTD, LAST_YTD):
        inside = [r for r in rows if _within(r[key], *window)]
        cells += [len(inside), _sum(r["amount"] for r in inside)]
    return cells


def test_the_overview_matches_sums_taken_from_the_rows(month_of_data):
    rows, funds = month_of_data
    overview = monthly_report(year=2026, month=3).section("overview")
    signed_row, started_row, operating_row, funds_row = overview.rows
    assert signed_row[0] == "新签约"
    assert signed_row[1:7] == _milestone_row(rows, "signed")
    ytd = [r for r in rows if _within(r["signed"], *YTD)]
    assert signed_row[8] == sum(r["amount"] is None for r in ytd)  # undisclosed, never 0
    assert started_row[1:7] == _milestone_row(rows, "started")
    assert operating_row[1:7] == _milestone_row(rows, "operating")
    assert funds_row[2] == _sum(f["amount"] for f in funds if f["month"] == date(2026, 3, 1))
    assert funds_row[4] == _sum(f["amount"] for f in funds if f["month"].year == 2026)
    assert funds_row[6] == _sum(f["amount"] for f in funds if f["month"] == date(2025, 3, 1))


def test_the_rule_decides_the_cases_the_old_report_counted_differently(month_of_data):
    rows, _funds = month_of_data
    started = monthly_report(year=2026, month=3).section("overview").rows[1]
    # March: the project that went straight to 已投产 (4); not the one with started_on in
    # February (3), nor the one moved back to 已签约 (5); year to date adds 3.
    march = {r["project"].code for r in rows if _within(r["started"], *MARCH)}
    assert march == {rows[1]["project"].code, rows[4]["project"].code}
    assert started[1] == 2 and started[3] == 3


def test_the_report_counts_as_the_ranking_page_does(month_of_data):
    report = monthly_report(year=2026, month=3)
    card = scorecard.district_scorecard(Period(2026, 3))
    by_name = {row[0]: row for row in report.section("targets").rows}
    for district in card.districts:
        assert by_name[district.name][1] == district.counts["signed_count"]
        assert by_name[district.name][5] == district.counts["started_count"]
    ranking = report.section("ranking").rows
    assert ranking[0][:2] == [1, "解放区"]  # the only district with a target
    assert ranking[0][3] == round(card.districts[0].counts["signed_count"] * 100 / Decimal(12), 1)


def test_funds_by_origin_add_up_to_the_total(month_of_data):
    _rows, funds = month_of_data
    section = monthly_report(year=2026, month=3).section("funds")
    by_label = {row[0]: row for row in section.rows}
    labels = {"city": "市内", "province": "市外省内", "domestic": "省外", "foreign": "境外"}
    for origin, label in labels.items():
        expected = _sum(
            f["amount"] for f in funds if f["origin"] == origin and f["month"].year == 2026
        )
        assert by_label[label][2] == expected
    assert by_label["合计"][2] == _sum(f["amount"] for f in funds if f["month"].year == 2026)


def test_year_to_date_per_district_sits_beside_its_target(month_of_data):
    rows, funds = month_of_data
    section = monthly_report(year=2026, month=3).section("targets")
    jiefang = next(row for row in section.rows if row[0] == "解放区")
    ytd = [
        r
        for r in rows
        if r["district"] == "解放区" and date(2026, 1, 1) <= r["signed"] <= date(2026, 3, 31)
    ]
    assert jiefang[1:3] == [len(ytd), 12]
    assert jiefang[3] == _sum(r["amount"] for r in ytd)
    assert jiefang[9:11] == [
        _sum(f["amount"] for f in funds if f["district"] == "解放区" and f["month"].year == 2026),
        5000,
    ]
    shanyang = next(row for row in section.rows if row[0] == "山阳区")
    assert shanyang[2] is None  # no target set: empty, not 0


def test_the_job_writes_an_xlsx_sheet_per_section_and_a_pdf(staff, month_of_data):
    response = staff.post(reverse("admin:tracker_project_monthly"), {"month": "2026-03"})
    job = Job.objects.get(kind=Job.Kind.MONTHLY_REPORT)
    assert response["Location"] == reverse("admin:tracker_job_change", args=[job.pk])
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    report = monthly_report(year=2026, month=3)
    book = load_workbook(io.BytesIO(default_storage.open(job.result["files"]["xlsx"]).read()))
    assert book.sheetnames == [s.title[:31] for s in report.sections]
    overview = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert overview[1][:5] == [
        "新签约",
        *[int(c) if isinstance(c, int) else c for c in report.section("overview").rows[0][1:5]],
    ]
    assert "统计期：2026年3月" in overview[-1][0]
    if "pdf" in job.result["files"]:  # weasyprint needs the OS's pango; the xlsx never does
        pdf = staff.get(reverse("admin:tracker_job_download", args=[job.pk]), {"file": "pdf"})
        assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_the_printable_page_shows_the_chosen_month_and_its_sections(staff, month_of_data):
    response = staff.get(reverse("admin:tracker_project_monthly"), {"month": "2026-03"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "2026年3月" in body and "到位资金按来源" in body and "预警" in body


def test_an_unreadable_month_falls_back_to_last_month(staff, world):
    response = staff.get(reverse("admin:tracker_project_monthly"), {"month": "three"})
    assert response.status_code == 200
    assert response.context["report"].month in range(1, 13)


def test_the_report_lists_thirty_alerts_and_says_how_many_there_are(world):
    from tracker.monthly import ALERT_ROWS

    for n in range(ALERT_ROWS + 3):  # signed long ago, never started: one alert each
        make_project(world, code=f"JZ-2020-{n + 500:04d}", signed_on=date(2020, 1, 1))
    section = monthly_report(year=2026, month=3, today=date(2026, 3, 31)).section("alerts")
    assert len(section.rows) == ALERT_ROWS
    assert f"共 {ALERT_ROWS + 3} 条预警" in section.note


def test_a_project_placed_at_the_city_is_a_row_of_its_own_named_city_level(world):
    make_project(world, code="JZ-2026-0900", region=world.city, signed_on=date(2026, 3, 3))
    rows = monthly_report(year=2026, month=3).section("targets").rows
    city = next(row for row in rows if row[0] == "市本级")
    assert city[1] == 1 and world.city.name not in [row[0] for row in rows]
