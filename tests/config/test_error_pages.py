"""Error pages: a refusal says what was refused and why, in the layout and language the user is in."""

from unittest import mock

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.factories import make_project, make_user
from tracker import views
from tracker.models import Project
from tracker.permissions import EDITOR_GROUP


@pytest.fixture
def editor(world):
    return make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])


@pytest.fixture
def theirs(world):
    return make_project(world, code="JZ-2020-0002", region=world.shanyang)


def refuse_with(reason):
    """Make the project admin refuse to open any project, giving ``reason``."""
    project_admin = type(admin.site._registry[Project])
    return mock.patch.object(project_admin, "get_object", side_effect=PermissionDenied(reason))


def test_an_admin_refusal_renders_in_the_admin_with_a_link_back_to_the_list(client, editor, theirs):
    client.force_login(editor)
    changelist = reverse("admin:tracker_project_changelist")
    # Another district's project opens read-only; posting a change to it is refused.
    response = client.post(
        reverse("admin:tracker_project_change", args=[theirs.pk]),
        HTTP_REFERER=f"http://testserver{changelist}?region=shanyang",
    )
    assert response.status_code == 403
    assert "admin/403.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "招商项目台账 · 工作台" in page  # the admin's header
    assert "您没有权限修改“项目”" in page
    assert f'href="http://testserver{changelist}?region=shanyang"' in page


def test_without_a_referrer_the_link_leads_to_the_models_list(client, editor, theirs):
    client.force_login(editor)
    response = client.get(reverse("admin:tracker_project_delete", args=[theirs.pk]))
    assert response.status_code == 403
    assert "您没有权限删除“项目”" in response.content.decode()
    assert f'href="{reverse("admin:tracker_project_changelist")}"' in response.content.decode()


def test_a_referrer_on_another_site_is_not_offered_as_the_way_back(client, editor, theirs):
    client.force_login(editor)
    response = client.post(
        reverse("admin:tracker_project_change", args=[theirs.pk]),
        HTTP_REFERER="https://evil.example/phish",
    )
    assert "evil.example" not in response.content.decode()


def test_the_refusal_gives_the_reason_the_check_gave(staff, theirs):
    with refuse_with("该项目不在你负责的区域"):
        response = staff.get(reverse("admin:tracker_project_change", args=[theirs.pk]))
    assert response.status_code == 403
    assert "该项目不在你负责的区域" in response.content.decode()


def test_an_admin_refusal_reads_english_to_an_english_reader(client, editor, theirs):
    client.force_login(editor)
    response = client.post(
        reverse("admin:tracker_project_change", args=[theirs.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert "You may not change" in page
    assert "您没有权限" not in page


def test_a_public_refusal_renders_in_the_public_layout(client, db):
    with mock.patch.object(views.RegionListView, "get", side_effect=PermissionDenied):
        response = client.get(reverse("tracker:region_list"))
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert "您没有权限打开这个页面" in page
    assert f'href="{reverse("tracker:overview")}"' in page


def test_a_missing_page_is_in_the_public_layout_and_the_readers_language(client, db):
    response = client.get("/en/projects/NO-SUCH-CODE/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert "Page not found" in page


def test_the_server_error_page_needs_no_database():
    # No database access is allowed in this test: a query would raise.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "服务器出错" in response.content.decode()
