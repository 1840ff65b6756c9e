"""The project changelist marks a project whose claim waits (待审核) or was returned (已退回)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_project, make_user
from tracker.models import ChangeRequest
from tracker.permissions import ADMIN_GROUP, EDITOR_GROUP
from tracker.services.review import change_request_return

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tracker_project_changelist")


def claim(project, user, **changes):
    return ChangeRequest.objects.create(
        project=project, changes=changes or {"investment": "1"}, submitted_by=user
    )


@pytest.fixture
def editor(world):
    return make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])


def marks(page: str) -> dict[str, str]:
    """Project code → the 审核 cell of its changelist row."""
    rows = re.findall(r"<tr>.*?</tr>", page, flags=re.S)
    found = {}
    for row in rows:
        code = re.search(r"JZ-\d{4}-\d{4}", row)
        cell = re.search(r'<td class="field-review">(.*?)</td>', row, flags=re.S)
        if code and cell:
            found[code.group(0)] = re.sub(r"<[^>]+>", "", cell.group(1)).strip()
    return found


def test_pending_and_returned_claims_are_marked_and_approved_or_none_are_not(client, world, editor):
    manager = make_user("manager", group=ADMIN_GROUP)
    pending = make_project(world, code="JZ-2020-0001")
    returned = make_project(world, code="JZ-2020-0002")
    quiet = make_project(world, code="JZ-2020-0003")
    resubmitted = make_project(world, code="JZ-2020-0004")
    claim(pending, editor)
    change_request_return(change_request=claim(returned, editor), user=manager, reason="缺合同")
    change_request_return(change_request=claim(resubmitted, editor), user=manager, reason="缺合同")
    claim(resubmitted, editor)  # the fixed claim, newer than the returned one
    client.force_login(editor)
    page = client.get(CHANGELIST).content.decode()
    assert marks(page) == {
        "JZ-2020-0001": "待审核",
        "JZ-2020-0002": "已退回",
        "JZ-2020-0003": "-",  # the admin's mark for an empty cell
        "JZ-2020-0004": "待审核",
    }
    assert quiet.code in page


@pytest.mark.parametrize(
    ("value", "codes"), [("pending", {"JZ-2020-0001"}), ("returned", {"JZ-2020-0002"})]
)
def test_the_review_filter_lists_only_those_projects(staff, world, boss, value, codes):
    editor = make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])
    claim(make_project(world, code="JZ-2020-0001"), editor)
    change_request_return(
        change_request=claim(make_project(world, code="JZ-2020-0002"), editor),
        user=boss,
        reason="缺合同",
    )
    make_project(world, code="JZ-2020-0003")
    page = staff.get(CHANGELIST, {"review": value}).content.decode()
    assert set(marks(page)) == codes


def test_the_marks_cost_no_query_per_row(staff, world, boss):
    def grow(start, n):
        for i in range(start, start + n):
            project = make_project(world, code=f"JZ-2020-{i:04d}")
            claim(project, boss)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(CHANGELIST).status_code == 200
        return len(captured.captured_queries)

    grow(1, 2)
    small = queries()
    grow(3, 30)
    assert queries() == small
