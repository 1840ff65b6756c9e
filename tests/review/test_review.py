"""审核: an editor's counted claims wait; a manager approves (with evidence) or returns them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import add_partner, make_project, make_user
from tracker.models import ChangeRequest, Project, StageChange
from tracker.permissions import ADMIN_GROUP, EDITOR_GROUP
from tracker.services.evidence import evidence_attach
from tracker.services.review import change_request_approve, change_request_return

from .helpers import PDF, PNG, change_form, evidence_rows, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(world):
    return make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])


@pytest.fixture
def manager(world):
    return make_user("manager", group=ADMIN_GROUP)


@pytest.fixture
def agreed(world, editor):
    project = make_project(world, stage="agreed", signed_on=None, leader_user=editor)
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


def submit_signed(client, project, world, *files):
    data = {
        **change_form(project, stage="signed", signed_on="2026-02-01", change_note="已签约"),
        **partner_rows(project, world),
        **evidence_rows(*files),
    }
    return client.post(reverse("admin:tracker_project_change", args=[project.pk]), data)


def signed_on_public_list(client, project) -> bool:
    page = client.get(reverse("tracker:project_list") + "?stage=signed").content.decode()
    return project.code in page


def test_an_editors_signing_is_submitted_not_applied(client, world, editor, agreed):
    client.force_login(editor)
    response = submit_signed(client, agreed, world, ("contract", "投资合同", upload()))
    assert response.status_code == 302
    agreed.refresh_from_db()
    assert (agreed.stage, agreed.signed_on) == ("agreed", None)
    request = ChangeRequest.objects.get()
    assert request.status == "pending" and request.submitted_by == editor
    assert request.changes == {"stage": "signed", "signed_on": "2026-02-01"}
    assert [e.kind for e in request.evidence.all()] == ["contract"]
    assert not StageChange.objects.filter(to_stage="signed").exists()
    page = client.get(reverse("admin:tracker_project_change", args=[agreed.pk])).content.decode()
    assert "待审核" in page and "拟签约 → <strong>已签约</strong>" in page


def test_a_change_of_amount_by_an_editor_waits_and_other_fields_apply(client, world, editor):
    project = make_project(world, stage="signed")
    add_partner(project, world.mudu)
    client.force_login(editor)
    data = {
        **change_form(project, investment="80000", summary="新的建设内容"),
        **partner_rows(project, world),
    }
    assert (
        client.post(reverse("admin:tracker_project_change", args=[project.pk]), data).status_code
        == 302
    )
    project.refresh_from_db()
    assert project.investment == 50000 and project.summary == "新的建设内容"
    assert ChangeRequest.objects.get().changes == {"investment": "80000"}


def test_a_new_project_by_an_editor_is_held_internal_below_the_counted_stages(
    client, world, editor
):
    client.force_login(editor)
    data = {
        **change_form(make_project(world, code="JZ-2020-0009")),
        "code": "",
        "name": "新签约项目",
        "stage": "signed",
        "signed_on": "2026-02-01",
        "project_partners-TOTAL_FORMS": 1,
        "project_partners-INITIAL_FORMS": 0,
        "project_partners-0-organization": world.mudu.pk,
        "project_partners-0-role": "signatory",
    }
    response = client.post(reverse("admin:tracker_project_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    project = Project.objects.get(name="新签约项目")
    assert (project.stage, project.investment, project.is_public, project.signed_on) == (
        "agreed",
        None,
        False,
        None,
    )
    request = ChangeRequest.objects.get(project=project)
    assert request.is_new_project
    assert request.changes["stage"] == "signed" and request.changes["is_public"] is True


def test_a_managers_own_edit_applies_at_once(client, world, manager, agreed):
    client.force_login(manager)
    assert submit_signed(client, agreed, world).status_code == 302
    agreed.refresh_from_db()
    assert agreed.stage == "signed"
    assert not ChangeRequest.objects.exists()


def test_approval_needs_the_evidence_the_table_asks_for(world, editor, manager, agreed):
    request = ChangeRequest.objects.create(
        project=agreed,
        changes={"stage": "signed", "signed_on": "2026-02-01"},
        submitted_by=editor,
    )
    with pytest.raises(ValidationError) as exc:
        change_request_approve(change_request=request, user=manager)
    assert "合同/协议" in str(exc.value)
    evidence_attach(project=agreed, user=editor, kind="photo", title="现场", name="x.png", data=PNG)
    with pytest.raises(ValidationError):
        change_request_approve(change_request=request, user=manager)
    evidence_attach(
        project=agreed, user=editor, kind="contract", title="合同", name="x.pdf", data=PDF
    )
    change_request_approve(change_request=request, user=manager)
    agreed.refresh_from_db()
    assert (agreed.stage, agreed.signed_on) == ("signed", date(2026, 2, 1))
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", manager)
    assert request.stage_change.to_stage == "signed"
    assert agreed.history.first().history_user == manager


def test_an_editor_cannot_approve(world, editor, agreed):
    from django.core.exceptions import PermissionDenied

    request = ChangeRequest.objects.create(project=agreed, changes={"stage": "signed"})
    with pytest.raises(PermissionDenied):
        change_request_approve(change_request=request, user=editor)
    with pytest.raises(PermissionDenied):
        change_request_return(change_request=request, user=editor, reason="x")


def test_a_return_needs_a_reason_and_shows_on_my_projects(client, world, editor, manager, agreed):
    request = ChangeRequest.objects.create(
        project=agreed, changes={"stage": "signed"}, submitted_by=editor
    )
    with pytest.raises(ValidationError):
        change_request_return(change_request=request, user=manager, reason=" ")
    change_request_return(change_request=request, user=manager, reason="合同缺少盖章页")
    agreed.refresh_from_db()
    assert agreed.stage == "agreed"
    client.force_login(editor)
    page = client.get(reverse("admin:tracker_project_mine")).content.decode()
    assert "合同缺少盖章页" in page and "已退回" in page
    with pytest.raises(ValidationError):
        change_request_approve(change_request=request, user=manager)


def test_the_whole_path_public_totals_change_only_after_approval(
    client, world, editor, manager, agreed
):
    from django.test import Client

    public = Client()
    assert not signed_on_public_list(public, agreed)
    client.force_login(editor)
    submit_signed(client, agreed, world, ("photo", "签约现场", upload("现场.png", PNG)))
    assert not signed_on_public_list(public, agreed)

    reviewer = Client()
    reviewer.force_login(manager)
    request = ChangeRequest.objects.get()
    queue = reviewer.get(reverse("admin:tracker_project_review")).content.decode()
    assert agreed.name in queue
    decide = reverse("admin:tracker_project_review_decide", args=[request.pk])
    refused = reviewer.post(decide, {"reason": ""})  # approve without a contract
    assert "合同/协议" in refused.content.decode()
    reviewer.post(decide, {"reason": "缺少合同", "_return": "1"})
    assert ChangeRequest.objects.get().status == "returned"
    assert not signed_on_public_list(public, agreed)

    submit_signed(client, agreed, world, ("contract", "投资合同", upload()))
    second = ChangeRequest.objects.get(status="pending")
    assert not signed_on_public_list(public, agreed)
    approve = reviewer.post(
        reverse("admin:tracker_project_review_decide", args=[second.pk]), {"reason": "合同齐全"}
    )
    assert approve.status_code == 302
    assert signed_on_public_list(public, agreed)
    story = reviewer.get(reverse("admin:tracker_project_change", args=[agreed.pk])).content.decode()
    assert "审核记录" in story and "缺少合同" in story and "合同齐全" in story
    assert "投资合同" in story


def test_the_review_pages_are_the_reviewers(client, world, editor, agreed):
    request = ChangeRequest.objects.create(project=agreed, changes={"stage": "signed"})
    client.force_login(editor)
    assert client.get(reverse("admin:tracker_project_review")).status_code == 403
    url = reverse("admin:tracker_project_review_decide", args=[request.pk])
    assert client.post(url, {"reason": ""}).status_code == 403
    assert ChangeRequest.objects.get().status == "pending"


def test_press_projects_are_marked_unreviewed_on_staff_and_public_pages(staff, client, world):
    from tracker.models import Citation, Source

    project = make_project(world)
    source = Source.objects.create(
        title="焦作日报", file="000_x.txt", published_on=date(2020, 10, 12), region=world.city
    )
    Citation.objects.create(source=source, quote="原文。", project=project)
    page = staff.get(reverse("admin:tracker_project_change", args=[project.pk])).content.decode()
    assert "据媒体报道，未经审核" in page
    public = client.get(project.get_absolute_url()).content.decode()
    assert "据媒体报道，未经审核" in public
