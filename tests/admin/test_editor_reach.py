"""区域录入员 view every district's projects and write only their own (docs/staff.md, roles)."""

import pytest
from django.urls import reverse

from tests.factories import make_project, make_user, project_change_form
from tracker.models import ProgressReport, Project, Region
from tracker.permissions import EDITOR_GROUP


@pytest.fixture
def editor(world):
    return make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])


@pytest.fixture
def mine(world):
    return make_project(world, code="JZ-2020-0001", region=world.park, stage="construction")


@pytest.fixture
def theirs(world):
    return make_project(
        world, code="JZ-2020-0002", region=world.shanyang, stage="construction", is_public=False
    )


@pytest.fixture
def logged_in(client, editor):
    client.force_login(editor)
    return client


def change_url(project):
    return reverse("admin:tracker_project_change", args=[project.pk])


def test_an_editor_lists_every_districts_projects(logged_in, mine, theirs):
    response = logged_in.get(reverse("admin:tracker_project_changelist"))
    codes = [p.code for p in response.context["cl"].result_list]
    assert codes == ["JZ-2020-0001", "JZ-2020-0002"]


def test_an_editor_opens_another_districts_project_read_only(logged_in, theirs):
    response = logged_in.get(change_url(theirs))
    assert response.status_code == 200
    page = response.content.decode()
    assert theirs.name in page
    assert 'name="name"' not in page  # values, not inputs
    assert 'name="_save"' not in page


def test_an_editor_cannot_post_another_districts_project(logged_in, theirs):
    response = logged_in.post(change_url(theirs), project_change_form(theirs, name="改名"))
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.name != "改名"


def test_an_editor_still_edits_their_own_district(logged_in, mine):
    response = logged_in.post(change_url(mine), project_change_form(mine, name="改名"))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.name == "改名"


def test_an_editor_reads_another_districts_history(logged_in, theirs):
    url = reverse("admin:tracker_project_history", args=[theirs.pk])
    assert logged_in.get(url).status_code == 200


def test_an_editor_cannot_delete_another_districts_project(logged_in, theirs):
    url = reverse("admin:tracker_project_delete", args=[theirs.pk])
    assert logged_in.get(url).status_code == 403
    assert logged_in.post(url, {"post": "yes"}).status_code == 403
    assert Project.objects.filter(pk=theirs.pk).exists()


def test_another_districts_internal_progress_reports_stay_hidden(logged_in, boss, theirs):
    ProgressReport.objects.create(
        project=theirs, author=boss, reported_on="2026-11-01", progress="内部进展：土地未落实"
    )
    page = logged_in.get(change_url(theirs)).content.decode()
    assert "内部进展：土地未落实" not in page
    reports = logged_in.get(reverse("admin:tracker_progressreport_changelist"))
    assert list(reports.context["cl"].result_list) == []


def test_a_bulk_action_refuses_another_districts_rows_and_says_so(logged_in, mine, theirs):
    response = logged_in.post(
        reverse("admin:tracker_project_changelist"),
        {"action": "publish", "_selected_action": [mine.pk, theirs.pk]},
        follow=True,
    )
    theirs.refresh_from_db()
    assert theirs.is_public is False
    texts = " ".join(str(m) for m in response.context["messages"])
    assert "1 个本来如此" in texts  # mine was already public
    assert "1 个未更改" in texts
    assert "JZ-2020-0002" in texts


def test_the_district_filter_offers_only_districts_with_projects(staff, world, mine):
    Region.objects.create(name="空白区", slug="empty", kind="district", parent=world.city)
    response = staff.get(reverse("admin:tracker_project_changelist"))
    region_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.parameter_name == "region_tree"
    )
    offered = [label.strip("\u3000") for _value, label in region_filter.lookup_choices]
    assert "空白区" not in offered
    assert "山阳区" not in offered  # no project there either
    assert {"焦作市", "解放区", "焦作市5G产业园"} <= set(offered)
