"""The holes a 只读 account and a 区域录入员 found in the admin, each closed on the server."""

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import add_partner, make_project, make_user, project_change_form
from tracker.models import (
    Citation,
    ProgressReport,
    Project,
    ProjectPartner,
    Region,
    RegionAssignment,
    Source,
    StageChange,
)
from tracker.permissions import EDITOR_GROUP, READER_GROUP


@pytest.fixture
def editor(world):
    """A 区域录入员 for 解放区 (and so its park), not 山阳区."""
    return make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])


@pytest.fixture
def reader(world):
    return make_user("reader", group=READER_GROUP)


@pytest.fixture
def mine(world):
    return make_project(world, code="JZ-2020-0001", region=world.park)


@pytest.fixture
def theirs(world):
    return make_project(world, code="JZ-2020-0002", region=world.shanyang, is_public=False)


@pytest.fixture
def source(world):
    return Source.objects.create(title="焦作日报", file="000_x.txt", published_on=date(2020, 10, 1))


def revert_url(obj):
    opts = obj._meta
    version = obj.history.order_by("-history_id").first().history_id
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[obj.pk, version]
    )


def test_a_reader_cannot_rename_or_publish_a_project_through_its_history_form(
    client, reader, theirs
):
    client.force_login(reader)
    url = revert_url(theirs)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()  # values, not inputs
    response = client.post(url, project_change_form(theirs, name="被改了", is_public="on"))
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert (theirs.name, theirs.is_public) == ("项目JZ-2020-0002", False)


def test_an_editor_cannot_widen_their_own_region_assignment_through_its_history(
    client, world, editor
):
    client.force_login(editor)
    assignment = RegionAssignment.objects.get(user=editor)
    response = client.post(revert_url(assignment), {"user": editor.pk, "region": world.city.pk})
    assert response.status_code == 403
    assert list(RegionAssignment.objects.filter(user=editor).values_list("region", flat=True)) == [
        world.jiefang.pk
    ]


def test_an_editor_cannot_reparent_another_district_through_its_history(client, world, editor):
    client.force_login(editor)
    response = client.post(
        revert_url(world.shanyang),
        {"name": "山阳区", "slug": "shanyang", "kind": "district", "parent": world.jiefang.pk},
    )
    assert response.status_code == 403
    assert Region.objects.get(pk=world.shanyang.pk).parent_id == world.city.pk


def test_an_editor_cannot_link_a_partner_to_another_districts_project(
    client, world, editor, theirs
):
    client.force_login(editor)
    response = client.post(
        reverse("admin:tracker_projectpartner_add"),
        {"project": theirs.pk, "organization": world.mudu.pk, "role": "signatory"},
    )
    assert response.status_code == 200  # the form refuses the choice
    assert "project" in response.context["adminform"].form.errors
    assert not ProjectPartner.objects.filter(project=theirs).exists()


def test_an_editor_cannot_move_their_partner_row_onto_another_districts_project(
    client, world, editor, mine, theirs
):
    client.force_login(editor)
    link = add_partner(mine, world.mudu)
    response = client.post(
        reverse("admin:tracker_projectpartner_change", args=[link.pk]),
        {"project": theirs.pk, "organization": world.mudu.pk, "role": "investor"},
    )
    assert response.status_code == 200
    link.refresh_from_db()
    assert (link.project_id, link.role) == (mine.pk, "signatory")


def test_an_editor_cannot_add_a_citation_or_progress_report_to_another_district(
    client, editor, theirs, source
):
    client.force_login(editor)
    client.post(
        reverse("admin:tracker_citation_add"),
        {"source": source.pk, "project": theirs.pk, "quote": "原文"},
    )
    client.post(
        reverse("admin:tracker_progressreport_add"),
        {"project": theirs.pk, "reported_on": "2021-01-05", "progress": "推进"},
    )
    assert not Citation.objects.filter(project=theirs).exists()
    assert not ProgressReport.objects.filter(project=theirs).exists()


def test_an_editor_cannot_add_a_citation_to_no_project_at_all(client, world, editor, source):
    client.force_login(editor)
    client.post(
        reverse("admin:tracker_citation_add"),
        {"source": source.pk, "organization": world.mudu.pk, "quote": "原文"},
    )
    assert not Citation.objects.exists()


def test_an_editor_cannot_read_another_districts_progress_reports_through_history(
    client, editor, theirs
):
    report = ProgressReport.objects.create(
        project=theirs, reported_on=date(2021, 1, 5), progress="内部进展：谈判底价"
    )
    client.force_login(editor)
    for url in (
        reverse("admin:tracker_progressreport_history", args=[report.pk]),
        revert_url(report),
        reverse("admin:tracker_progressreport_change", args=[report.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "谈判底价" not in response.content.decode()


def test_the_superuser_can_delete_a_project_with_its_timeline(staff, world):
    project = make_project(world, code="JZ-2020-0009")
    StageChange.objects.create(project=project, effective_on=date(2020, 10, 12), to_stage="signed")
    url = reverse("admin:tracker_project_delete", args=[project.pk])
    assert staff.get(url).status_code == 200
    assert staff.post(url, {"post": "yes"}).status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not StageChange.objects.filter(project_id=project.pk).exists()


def test_saving_over_someone_elses_newer_edit_is_refused_and_says_what_changed(client, world, mine):
    first, second = make_user("first", superuser=True), make_user("second", superuser=True)
    url = reverse("admin:tracker_project_change", args=[mine.pk])
    client.force_login(first)
    opened = client.get(url).context["adminform"].form["loaded_version"].value()
    client.force_login(second)
    form = project_change_form(
        mine, name="第二人改的名", summary=mine.summary, loaded_version=opened
    )
    assert client.post(url, form).status_code == 302
    client.force_login(first)
    response = client.post(
        url, project_change_form(mine, summary="第一人改的", loaded_version=opened)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "second" in page and "项目名称：项目JZ-2020-0001 → 第二人改的名" in page
    mine.refresh_from_db()
    assert (mine.name, mine.summary) == ("第二人改的名", "建设内容")
    # Having read what changed, saving again is deliberate and goes through.
    again = response.context["adminform"].form["loaded_version"].value()
    response = client.post(
        url, project_change_form(mine, summary="第一人改的", loaded_version=again)
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.name, mine.summary) == ("第二人改的名", "第一人改的")
