"""Deleting 凭证: what an approved claim relied on is a manager's to delete, and another district's nobody's."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.urls import reverse

from tests.factories import make_project
from tracker.models import ChangeRequest, Evidence
from tracker.services.evidence import evidence_attach, evidence_delete

from .helpers import PDF, change_form

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tracker_evidence_changelist")


def attach(world, people, *, relied_on=False, title="投资合同"):
    project = make_project(world)
    evidence = evidence_attach(
        project=project,
        user=people["editor"],
        kind="contract",
        title=title,
        name=f"{title}.pdf",
        data=PDF,
    )
    if relied_on:
        request = ChangeRequest.objects.create(
            project=project,
            changes={"investment": "1"},
            submitted_by=people["editor"],
            status=ChangeRequest.Status.APPROVED,
            decided_by=people["manager"],
        )
        request.evidence.add(evidence)
    return evidence


def delete_url(evidence):
    return reverse("admin:tracker_evidence_delete", args=[evidence.pk])


def test_an_editor_deletes_their_districts_unused_evidence_and_its_file(
    client, world, people, django_capture_on_commit_callbacks
):
    evidence = attach(world, people)
    name = evidence.file.name
    client.force_login(people["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(evidence), {"post": "yes"})
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert not default_storage.exists(name)
    assert Evidence.history.filter(history_type="-").get().history_user == people["editor"]


def test_an_editor_cannot_delete_what_an_approved_claim_relied_on_by_any_route(
    client, world, people
):
    evidence = attach(world, people, relied_on=True)
    editor = people["editor"]
    client.force_login(editor)
    # The admin delete page: shown as missing the permission, and a POST is refused.
    assert client.post(delete_url(evidence), {"post": "yes"}).status_code == 403
    # "Delete selected" on the evidence list.
    client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [evidence.pk], "post": "yes"},
    )
    # The project page's evidence inline.
    data = {
        **change_form(evidence.project),
        "evidence-TOTAL_FORMS": 1,
        "evidence-INITIAL_FORMS": 1,
        "evidence-0-id": evidence.pk,
        "evidence-0-project": evidence.project_id,
        "evidence-0-kind": "contract",
        "evidence-0-title": evidence.title,
        "evidence-0-document_on": "",
        "evidence-0-DELETE": "on",
    }
    page = client.post(reverse("admin:tracker_project_change", args=[evidence.project_id]), data)
    assert page.status_code == 200
    assert "“投资合同”是已通过审核的依据，只有招商管理员可以删除。" in page.content.decode()
    # The service itself.
    with pytest.raises(PermissionDenied):
        evidence_delete(evidence=evidence, user=editor)
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert default_storage.exists(evidence.file.name)


def test_a_manager_deletes_it_and_the_deletion_names_the_claims(
    client, world, people, django_capture_on_commit_callbacks
):
    evidence = attach(world, people, relied_on=True)
    request = ChangeRequest.objects.get()
    client.force_login(people["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(evidence), {"post": "yes"})
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    record = Evidence.history.filter(history_type="-").get()
    assert record.history_user == people["manager"]
    assert record.history_change_reason == f"删除审核依据（审核申请 #{request.pk} 据此通过）"


def test_an_editor_may_still_delete_a_file_only_a_returned_or_pending_claim_used(
    client, world, people
):
    evidence = attach(world, people)
    ChangeRequest.objects.create(
        project=evidence.project, changes={"investment": "1"}, status="returned"
    ).evidence.add(evidence)
    evidence_delete(evidence=evidence, user=people["editor"])
    assert not Evidence.objects.exists()


def test_another_districts_editor_never_deletes_even_by_the_delete_url(client, world, people):
    evidence = attach(world, people)
    client.force_login(people["other_editor"])
    assert client.get(delete_url(evidence)).status_code == 403
    assert client.post(delete_url(evidence), {"post": "yes"}).status_code == 403
    client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [evidence.pk], "post": "yes"},
    )
    with pytest.raises(PermissionDenied):
        evidence_delete(evidence=evidence, user=people["other_editor"])
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_a_reader_and_an_anonymous_visitor_cannot_delete(client, world, people):
    evidence = attach(world, people)
    assert client.post(delete_url(evidence), {"post": "yes"}).status_code == 302  # to login
    client.force_login(people["reader"])
    assert client.post(delete_url(evidence), {"post": "yes"}).status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()
