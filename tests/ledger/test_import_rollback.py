"""An import batch rolled back whole: created rows go, changed rows come back, history keeps both."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import add_partner, csv_bytes, ledger_row, make_project, make_user
from tracker.ledger.reader import read_upload
from tracker.models import (
    Evidence,
    ImportBatch,
    Organization,
    Project,
    ProjectPartner,
    StageChange,
)
from tracker.permissions import ADMIN_GROUP, EDITOR_GROUP
from tracker.services.ledger import project_import
from tracker.services.ledger_rollback import import_batch_rollback, import_batch_rollback_check


def _import(user, table):
    outcome = project_import(
        rows=read_upload("台账.csv", csv_bytes(table)), file_name="台账.csv", user=user
    )
    assert outcome.applied, [row.errors for row in outcome.plan.rows]
    return outcome.batch


def _snapshot(project):
    project.refresh_from_db()
    links = sorted(project.project_partners.values_list("organization_id", "role"))
    return (
        project.name,
        project.stage,
        project.status,
        project.investment,
        project.leader,
        links,
    )


@pytest.fixture
def before(world):
    """A project the file changes (name, stage, amount, partners) and one it leaves alone."""
    changed = make_project(world, code="JZ-2020-0001", name="旧名", stage="negotiating")
    add_partner(changed, world.mudu)
    other = make_project(world, code="JZ-2020-0002", name="不相干")
    return changed, other


TABLE = [
    ledger_row(
        code="JZ-2020-0001",
        name="新名",
        stage="已签约",
        investment="8亿元",
        partners="新公司甲（投资方）",
    ),
    ledger_row(name="新项目一", partners="新公司乙、木铎（广州）教育科技有限公司"),
    ledger_row(name="新项目二", partners="新公司乙"),
]


def test_a_rolled_back_batch_leaves_the_ledger_as_it_was_and_history_keeps_both(
    boss, world, before
):
    changed, other = before
    was, other_was = _snapshot(changed), _snapshot(other)
    projects, orgs = Project.objects.count(), Organization.objects.count()
    batch = _import(boss, TABLE)
    assert _snapshot(changed)[0] == "新名" and Project.objects.count() == projects + 2
    assert Organization.objects.count() == orgs + 2
    assert StageChange.objects.filter(import_batch=batch).count() == 3

    preview = import_batch_rollback_check(batch=batch)
    assert preview["projects_deleted"] == 2 and preview["projects_restored"] == 1
    counts = import_batch_rollback(batch=batch, user=boss)

    assert counts["projects_deleted"] == 2 and counts["organizations"] == 2
    assert Project.objects.count() == projects and Organization.objects.count() == orgs
    assert _snapshot(changed) == was and _snapshot(other) == other_was
    assert not StageChange.objects.filter(import_batch=batch).exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK and batch.rolled_back_by == boss
    # History keeps the batch's rows and adds the rollback's.
    reasons = list(
        changed.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons[-2] == batch.change_reason and reasons[-1] == f"撤销台账导入 #{batch.pk}"
    gone = Project.history.filter(name="新项目一").values_list("history_type", flat=True)
    assert sorted(gone) == ["+", "-"]
    assert ProjectPartner.history.filter(import_batch=batch).exists()


def test_a_batch_is_not_rolled_back_over_a_later_edit(boss, world, before):
    batch = _import(boss, TABLE)
    created = Project.objects.get(name="新项目一")
    created.leader = "后来改的"
    created.save()
    with pytest.raises(ValidationError, match=created.code):
        import_batch_rollback(batch=batch, user=boss)
    assert Project.objects.filter(name="新项目二").exists()  # nothing was undone
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.APPLIED


def test_a_batch_is_not_rolled_back_when_a_later_import_changed_its_projects(boss, world, before):
    batch = _import(boss, TABLE)
    _import(boss, [ledger_row(code="JZ-2020-0001", name="第二批改的名", partners="新公司甲")])
    with pytest.raises(ValidationError, match="JZ-2020-0001"):
        import_batch_rollback(batch=batch, user=boss)


def test_evidence_or_a_partner_added_to_a_created_project_blocks_the_rollback(boss, world, before):
    batch = _import(boss, TABLE)
    created = Project.objects.get(name="新项目二")
    link = add_partner(created, world.mudu, role="investor")
    with pytest.raises(ValidationError, match=created.code):
        import_batch_rollback_check(batch=batch)
    link.delete()
    Evidence.objects.create(
        project=created, kind="contract", title="合同", uploaded_by=boss, size=1, sha256="0" * 64
    )
    with pytest.raises(ValidationError, match=created.code):
        import_batch_rollback_check(batch=batch)


def test_an_organisation_the_batch_created_stays_when_another_project_now_uses_it(
    boss, world, before
):
    batch = _import(boss, TABLE)
    newcomer = Organization.objects.get(name="新公司乙")
    add_partner(before[1], newcomer)
    counts = import_batch_rollback(batch=batch, user=boss)
    assert counts["organizations"] == 1  # 新公司甲 went, 新公司乙 stays
    assert Organization.objects.filter(pk=newcomer.pk).exists()
    assert not Organization.objects.filter(name="新公司甲").exists()


def test_a_batch_rolls_back_once(boss, world, before):
    batch = _import(boss, TABLE)
    import_batch_rollback(batch=batch, user=boss)
    with pytest.raises(ValidationError, match="只有已导入的批次可以撤销"):
        import_batch_rollback(batch=batch, user=boss)


def test_only_an_investment_manager_may_roll_back(boss, world, before):
    batch = _import(boss, TABLE)
    clerk = make_user("clerk", group=EDITOR_GROUP, regions=[world.jiefang])
    with pytest.raises(PermissionDenied):
        import_batch_rollback(batch=batch, user=clerk)
    manager = make_user("manager", group=ADMIN_GROUP)
    assert import_batch_rollback(batch=batch, user=manager)["projects_deleted"] == 2
    assert Project.objects.get(code="JZ-2020-0001").investment == Decimal("50000")


def test_the_admin_shows_what_a_rollback_will_do_then_does_it(client, boss, world, before):
    batch = _import(boss, TABLE)
    client.force_login(boss)
    url = reverse("admin:tracker_importbatch_rollback", args=[batch.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "删除本批新增的项目 2 个" in page.content.decode()
    done = client.post(url, follow=True)
    assert "已撤销导入批次" in done.content.decode()
    assert not Project.objects.filter(name__startswith="新项目").exists()


def test_the_admin_refuses_a_rollback_with_the_reason_and_changes_nothing(
    client, boss, world, before
):
    batch = _import(boss, TABLE)
    created = Project.objects.get(name="新项目一")
    created.leader = "后来改的"
    created.save()
    client.force_login(boss)
    url = reverse("admin:tracker_importbatch_rollback", args=[batch.pk])
    page = client.post(url, follow=True)
    assert created.code in page.content.decode()
    assert Project.objects.filter(name="新项目一").exists()


def test_a_clerk_cannot_open_the_rollback_page(client, boss, world, before):
    batch = _import(boss, TABLE)
    clerk = make_user("clerk", group=EDITOR_GROUP, regions=[world.jiefang])
    client.force_login(clerk)
    url = reverse("admin:tracker_importbatch_rollback", args=[batch.pk])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Project.objects.filter(name="新项目一").exists()


def test_an_import_batch_is_an_audit_record_nobody_deletes(client, boss, world, before):
    batch = _import(boss, TABLE)
    client.force_login(boss)
    url = reverse("admin:tracker_importbatch_delete", args=[batch.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert ImportBatch.objects.filter(pk=batch.pk).exists()


# --- An editor's batch: its 提交审核 rows filed review requests ---------------------------


@pytest.fixture
def editor_batch(world, before):
    from tracker.models import ChangeRequest

    editor = make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])
    batch = _import(editor, [ledger_row(name="区里报的新项目")])
    assert batch.submitted_count == 1 and batch.created_count == 0
    request = ChangeRequest.objects.get(project__name="区里报的新项目")
    assert request.import_batch == batch and request.status == ChangeRequest.Status.PENDING
    return batch, request


def test_rolling_back_an_editors_batch_withdraws_its_waiting_review_requests(
    boss, world, editor_batch
):
    from tracker.models import ChangeRequest

    batch, request = editor_batch
    assert import_batch_rollback_check(batch=batch)["requests"] == 1
    counts = import_batch_rollback(batch=batch, user=boss)
    assert counts["requests"] == 1 and counts["projects_deleted"] == 1
    assert not Project.objects.filter(name="区里报的新项目").exists()
    assert not ChangeRequest.objects.filter(pk=request.pk).exists()
    assert ChangeRequest.history.filter(id=request.pk, history_type="-").exists()


def test_a_review_request_a_reviewer_decided_blocks_the_rollback(boss, world, editor_batch):
    from tracker.services.review import change_request_return

    batch, request = editor_batch
    change_request_return(change_request=request, user=boss, reason="缺合同")
    with pytest.raises(ValidationError, match=request.project.code):
        import_batch_rollback_check(batch=batch)
