"""Roles in a real browser: a refusal explains itself inside the admin, a concurrent save is caught."""

import pytest

from tests.factories import PASSWORD, make_project, make_user, make_world
from tracker.permissions import EDITOR_GROUP

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    return make_world()


def log_in(page, username):
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_an_editor_opening_another_districts_project_sees_why_and_a_way_back(open_page, world):
    make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])
    mine = make_project(world, code="JZ-2020-0001", region=world.park)
    theirs = make_project(world, code="JZ-2020-0002", region=world.shanyang)
    page = open_page()
    log_in(page, "editor")
    page.goto("/admin/tracker/project/")
    assert page.locator("#result_list tbody tr").count() == 2  # every district, to read
    assert page.goto(f"/admin/tracker/project/{theirs.pk}/change/").status == 200
    assert page.locator("#id_name").count() == 0  # read-only: values, not inputs
    response = page.goto(f"/admin/tracker/project/{theirs.pk}/delete/")
    assert response.status == 403
    body = page.locator("#content").inner_text()
    assert "您负责区域以外" in body
    assert page.locator("#site-name").count() == 1  # inside the admin's own layout
    screenshot(page, "admin-403-outside-region")
    page.get_by_role("link", name="返回").first.click()
    page.wait_for_load_state()
    assert "/admin/" in page.url
    assert page.goto(f"/admin/tracker/project/{mine.pk}/change/").status == 200


def test_a_save_over_a_colleagues_newer_edit_is_stopped_with_what_changed(
    open_page, browser, world
):
    make_user("first", superuser=True)
    make_user("second", superuser=True)
    project = make_project(world, code="JZ-2020-0003")
    url = f"/admin/tracker/project/{project.pk}/change/"
    first, second = open_page(), open_page()
    log_in(first, "first")
    log_in(second, "second")
    first.goto(url)
    second.goto(url)
    second.fill("#id_name", "第二人改的名")
    second.click("input[name=_save]")
    second.wait_for_url("**/admin/tracker/project/")
    first.fill("#id_summary", "第一人改的建设内容")
    first.click("input[name=_save]")
    first.wait_for_load_state()
    errors = first.locator(".errornote, .errorlist").all_inner_texts()
    assert any("second" in text and "第二人改的名" in text for text in errors), errors
    screenshot(first, "admin-concurrent-save")
    project.refresh_from_db()
    assert project.name == "第二人改的名" and project.summary == "建设内容"
