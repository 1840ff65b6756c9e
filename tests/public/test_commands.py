"""generate_projects makes a realistic ledger fast; bench_pages prints the page-time table."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count

from tracker.choices import Stage, Status
from tracker.models import Event, Organization, Project, ProjectPartner, Region


@pytest.mark.django_db
def test_generate_projects_makes_a_realistic_mix(django_assert_max_num_queries):
    out = StringIO()
    with django_assert_max_num_queries(200):  # bulk inserts, not one query per row
        call_command("generate_projects", count=600, seed=1, stdout=out)
    assert "项目 600" in out.getvalue()
    projects = Project.objects.all()
    assert projects.count() == 600
    assert set(projects.values_list("stage", flat=True)) == set(Stage.values)
    assert set(projects.values_list("status", flat=True)) == set(Status.values)
    undisclosed = projects.filter(investment__isnull=True).count()
    assert 0.2 * 600 < undisclosed < 0.5 * 600
    assert projects.filter(investment__isnull=True, investment_low__isnull=False).exists()
    assert 0 < projects.filter(is_public=False).count() < 0.15 * 600
    assert Region.objects.filter(kind="park").exists()
    assert Region.objects.filter(projects__isnull=False, kind="park").exists()
    assert Organization.objects.count() >= 150
    assert Event.objects.filter(declared_signed_count__isnull=False).exists()
    per_project = ProjectPartner.objects.values("project").annotate(n=Count("pk"))
    assert {row["n"] for row in per_project} <= {1, 2, 3}
    assert not projects.filter(stage=Stage.LEAD, signed_on__isnull=False).exists()
    assert not projects.filter(stage=Stage.OPERATING, signed_on__isnull=True).exists()


@pytest.mark.django_db
def test_generate_projects_adds_to_existing_data_without_clashes():
    call_command("generate_projects", count=50, seed=1, stdout=StringIO())
    call_command("generate_projects", count=50, seed=1, stdout=StringIO())
    assert Project.objects.count() == 100
    assert Region.objects.filter(kind="city").count() == 1


@pytest.mark.django_db
def test_generate_projects_is_reproducible_from_its_seed():
    call_command("generate_projects", count=30, seed=7, stdout=StringIO())
    first = list(Project.objects.order_by("code").values_list("name", "investment", "stage"))
    Project.objects.all().delete()
    Organization.objects.all().delete()
    Event.objects.all().delete()
    call_command("generate_projects", count=30, seed=7, stdout=StringIO())
    again = list(Project.objects.order_by("code").values_list("name", "investment", "stage"))
    assert first == again


@pytest.mark.slow  # a subprocess
def test_bench_pages_prints_the_side_by_side_table(tmp_path):
    """Runs the real command on two small sizes, in its own process and SQLite file."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SQLITE_PATH"] = str(tmp_path / "bench.sqlite3")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench_pages",
            "--sizes",
            "40",
            "120",
            "--rounds",
            "1",
            "--per-round",
            "2",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "Median server time per page" in out
    for label in ("/projects/ ", "/projects/<code>/", "/events/<slug>/", "/api/projects/", "/ "):
        assert label in out
    assert "ratio" in out
    assert not (tmp_path / "bench.sqlite3").exists()  # the main database was never touched


def test_bench_serves_cold_figures_are_judged_on_the_median_of_the_samples_worst():
    from benchmarks.serve_report import print_cold

    def sample(restart, edit, recompute, seconds=2.0):
        return {
            "warm": 3.0,
            "warm_rendered": 10.0,
            "restart": restart,
            "after_edit": edit,
            "after_recompute": recompute,
            "recompute_seconds": seconds,
        }

    lines = []
    print_cold(
        lines.append,
        [
            sample([5, 9], [35, 4], [12, 4]),
            sample([8, 12], [15, 9], [9, 9], None),
            sample([30, 5], [18, 3], [8, 8]),
        ],
    )
    text = "\n".join(lines)
    assert "3 samples" in text
    assert "worst each: 0.9×, 1.2×, 3.0×; median 1.2×  ok" in text  # one slow restart
    assert "worst each: 3.5×, 1.5×, 1.8×; median 1.8×  ok" in text
    assert "2.0 s, NOT within 120 s, 2.0 s after the edit" in text
    lines.clear()
    print_cold(lines.append, [sample([25], [25], [25])] * 3)
    assert "\n".join(lines).count("median 2.5×  MISSED") == 3
