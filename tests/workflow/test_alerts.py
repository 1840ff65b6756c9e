"""Alerts (预警), derived durations, 我的项目, 报进展, the 需关注 dashboard, the performance
report, ``project_alerts`` and the public timeline — with dates frozen."""

import csv
import io
from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import add_partner, make_project, make_user, read_xlsx
from tracker.jobs.testing import run_queued_jobs
from tracker.models import Job, ProgressReport, Project, StageChange
from tracker.permissions import EDITOR_GROUP
from tracker.services.progress import progress_report_create
from tracker.services.projects import project_stage_change

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


def travel(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=TZ), tick=False)


def flags(project, today):
    p = Project.objects.with_alerts(today=today).get(pk=project.pk)
    return {
        name
        for name in ("alert_not_started", "alert_overdue", "alert_no_progress", "alert_status")
        if getattr(p, name)
    }


def report(project, user, on):
    return ProgressReport.objects.create(
        project=project, author=user, reported_on=on, progress="推进中"
    )


# --- each rule ----------------------------------------------------------------------------------


def test_signed_but_not_started_alerts_after_90_days(world, boss):
    with travel(date(2026, 1, 1)):
        project = make_project(world, stage="signed", signed_on=date(2026, 1, 1))
        report(project, boss, date(2026, 1, 1))
    report(project, boss, date(2026, 3, 31))
    assert "alert_not_started" not in flags(project, date(2026, 3, 31))  # day 89
    assert "alert_not_started" not in flags(project, date(2026, 4, 1))  # day 90
    assert "alert_not_started" in flags(project, date(2026, 4, 2))  # day 91


def test_signed_without_signed_on_uses_the_first_change_into_signed(world, boss):
    with travel(date(2026, 1, 1)):
        project = make_project(world, stage="negotiating", signed_on=None)
        StageChange.objects.create(
            project=project,
            from_stage="negotiating",
            to_stage="signed",
            effective_on=date(2026, 1, 1),
        )
        Project.objects.filter(pk=project.pk).update(stage="signed")
    assert "alert_not_started" in flags(project, date(2026, 5, 1))


def test_a_project_under_construction_alerts_past_its_planned_operation_date(world, boss):
    with travel(date(2026, 1, 1)):
        project = make_project(world, stage="construction", planned_operation_on=date(2026, 6, 30))
    report(project, boss, date(2026, 7, 1))
    assert "alert_overdue" not in flags(project, date(2026, 6, 30))
    assert "alert_overdue" in flags(project, date(2026, 7, 1))
    Project.objects.filter(pk=project.pk).update(stage="operating")
    assert "alert_overdue" not in flags(project, date(2026, 7, 1))


def test_no_progress_for_30_days_alerts_on_open_projects_only(world, boss):
    with travel(date(2026, 1, 1)):
        fresh = make_project(world, code="JZ-2020-0001", stage="negotiating")
        lost = make_project(world, code="JZ-2020-0002", stage="negotiating", status="lost")
        running = make_project(world, code="JZ-2020-0003", stage="operating")
    # From created_at while there is no report: a new record does not alert at once.
    assert "alert_no_progress" not in flags(fresh, date(2026, 1, 31))
    assert "alert_no_progress" in flags(fresh, date(2026, 2, 1))
    report(fresh, boss, date(2026, 1, 20))
    assert "alert_no_progress" not in flags(fresh, date(2026, 2, 19))
    assert "alert_no_progress" in flags(fresh, date(2026, 2, 20))
    assert flags(lost, date(2026, 6, 1)) == set()
    assert flags(running, date(2026, 6, 1)) == set()


def test_delayed_and_stalled_status_alert(world, boss):
    with travel(date(2026, 1, 1)):
        delayed = make_project(world, code="JZ-2020-0001", stage="negotiating", status="delayed")
        stalled = make_project(world, code="JZ-2020-0002", stage="negotiating", status="stalled")
    assert flags(delayed, date(2026, 1, 2)) == {"alert_status"}
    assert flags(stalled, date(2026, 1, 2)) == {"alert_status"}


def test_the_admin_alert_filter_lists_the_flagged_projects(staff, world):
    make_project(world, code="JZ-2020-0001", status="delayed")
    make_project(world, code="JZ-2020-0002", stage="negotiating")
    url = reverse("admin:tracker_project_changelist")
    response = staff.get(url, {"alert": "alert_status"})
    assert [p.code for p in response.context["cl"].result_list] == ["JZ-2020-0001"]


# --- derived durations ------------------------------------------------------------------------------


def test_days_to_construction_and_operation_are_derived_from_the_timeline(world, boss):
    project = make_project(world, stage="signed", signed_on=date(2025, 1, 10))
    add_partner(project, world.mudu)
    with travel(date(2026, 3, 1)):
        project_stage_change(
            project=project,
            stage="construction",
            effective_on=date(2025, 3, 1),
            started_on=date(2025, 3, 1),
            user=boss,
        )
        project_stage_change(
            project=project,
            stage="operating",
            effective_on=date(2026, 1, 10),
            operating_on=date(2026, 1, 10),
            user=boss,
        )
    p = Project.objects.with_durations().get(pk=project.pk)
    assert (p.signed_date, p.construction_date, p.operation_date) == (
        date(2025, 1, 10),
        date(2025, 3, 1),
        date(2026, 1, 10),
    )
    assert (p.days_to_construction, p.days_to_operation) == (50, 365)


def test_durations_are_unknown_without_a_timeline(world):
    p = Project.objects.with_durations().get(pk=make_project(world).pk)
    assert (p.days_to_construction, p.days_to_operation) == (None, None)


# --- 我的项目 and 报进展 ----------------------------------------------------------------------------


def test_my_projects_lists_what_i_am_responsible_for_needing_attention_first(client, world):
    me = make_user("leader")
    other = make_user("other")
    with travel(date(2026, 1, 1)):
        calm = make_project(world, code="JZ-2020-0001", leader_user=me, stage="construction")
        hot = make_project(
            world, code="JZ-2020-0002", unit_contact=me, status="stalled", stage="construction"
        )
        make_project(world, code="JZ-2020-0003", leader_user=other, status="stalled")
        report(calm, me, date(2026, 1, 1))
        report(hot, me, date(2026, 1, 1))
    client.force_login(me)
    with travel(date(2026, 1, 5)):
        response = client.get(reverse("admin:tracker_project_mine"))
    rows = response.context["rows"]
    assert [r["project"].code for r in rows] == ["JZ-2020-0002", "JZ-2020-0001"]
    assert rows[0]["alerts"] == ["状态滞后/停滞"]
    assert "报进展" in response.content.decode()


def test_the_progress_form_adds_a_report_through_the_service(client, world):
    me = make_user("leader")
    project = make_project(world, leader_user=me)
    client.force_login(me)
    url = reverse("admin:tracker_project_progress", args=[project.pk])
    response = client.post(
        url,
        {
            "reported_on": timezone.localdate().isoformat(),
            "progress": "完成土地摘牌",
            "problems": "需协调供电",
            "next_steps": "办理施工许可",
        },
    )
    assert response.status_code == 302
    saved = ProgressReport.objects.get()
    assert (saved.project, saved.author, saved.problems) == (project, me, "需协调供电")


def test_the_progress_form_says_reports_stay_internal_in_the_readers_language(client, world):
    me = make_user("leader")
    project = make_project(world, leader_user=me)
    client.force_login(me)
    url = reverse("admin:tracker_project_progress", args=[project.pk])
    chinese = client.get(url).content.decode()
    assert "解放区。进展仅内部可见" in chinese
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "解放区. Progress reports are internal" in english


def test_an_editor_cannot_report_on_another_regions_project(client, world):
    editor = make_user("editor", group=EDITOR_GROUP, regions=[world.shanyang])
    project = make_project(world)  # in 解放区
    client.force_login(editor)
    url = reverse("admin:tracker_project_progress", args=[project.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"reported_on": "2020-01-01", "progress": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        progress_report_create(
            project=project, user=editor, reported_on=date(2020, 1, 1), progress="x"
        )
    assert not ProgressReport.objects.exists()


# --- dashboard -----------------------------------------------------------------------------------


def _dashboard(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:tracker_project_attention"))
    assert response.status_code == 200
    return response, len(captured)


def test_the_dashboard_counts_by_district_with_parks_rolled_up_and_by_person(staff, world):
    lead = make_user("lead")
    with travel(date(2026, 1, 1)):
        make_project(
            world, code="JZ-2020-0001", region=world.park, status="delayed", leader_user=lead
        )
        make_project(world, code="JZ-2020-0002", region=world.jiefang, status="stalled")
        make_project(
            world, code="JZ-2020-0003", region=world.shanyang, status="on_track", stage="operating"
        )
    with travel(date(2026, 1, 5)):
        response, _ = _dashboard(staff)
    districts = {row["label"]: row["total"] for row in response.context["districts"]}
    assert districts == {"解放区": 2}
    people = {row["label"]: row["total"] for row in response.context["people"]}
    assert people == {"lead": 1}
    page = response.content.decode()
    assert f"region_tree={world.jiefang.pk}" in page and "alert=any" in page
    assert f"responsible={lead.pk}" in page


def test_the_dashboard_runs_a_fixed_number_of_queries(staff, world):
    users = [make_user(f"u{i}") for i in range(3)]
    make_project(world, code="JZ-2020-0001", status="delayed", leader_user=users[0])
    _, small = _dashboard(staff)
    for i in range(2, 40):
        make_project(
            world,
            code=f"JZ-2020-{i:04d}",
            region=[world.park, world.shanyang, world.jiefang][i % 3],
            status="stalled",
            leader_user=users[i % 3],
            unit_contact=users[(i + 1) % 3],
        )
    _, large = _dashboard(staff)
    assert small == large


def test_responsible_filter_links_from_the_dashboard_work(staff, world):
    lead = make_user("lead")
    make_project(world, code="JZ-2020-0001", status="delayed", leader_user=lead)
    make_project(world, code="JZ-2020-0002", status="delayed")
    response = staff.get(
        reverse("admin:tracker_project_changelist"), {"responsible": lead.pk, "alert": "any"}
    )
    assert [p.code for p in response.context["cl"].result_list] == ["JZ-2020-0001"]


# --- project_alerts ------------------------------------------------------------------------------


@pytest.fixture
def alerting(world, boss):
    with travel(date(2026, 1, 1)):
        a = make_project(
            world,
            code="JZ-2020-0001",
            region=world.park,
            stage="construction",
            status="delayed",
            leader_user=boss,
        )
        make_project(
            world,
            code="JZ-2020-0002",
            region=world.shanyang,
            stage="signed",
            signed_on=date(2025, 1, 1),
        )
        quiet = make_project(world, code="JZ-2020-0003", stage="operating")
        report(a, boss, date(2026, 1, 1))
    return quiet


def test_project_alerts_prints_one_line_per_alert_as_text(alerting):
    out = io.StringIO()
    call_command("project_alerts", "--date", "2026-01-10", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        "JZ-2020-0002 项目JZ-2020-0002（山阳区）签约超期未开工：签约 374 天未开工（签约于 2025-01-01）  [张三]",
        "JZ-2020-0001 项目JZ-2020-0001（焦作市5G产业园）状态滞后/停滞：状态：滞后  [boss]",
    ]


def test_project_alerts_csv_and_region_filter(alerting, world):
    out = io.StringIO()
    call_command(
        "project_alerts",
        "--date",
        "2026-01-10",
        "--format",
        "csv",
        "--region",
        "jiefang",
        stdout=out,
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["code", "name", "region", "alert", "detail", "responsible"]
    assert [(r[0], r[3]) for r in rows[1:]] == [("JZ-2020-0001", "状态滞后/停滞")]


def test_project_alerts_prints_nothing_when_all_is_well(world):
    out = io.StringIO()
    call_command("project_alerts", stdout=out)
    assert out.getvalue() == ""


# --- performance report -------------------------------------------------------------------------


def test_the_performance_report_shows_medians_and_exports_xlsx(staff, world, boss):
    with travel(date(2026, 3, 1)):
        for code, signed, started in [
            ("JZ-2025-0001", date(2025, 1, 1), date(2025, 2, 1)),  # 31 days
            ("JZ-2025-0002", date(2025, 1, 1), date(2025, 6, 30)),  # 180 days
            ("JZ-2025-0003", date(2025, 1, 1), None),
        ]:
            project = make_project(world, code=code, stage="signed", signed_on=signed)
            add_partner(project, world.mudu)
            if started:
                project_stage_change(
                    project=project,
                    stage="construction",
                    effective_on=started,
                    started_on=started,
                    user=boss,
                )
        response = staff.get(reverse("admin:tracker_project_performance"))
        overall = response.context["report"].overall
        assert (overall.signed, overall.median_to_construction) == (3, 105.5)
        assert (overall.started_in_time, overall.judged) == (1, 3)
        assert "JZ-2025-0002" in response.content.decode()
        queued = staff.post(reverse("admin:tracker_project_performance"))
        run_queued_jobs()
    job = Job.objects.get(kind=Job.Kind.PERFORMANCE_REPORT)
    assert queued["Location"] == reverse("admin:tracker_job_change", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED and job.result == {"rows": 3}
    xlsx = staff.get(reverse("admin:tracker_job_download", args=[job.pk]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(b"".join(xlsx.streaming_content))
    assert rows[1][:3] == ["全部", 3, 105.5]


def test_the_performance_report_is_staff_only(client, world):
    response = client.get(reverse("admin:tracker_project_performance"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- public page ---------------------------------------------------------------------------------


def test_the_public_page_shows_stages_and_dates_but_no_notes_users_or_reports(client, world, boss):
    project = make_project(world, stage="signed", signed_on=date(2025, 1, 10))
    add_partner(project, world.mudu)
    project_stage_change(
        project=project,
        stage="construction",
        effective_on=date(2025, 3, 1),
        started_on=date(2025, 3, 1),
        note="内部机密原因",
        user=boss,
    )
    progress_report_create(
        project=project, user=boss, reported_on=date(2025, 3, 2), progress="内部进展机密"
    )
    page = client.get(project.get_absolute_url()).content.decode()
    assert "2025-03-01" in page and "阶段时间线" in page
    assert "内部机密原因" not in page
    assert "内部进展机密" not in page
    assert "boss" not in page


def test_progress_reports_and_stage_notes_stay_out_of_the_api_and_public_exports(
    client, world, boss
):
    project = make_project(world, stage="signed", leader_user=boss)
    add_partner(project, world.mudu)
    project_stage_change(
        project=project,
        stage="construction",
        effective_on=date(2025, 3, 1),
        started_on=date(2025, 3, 1),
        note="内部机密原因",
        user=boss,
    )
    progress_report_create(
        project=project, user=boss, reported_on=date(2025, 3, 2), progress="内部进展机密"
    )
    for url in ("/api/projects/", f"/api/projects/{project.code}/"):
        body = client.get(url).content.decode()
        assert "内部机密原因" not in body and "内部进展机密" not in body, url
        assert "boss" not in body, url


def test_the_admin_index_and_the_project_list_link_to_the_follow_up_pages(staff, world):
    links = [
        reverse("admin:tracker_project_attention"),
        reverse("admin:tracker_project_mine"),
        reverse("admin:tracker_project_performance"),
    ]
    for page in (reverse("admin:index"), reverse("admin:tracker_project_changelist")):
        body = staff.get(page).content.decode()
        assert all(link in body for link in links), page
