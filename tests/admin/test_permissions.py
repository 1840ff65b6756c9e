"""Groups and region scope: 招商管理员 everything, 区域录入员 only their regions, 只读 nothing."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tests.factories import (
    ledger_row,
    make_project,
    make_user,
    project_change_form,
    xlsx_bytes,
)
from tracker.models import Project
from tracker.permissions import (
    ADMIN_GROUP,
    EDITOR_GROUP,
    READER_GROUP,
    can_edit_region,
    editable_region_ids,
)
from tracker.services.groups import groups_sync


@pytest.fixture
def editor(world):
    """A 区域录入员 for 解放区 (and so its park), not 山阳区."""
    return make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])


@pytest.fixture
def mine(world):
    return make_project(world, code="JZ-2020-0001", region=world.park)


@pytest.fixture
def theirs(world):
    return make_project(world, code="JZ-2020-0002", region=world.shanyang)


def perms(name):
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=name).permissions.select_related("content_type")
    }


def test_the_migration_creates_the_three_groups(db):
    admin_perms, editor_perms, reader_perms = (
        perms(ADMIN_GROUP),
        perms(EDITOR_GROUP),
        perms(READER_GROUP),
    )
    assert {
        "tracker.import_ledger",
        "tracker.export_ledger",
        "tracker.edit_all_regions",
    } <= admin_perms
    assert {
        "tracker.delete_project",
        "tracker.change_region",
        "tracker.view_importbatch",
    } <= admin_perms
    assert {
        "tracker.add_project",
        "tracker.change_project",
        "tracker.import_ledger",
    } <= editor_perms
    assert "tracker.delete_project" not in editor_perms
    assert "tracker.edit_all_regions" not in editor_perms
    assert all(p.split(".")[1].startswith("view_") for p in reader_perms)
    assert "tracker.view_project" in reader_perms and "tracker.export_ledger" not in reader_perms


def test_setup_groups_is_idempotent(db):
    before = {name: perms(name) for name in (ADMIN_GROUP, EDITOR_GROUP, READER_GROUP)}
    call_command("setup_groups", verbosity=0)
    groups_sync()
    assert {name: perms(name) for name in before} == before


def test_an_assignment_covers_the_region_and_everything_below_it(world, editor):
    assert editable_region_ids(editor) == {world.jiefang.pk, world.park.pk}
    assert can_edit_region(editor, world.park.pk)
    assert not can_edit_region(editor, world.shanyang.pk)
    assert editable_region_ids(make_user("chief", group=ADMIN_GROUP)) is None


def test_an_editor_reads_but_gets_403_writing_another_regions_project(client, editor, mine, theirs):
    client.force_login(editor)
    for name in ("change", "delete", "history"):
        url = reverse(f"admin:tracker_project_{name}", args=[theirs.pk])
        # docs/staff.md: 区域录入员 view every district, write only their own.
        assert client.get(url).status_code == (403 if name == "delete" else 200), name
        assert client.post(url, {"name": "x"}).status_code == 403, name
    assert client.get(reverse("admin:tracker_project_change", args=[mine.pk])).status_code == 200
    theirs.refresh_from_db()
    assert theirs.name == "项目JZ-2020-0002"


def test_an_editor_lists_every_regions_projects(client, editor, mine, theirs):
    client.force_login(editor)
    response = client.get(reverse("admin:tracker_project_changelist"))
    assert [p.code for p in response.context["cl"].result_list] == [mine.code, theirs.code]


def test_an_editor_can_edit_in_their_subtree_but_not_move_a_project_out(
    client, editor, world, mine
):
    client.force_login(editor)
    url = reverse("admin:tracker_project_change", args=[mine.pk])
    assert client.post(url, project_change_form(mine, name="改名")).status_code == 302
    mine.refresh_from_db()
    assert mine.name == "改名"
    response = client.post(url, project_change_form(mine, region=world.shanyang.pk))
    assert response.status_code == 200
    assert "您只能录入所分配区域" in response.content.decode()
    mine.refresh_from_db()
    assert mine.region == world.park


def test_an_editor_cannot_add_a_project_in_another_region(client, editor, world):
    client.force_login(editor)
    project = Project(code="JZ-2020-0100", name="新项目", region=world.shanyang)
    response = client.post(reverse("admin:tracker_project_add"), project_change_form(project))
    assert "您只能录入所分配区域" in response.content.decode()
    assert not Project.objects.filter(code="JZ-2020-0100").exists()
    project.region = world.jiefang
    assert (
        client.post(reverse("admin:tracker_project_add"), project_change_form(project)).status_code
        == 302
    )


def test_an_editor_is_offered_only_their_regions_in_the_region_picker(client, editor, world):
    client.force_login(editor)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tracker", "model_name": "project", "field_name": "region", "term": ""},
    )
    names = {r["text"] for r in response.json()["results"]}
    assert names == {"解放区", "焦作市5G产业园"}


def test_an_editors_import_row_for_another_region_is_refused(client, editor, world):
    client.force_login(editor)
    data = xlsx_bytes(
        [ledger_row(name="我的", region="解放区"), ledger_row(name="别人的", region="山阳区")]
    )
    response = client.post(
        reverse("admin:tracker_project_import"), {"import_file": SimpleUploadedFile("t.xlsx", data)}
    )
    assert "第 3 行 · 所属区域：您无权录入“山阳区”的项目。" in response.content.decode()
    assert "确认导入" not in response.content.decode()
    assert not Project.objects.exists()


def test_a_reader_views_but_cannot_change_import_or_export(client, world, theirs):
    reader = make_user("reader", group=READER_GROUP)
    client.force_login(reader)
    assert client.get(reverse("admin:tracker_project_changelist")).status_code == 200
    url = reverse("admin:tracker_project_change", args=[theirs.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, project_change_form(theirs, name="x")).status_code == 403
    assert client.get(reverse("admin:tracker_project_add")).status_code == 403
    assert client.get(reverse("admin:tracker_project_import")).status_code == 403
    assert client.get(reverse("admin:tracker_project_export")).status_code == 403


def test_the_managers_group_edits_every_region(client, world, theirs):
    chief = make_user("chief", group=ADMIN_GROUP)
    client.force_login(chief)
    url = reverse("admin:tracker_project_change", args=[theirs.pk])
    assert client.post(url, project_change_form(theirs, name="主任改的")).status_code == 302
    assert client.get(reverse("admin:tracker_project_import")).status_code == 200


def test_staff_without_a_group_and_non_staff_users_get_nothing(client, world, theirs):
    nobody = make_user("nobody")
    client.force_login(nobody)
    assert client.get(reverse("admin:tracker_project_changelist")).status_code == 403
    assert client.get(reverse("admin:tracker_project_import")).status_code == 403
    outsider = make_user("outsider", group=ADMIN_GROUP, staff=False)
    client.force_login(outsider)
    response = client.get(reverse("admin:tracker_project_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_editor_without_assignments_writes_nowhere(client, world, theirs):
    lonely = make_user("lonely", group=EDITOR_GROUP)
    client.force_login(lonely)
    url = reverse("admin:tracker_project_change", args=[theirs.pk])
    assert client.post(url, project_change_form(theirs, name="x")).status_code == 403
    assert editable_region_ids(lonely) == frozenset()


def test_an_import_may_only_do_what_the_user_may_do_by_hand(world, theirs):
    from django.contrib.auth.models import Permission

    from tracker.ledger.reader import read_upload
    from tracker.services.ledger import project_import

    clerk = make_user("clerk")
    clerk.user_permissions.set(
        Permission.objects.filter(
            codename__in=["import_ledger", "view_project", "change_project", "edit_all_regions"]
        )
    )
    data = xlsx_bytes(
        [
            ledger_row(name="新项目"),
            ledger_row(code=theirs.code, name="改名", region="山阳区", partners="没见过的公司"),
        ]
    )
    outcome = project_import(rows=read_upload("t.xlsx", data), file_name="t.xlsx", user=clerk)
    errors = [
        (row.number, column, message) for row in outcome.plan.rows for column, message in row.errors
    ]
    assert (2, "", "您没有新增项目的权限。") in errors
    assert (3, "合作方", "您没有新建合作方的权限：没见过的公司。") in errors
    assert not outcome.applied
