"""审核 through the ledger import: a 区域录入员's counted claims are submitted, as from the admin form."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import add_partner, ledger_row, make_project, make_user, xlsx_bytes
from tracker.choices import Stage
from tracker.ledger.columns import HEADERS
from tracker.ledger.reader import read_upload
from tracker.models import ChangeRequest, ImportBatch, Project, ProjectPartner, StageChange
from tracker.permissions import ADMIN_GROUP, EDITOR_GROUP
from tracker.requirements import PARTNERS, SIGNED_ON
from tracker.services.evidence import evidence_attach
from tracker.services.ledger import project_import
from tracker.services.review import change_request_approve

from .helpers import PDF

# Every field of the stage table (stage, the one before it, the field left empty), as the
# other write routes are tested with it.
from .test_requirements import CASES, project_before

pytestmark = pytest.mark.django_db

IMPORT = "admin:tracker_project_import"
CONFIRM = "admin:tracker_project_process_import"
STAGE_LABELS = {value: str(label) for value, label in Stage.choices}


@pytest.fixture
def editor(world):
    return make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])


@pytest.fixture
def manager(world):
    return make_user("manager", group=ADMIN_GROUP)


def run(user, *rows):
    data = xlsx_bytes(list(rows))
    return project_import(rows=read_upload("台账.xlsx", data), file_name="台账.xlsx", user=user)


def agreed_project(world, **fields):
    values = {"stage": "agreed", "signed_on": None, "investment": Decimal("50000"), **fields}
    project = make_project(world, **values)
    add_partner(project, world.mudu)
    return project


def existing_row(project, **cells):
    """A row repeating ``project`` as stored, with ``cells`` changed."""
    values = {
        "code": project.code,
        "name": project.name,
        "stage": STAGE_LABELS[project.stage],
        "investment": "5亿元",
        "signed_on": project.signed_on.isoformat() if project.signed_on else "",
        "public": "是" if project.is_public else "否",
        **cells,
    }
    return ledger_row(**values)


def test_an_editors_new_project_is_submitted_and_held_below_the_counted_stages(world, editor):
    outcome = run(editor, ledger_row(name="新签约项目", investment="3亿元"))
    assert outcome.applied
    (row,) = outcome.plan.rows
    assert row.action == "submit" and row.code
    assert outcome.plan.counts["submit"] == 1 and outcome.plan.counts["new"] == 0
    project = Project.objects.get(code=row.code)
    assert (project.stage, project.is_public, project.investment, project.signed_on) == (
        "agreed",
        False,
        None,
        None,
    )
    # What needs no review is written as the import always wrote it.
    assert (project.name, project.summary, project.region) == (
        "新签约项目",
        "建设内容",
        world.jiefang,
    )
    assert list(project.project_partners.values_list("organization", flat=True)) == [world.mudu.pk]
    request = ChangeRequest.objects.get(project=project)
    assert (request.status, request.submitted_by, request.is_new_project) == (
        "pending",
        editor,
        True,
    )
    assert request.changes == {
        "stage": "signed",
        "investment": "30000",
        "signed_on": "2020-10-12",
        "signed_on_precision": "day",
        "is_public": True,
    }
    batch = outcome.batch
    assert project.history.get().import_batch == batch
    assert ProjectPartner.history.filter(import_batch=batch).count() == 1
    assert StageChange.objects.get(project=project).import_batch == batch
    assert StageChange.objects.get(project=project).to_stage == "agreed"


def test_an_editors_signing_is_submitted_and_the_rest_of_the_row_written(world, editor):
    project = agreed_project(world)
    evidence_attach(
        project=project, user=editor, kind="contract", title="合同", name="合同.pdf", data=PDF
    )
    outcome = run(
        editor,
        existing_row(project, stage="已签约", signed_on="2026-02-01", summary="新的建设内容"),
    )
    (row,) = outcome.plan.rows
    assert row.action == "submit"
    assert [(c.column, c.held) for c in row.changes] == [
        ("项目阶段", True),
        ("签约日期", True),
        ("建设内容", False),
    ]
    project.refresh_from_db()
    assert (project.stage, project.signed_on, project.summary) == ("agreed", None, "新的建设内容")
    request = ChangeRequest.objects.get()
    assert request.changes == {"stage": "signed", "signed_on": "2026-02-01"}
    assert [e.kind for e in request.evidence.all()] == ["contract"]
    assert not StageChange.objects.filter(to_stage="signed").exists()


def test_an_editors_amount_change_waits_and_a_status_change_is_written(world, editor):
    held = make_project(world, code="JZ-2020-0001")
    plain = make_project(world, code="JZ-2020-0002")
    add_partner(held, world.mudu)
    add_partner(plain, world.mudu)
    outcome = run(
        editor,
        existing_row(held, investment="8亿元"),
        existing_row(plain, status="滞后"),
    )
    assert [row.action for row in outcome.plan.rows] == ["submit", "update"]
    held.refresh_from_db()
    plain.refresh_from_db()
    assert held.investment == Decimal("50000")
    assert plain.status == "delayed"
    assert ChangeRequest.objects.get().changes == {"investment": "80000"}
    assert (outcome.batch.created_count, outcome.batch.updated_count) == (0, 1)


def test_an_editors_rows_that_count_for_nothing_are_written_at_once(world, editor):
    outcome = run(
        editor,
        ledger_row(name="洽谈项目", stage="洽谈", investment="未披露", signed_on="", public="否"),
    )
    assert [row.action for row in outcome.plan.rows] == ["new"]
    assert Project.objects.get(name="洽谈项目").stage == "negotiating"
    assert not ChangeRequest.objects.exists()


def test_a_second_claim_on_a_project_joins_its_pending_request(world, editor):
    project = agreed_project(world)
    run(editor, existing_row(project, stage="已签约", signed_on="2026-02-01"))
    project.refresh_from_db()
    run(editor, existing_row(project, investment="9亿元"))
    request = ChangeRequest.objects.get()
    assert request.changes["stage"] == "signed" and request.changes["investment"] == "90000"


@pytest.mark.parametrize("user", ["manager", "command"])
def test_managers_and_the_command_line_import_directly(world, request, user):
    user = None if user == "command" else request.getfixturevalue(user)
    project = agreed_project(world)
    outcome = run(
        user,
        ledger_row(name="新签约项目"),
        existing_row(project, stage="已签约", signed_on="2026-02-01"),
    )
    assert [row.action for row in outcome.plan.rows] == ["new", "update"]
    assert Project.objects.get(name="新签约项目").stage == "signed"
    project.refresh_from_db()
    assert project.stage == "signed"
    assert not ChangeRequest.objects.exists()


def test_an_imported_claim_is_approved_like_one_from_the_form(world, editor, manager):
    project = agreed_project(world)
    run(editor, existing_row(project, stage="已签约", signed_on="2026-02-01"))
    evidence_attach(
        project=project, user=editor, kind="contract", title="合同", name="合同.pdf", data=PDF
    )
    change_request_approve(change_request=ChangeRequest.objects.get(), user=manager)
    project.refresh_from_db()
    assert (project.stage, project.signed_on) == ("signed", date(2026, 2, 1))


def test_an_editors_row_for_another_district_is_an_error_not_a_submission(world, editor):
    other = agreed_project(world, region=world.shanyang)
    outcome = run(editor, existing_row(other, stage="已签约", signed_on="2026-02-01"))
    assert not outcome.applied
    assert outcome.plan.rows[0].action == "error"
    assert not ChangeRequest.objects.exists()


# --- The stage table through the import ---------------------------------------------------

# The column a missing field's error names: its own where the template has one, else 项目阶段.
COLUMN = {
    SIGNED_ON: "签约日期",
    PARTNERS: "合作方",
    "started_on": "开工日期",
    "operating_on": "投产日期",
}
COLUMN = {key: label if label in HEADERS else "项目阶段" for key, label in COLUMN.items()}
MESSAGE = {
    "signed_on": "须填写签约日期",
    "partners": "须至少有一个合作方",
    "started_on": "须填写开工日期",
    "operating_on": "须填写投产日期",
}


@pytest.mark.parametrize(("stage", "before", "missing"), CASES)
def test_an_editors_import_refuses_each_missing_field_of_the_table(
    world, editor, stage, before, missing
):
    project = project_before(world, before, missing)
    cells = {
        "stage": STAGE_LABELS[stage],
        "partners": "" if missing == PARTNERS else "木铎（广州）教育科技有限公司",
    }
    outcome = run(editor, existing_row(project, **cells))
    assert not outcome.applied
    (row,) = outcome.plan.rows
    assert row.action == "error"
    column, message = row.errors[0]
    assert column == COLUMN[missing]
    assert f"项目进入“{STAGE_LABELS[stage]}”阶段{MESSAGE[missing]}" in message
    assert Project.objects.get(pk=project.pk).stage == before
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize(("stage", "before", "missing"), CASES)
def test_an_editors_import_submits_once_every_field_is_there(world, editor, stage, before, missing):
    project = project_before(world, before, missing=None)
    outcome = run(editor, existing_row(project, stage=STAGE_LABELS[stage]))
    assert outcome.applied
    assert outcome.plan.rows[0].action == "submit"
    assert ChangeRequest.objects.get().changes["stage"] == stage


@pytest.mark.parametrize(
    ("stage", "missing"),
    [("在建/落地", ["started_on"]), ("已投产", ["started_on", "operating_on"])],
)
def test_a_new_row_past_signing_needs_the_dates_of_every_stage_it_crosses(
    world, editor, manager, stage, missing
):
    outcome = run(editor, ledger_row(name="新项目", stage=stage))
    (row,) = outcome.plan.rows
    assert row.action == "error"
    found = {key for key in missing for column, message in row.errors if MESSAGE[key] in message}
    assert found == set(missing)
    assert {column for column, _m in row.errors} == {COLUMN[key] for key in missing}
    # A manager's ledger is asked for the same dates, as the admin form asks everyone.
    (managers_row,) = run(manager, ledger_row(name="新项目", stage=stage)).plan.rows
    assert managers_row.action == "error" and managers_row.errors == row.errors


# --- The admin pages: preview, confirm, the queue ------------------------------------------


def test_the_preview_shows_submitted_rows_and_the_confirm_fills_the_queue(
    client, world, editor, manager
):
    project = agreed_project(world)
    data = xlsx_bytes(
        [
            existing_row(project, stage="已签约", signed_on="2026-02-01"),
            ledger_row(
                name="洽谈项目", stage="洽谈", investment="未披露", signed_on="", public="否"
            ),
            ledger_row(name="新签约项目"),
        ]
    )
    client.force_login(editor)
    response = client.post(reverse(IMPORT), {"import_file": SimpleUploadedFile("台账.xlsx", data)})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<td class="action">提交审核</td>') == 2
    assert '<li class="ledger-submit-count"><strong>提交审核</strong> 2</li>' in page
    assert "（待审核）" in page and "新项目，待审核：" in page
    batch = response.context["batch"]
    assert batch.status == "previewed" and Project.objects.count() == 1

    confirmed = client.post(reverse(CONFIRM), {"token": str(batch.token)}, follow=True)
    assert "导入完成" in confirmed.content.decode()
    assert (
        "另有 2 行（新项目、进入已签约及以后阶段或金额变更）已提交审核"
        in confirmed.content.decode()
    )
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == ("applied", 1)
    assert Project.objects.get(name="洽谈项目").stage == "negotiating"
    assert ChangeRequest.objects.filter(status="pending").count() == 2
    project.refresh_from_db()
    assert project.stage == "agreed"

    client.force_login(manager)
    queue = client.get(reverse("admin:tracker_project_review")).content.decode()
    assert project.name in queue and "新签约项目" in queue


def test_a_changed_permission_between_preview_and_confirm_refuses_the_import(client, world, editor):
    project = agreed_project(world)
    data = xlsx_bytes([existing_row(project, stage="已签约", signed_on="2026-02-01")])
    client.force_login(editor)
    response = client.post(reverse(IMPORT), {"import_file": SimpleUploadedFile("台账.xlsx", data)})
    batch = response.context["batch"]
    # The editor becomes a reviewer: the plan (now an update) differs from the preview.
    editor.groups.add(*make_user("x", group=ADMIN_GROUP).groups.all())
    editor = type(editor).objects.get(pk=editor.pk)
    client.force_login(editor)
    client.post(reverse(CONFIRM), {"token": str(batch.token)}, follow=True)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert Project.objects.get(pk=project.pk).stage == "agreed"
    assert not ChangeRequest.objects.exists()


def test_a_submitted_rows_partner_links_are_written_with_a_new_organisation(world, editor):
    project = agreed_project(world)
    outcome = run(
        editor,
        existing_row(
            project, stage="已签约", signed_on="2026-02-01", partners="新公司甲（投资方）"
        ),
    )
    assert outcome.plan.rows[0].action == "submit"
    links = list(project.project_partners.values_list("organization__name", "role"))
    assert links == [("新公司甲", "investor")]  # 木铎 dropped, as the row says
    assert ProjectPartner.history.filter(import_batch=outcome.batch).count() == 2
    assert outcome.batch.organizations_created == 1


def test_an_editors_row_with_the_start_date_column_submits_the_date_with_the_move(world, editor):
    project = make_project(world, started_on=None)
    add_partner(project, world.mudu)
    outcome = run(editor, existing_row(project, stage="在建/落地", started_on="2026-03-01"))
    (row,) = outcome.plan.rows
    assert row.action == "submit"
    assert row.held_columns == ["项目阶段", "开工日期"]
    project.refresh_from_db()
    assert (project.stage, project.started_on) == ("signed", None)
    assert ChangeRequest.objects.get().changes == {
        "stage": "construction",
        "started_on": "2026-03-01",
    }
