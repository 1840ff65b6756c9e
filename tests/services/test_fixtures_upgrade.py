"""Upgrading a database that holds the fixtures as they were before issue 13, with staff edits."""

import json
import shutil
import subprocess

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tracker.models import Citation, Organization, Project, ProjectPartner
from tracker.services.fixtures import articles_load, fixture_paths

# The last commit before the second reading of the fixtures.
BEFORE = "f4fdb7f"


def _old_fixtures(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is needed to read the old fixtures")
    paths = []
    for path in fixture_paths():
        rel = path.relative_to(settings.BASE_DIR).as_posix()
        shown = subprocess.run(
            ["git", "show", f"{BEFORE}:{rel}"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            check=False,
        )
        if shown.returncode:
            pytest.skip(f"{BEFORE} is not in this checkout's history")
        (tmp_path / path.name).write_bytes(shown.stdout)
        paths.append(tmp_path / path.name)
    return paths


def _as_staff(obj, user):
    obj._history_user = user
    return obj


@pytest.fixture
def upgraded(db, tmp_path):
    articles_load(paths=_old_fixtures(tmp_path))
    staff = get_user_model().objects.create_user("staffer")
    # A staff edit to a field the new fixtures also change (the old stage was 已签约).
    tyre = _as_staff(Project.objects.get(code="JZ-2020-0081"), staff)
    tyre.stage = "construction"
    tyre.save()
    # Staff-only follow-up and a partner link staff added.
    sand = Project.objects.get(code="JZ-2018-0015")
    sand.leader_user = staff
    sand.save()
    _as_staff(
        ProjectPartner(
            project=Project.objects.get(code="JZ-2020-0009"),
            organization=Organization.objects.get(name="软通动力"),
            role="signatory",
        ),
        staff,
    ).save()
    report = articles_load()
    return report, staff


def test_upgrade_changes_fixture_fields_and_keeps_staff_edits(upgraded):
    report, staff = upgraded
    tyre = Project.objects.get(code="JZ-2020-0081")
    assert tyre.stage == "construction"  # the staff edit stays …
    assert tyre.note.startswith("阶段依据：“引进”")  # … the fixture's other fields move on
    assert report.kept["tracker.Project"] == 1
    sand = Project.objects.get(code="JZ-2018-0015")
    assert sand.stage == "negotiating"  # untouched by staff: the new reading applies
    assert sand.leader_user == staff
    roles = set(
        ProjectPartner.objects.filter(project__code="JZ-2020-0009").values_list(
            "organization__name", "role"
        )
    )
    assert roles == {("大唐电信", "named"), ("软通动力", "signatory")}


def test_upgrade_leaves_no_stale_rows_behind(upgraded):
    fixtures = [r for p in fixture_paths() for r in json.loads(p.read_text(encoding="utf-8"))]

    def count(model):
        return sum(r["model"] == model for r in fixtures)

    assert not Project.objects.filter(code="JZ-2020-0043").exists()
    assert Project.objects.count() == count("tracker.project")
    assert Citation.objects.count() == count("tracker.citation")
    assert ProjectPartner.objects.count() == count("tracker.projectpartner") + 1  # staff's
    assert Organization.objects.get(name="焦作天宝桓祥机械科技有限公司").aliases
    wanted = {
        (r["fields"]["quote"], r["fields"]["headline"])
        for r in fixtures
        if r["model"] == "tracker.citation"
    }
    assert set(Citation.objects.values_list("quote", "headline")) == wanted


def test_loading_again_after_an_upgrade_changes_nothing(upgraded):
    assert not articles_load().changed
