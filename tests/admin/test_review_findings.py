"""Found in review: a revert to an earlier stage, an inline-only save, a deleted project's rows."""

from datetime import date

from django.urls import reverse

from tests.factories import add_partner, make_project, make_user, project_change_form
from tracker.history import latest_version
from tracker.models import Organization, ProgressReport, Project
from tracker.permissions import EDITOR_GROUP


def test_revert_to_an_earlier_stage_without_a_note_is_a_form_error_not_a_500(client, world, boss):
    project = make_project(world, stage="negotiating", signed_on=None)
    old = project.history.order_by("history_id").first().history_id
    add_partner(project, world.mudu)
    project.stage = "construction"
    project.signed_on = "2020-10-12"
    project.save()
    client.force_login(boss)
    url = reverse("admin:tracker_project_simple_history", args=[project.pk, old])
    page = client.get(url)
    assert page.status_code == 200
    data = project_change_form(
        Project.objects.get(pk=project.pk), stage="negotiating", signed_on=""
    )
    data["loaded_version"] = latest_version(project)
    response = client.post(url, data)  # raises ValidationError (500) on HEAD
    assert response.status_code == 200


def test_inline_only_save_does_not_refuse_a_later_save_of_another_field(client, world, boss):
    project = make_project(world)
    add_partner(project, world.mudu)
    opened = latest_version(project)
    client.force_login(boss)
    url = reverse("admin:tracker_project_change", args=[project.pk])
    # Someone else adds a partner only: no project field changes.
    org2 = Organization.objects.create(name="另一家公司")
    base = project_change_form(
        project,
        loaded_version=opened,
        industry=world.digital.pk,
        investment="50000",
        leader="张三",
        responsible_unit="解放区商务局",
        summary="建设内容",
    )
    inline = {
        **base,
        "project_partners-TOTAL_FORMS": 2,
        "project_partners-INITIAL_FORMS": 1,
        "project_partners-0-id": project.project_partners.get().pk,
        "project_partners-0-project": project.pk,
        "project_partners-0-organization": world.mudu.pk,
        "project_partners-0-role": "signatory",
        "project_partners-1-organization": org2.pk,
        "project_partners-1-role": "investor",
        "project_partners-1-project": project.pk,
    }
    r1 = client.post(url, inline)
    assert r1.status_code == 302, r1.content.decode()[:3000]
    # The second user, whose form was opened at `opened`, changes the name only.
    second = {**inline, "project_partners-TOTAL_FORMS": 1, "name": "新名字"}
    second["project_partners-INITIAL_FORMS"] = 1
    for k in [k for k in second if k.startswith("project_partners-1-")]:
        del second[k]
    r2 = client.post(url, second)
    body = r2.content.decode()
    assert "无字段变化" not in body and "No field changed" not in body
    errs = r2.context_data["errors"] if hasattr(r2, "context_data") else None
    assert r2.status_code == 302, [str(e) for e in errs]


def test_editor_opening_a_deleted_projects_report_version_is_not_a_500(client, world, boss):
    editor = make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])
    project = make_project(world)
    report = ProgressReport.objects.create(
        project=project, reported_on=date(2020, 11, 1), progress="进展", author=editor
    )
    report_pk = report.pk
    version = report.history.get().history_id
    project.delete()
    client.force_login(editor)
    url = reverse("admin:tracker_progressreport_simple_history", args=[report_pk, version])
    assert client.get(url).status_code in (403, 404)
