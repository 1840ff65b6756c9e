"""The review rule through every write route: admin form, bulk action, stage change, import, services.

For each route an editor's (区域录入员) claim into a counted stage is held —
submitted where the route can submit (the form, the import, the save
service), refused where it cannot (bulk actions, the 报进展 stage change) —
and a manager's (招商管理员) applies at once.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import add_partner, ledger_row, make_project, xlsx_bytes
from tracker.ledger.reader import read_upload
from tracker.models import ChangeRequest, Project, StageChange
from tracker.services.ledger import project_import
from tracker.services.projects import project_stage_change
from tracker.services.review import project_save_or_submit

from .helpers import change_form

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tracker_project_changelist")


@pytest.fixture
def agreed(world):
    project = make_project(world, stage="agreed", signed_on=date(2026, 2, 1))
    add_partner(project, world.mudu)
    return project


def partner_rows(project, world):
    return {
        "project_partners-TOTAL_FORMS": 1,
        "project_partners-INITIAL_FORMS": 1,
        "project_partners-0-id": project.project_partners.get().pk,
        "project_partners-0-project": project.pk,
        "project_partners-0-organization": world.mudu.pk,
        "project_partners-0-role": "signatory",
    }


def via_form(client, project, world):
    data = {**change_form(project, stage="signed"), **partner_rows(project, world)}
    return client.post(reverse("admin:tracker_project_change", args=[project.pk]), data)


def via_bulk(client, project, world):
    return client.post(
        CHANGELIST,
        {"action": "set_stage", "stage": "signed", "_selected_action": [project.pk]},
        follow=True,
    )


def via_import(client, project, world):
    row = ledger_row(code=project.code, name=project.name, stage="已签约", signed_on="2026-02-01")
    return project_import(
        rows=read_upload("t.xlsx", xlsx_bytes([row])), file_name="t.xlsx", user=client.user
    )


def via_stage_change(client, project, world):
    return project_stage_change(
        project=project, stage="signed", effective_on=date(2026, 2, 1), user=client.user
    )


def via_service(client, project, world):
    project.stage = "signed"
    return project_save_or_submit(project=project, user=client.user, has_partner=True)


# route → what an editor's claim becomes: "submitted" (a pending request) or "refused"
ROUTES = {
    "admin form": (via_form, "submitted"),
    "bulk action": (via_bulk, "refused"),
    "ledger import": (via_import, "submitted"),
    "stage change (报进展)": (via_stage_change, "refused"),
    "save service": (via_service, "submitted"),
}


def login(client, user):
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.parametrize("route", list(ROUTES))
def test_an_editors_move_into_a_counted_stage_never_counts_at_once(
    client, world, people, agreed, route
):
    write, outcome = ROUTES[route]
    client = login(client, people["editor"])
    if outcome == "refused" and write is via_stage_change:
        with pytest.raises(ValidationError) as exc:
            write(client, agreed, world)
        assert "提交审核" in str(exc.value)
    else:
        response = write(client, agreed, world)
        if write is via_bulk:
            assert "提交审核" in response.content.decode()
    assert Project.objects.get(pk=agreed.pk).stage == "agreed"
    assert not StageChange.objects.filter(to_stage="signed").exists()
    pending = ChangeRequest.objects.filter(project=agreed, status="pending")
    assert pending.exists() == (outcome == "submitted")
    if outcome == "submitted":
        assert pending.get().changes["stage"] == "signed"
        assert pending.get().submitted_by == people["editor"]


@pytest.mark.parametrize("route", list(ROUTES))
def test_a_managers_move_applies_at_once(client, world, people, agreed, route):
    write, _outcome = ROUTES[route]
    write(login(client, people["manager"]), agreed, world)
    assert Project.objects.get(pk=agreed.pk).stage == "signed"
    assert StageChange.objects.filter(project=agreed, to_stage="signed").exists()
    assert not ChangeRequest.objects.exists()
