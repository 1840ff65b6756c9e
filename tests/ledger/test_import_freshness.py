"""A plan made before the write lock is kept when nothing it read changed, and only then.

``ledger.freshness.plan_is_current`` is asked inside the lock: saves of
projects the file does not touch must not send a 50,000-row confirm back to
planning (other staff would wait for it), while any change to what the plan
read must.
"""

import pytest
from django.conf import settings

from tests.factories import add_partner, csv_bytes, ledger_row, make_project
from tracker.ledger.freshness import plan_is_current, reference_version
from tracker.ledger.importer import plan_import
from tracker.ledger.reader import read_upload
from tracker.models import Organization, Project


def _plan(boss, table):
    version = reference_version()
    plan = plan_import(read_upload("台账.csv", csv_bytes(table)), user=boss)
    assert plan.ok, [row.errors for row in plan.rows]
    return plan, version


@pytest.fixture
def matched(world):
    """A project the file updates, and one it does not mention."""
    return (
        make_project(world, code="JZ-2020-0001", name="旧名"),
        make_project(world, code="JZ-2020-0002", name="别的项目"),
    )


TABLE = [
    ledger_row(code="JZ-2020-0001", name="新名"),
    ledger_row(name="无编号的新项目", signed_on="2021-03-01"),
    ledger_row(code="JZ-2021-0500", name="带编号的新项目", signed_on="2021-04-01"),
]


def test_a_plan_nothing_has_touched_is_current(boss, matched):
    plan, version = _plan(boss, TABLE)
    assert plan_is_current(plan, version=version)


def test_a_save_of_a_project_the_file_does_not_touch_keeps_the_plan(boss, matched):
    plan, version = _plan(boss, TABLE)
    other = matched[1]
    other.name = "同事刚改的"
    other.save()
    assert plan_is_current(plan, version=version)


def test_a_save_of_a_project_the_file_updates_makes_the_plan_stale(boss, matched):
    plan, version = _plan(boss, TABLE)
    project = matched[0]
    project.leader = "李四"
    project.save()
    assert not plan_is_current(plan, version=version)


def test_a_deleted_project_the_file_updates_makes_the_plan_stale(boss, matched):
    plan, version = _plan(boss, TABLE)
    Project.objects.filter(pk=matched[0].pk).delete()
    assert not plan_is_current(plan, version=version)


def test_a_partner_link_added_to_a_matched_project_makes_the_plan_stale(boss, world, matched):
    plan, version = _plan(boss, TABLE)
    add_partner(matched[0], Organization.objects.create(name="后来加的公司"))
    # The organisation is new as well; the link alone must be enough, so forget it.
    version = reference_version()
    assert not plan_is_current(plan, version=version)


def test_a_code_the_file_gives_a_new_row_taken_meanwhile_makes_the_plan_stale(boss, world, matched):
    plan, version = _plan(boss, TABLE)
    make_project(world, code="JZ-2021-0500", name="抢先用了这个编号")
    assert not plan_is_current(plan, version=version)


def test_a_project_created_in_a_year_the_file_numbers_makes_the_plan_stale(boss, world, matched):
    plan, version = _plan(boss, TABLE)
    handed_out = next(row.code for row in plan.rows if row.name == "无编号的新项目")
    assert handed_out == "JZ-2021-0501"  # one above the file's own JZ-2021-0500
    make_project(world, code="JZ-2021-0800", name="编号更大的新项目")
    assert not plan_is_current(plan, version=version)


def test_a_new_organisation_or_region_makes_the_plan_stale(boss, world, matched):
    plan, version = _plan(boss, TABLE)
    Organization.objects.create(name="木铎（广州）教育科技有限公司分公司")
    assert not plan_is_current(plan, version=version)


@pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"],
    reason="only SQLite plans before taking the lock; PostgreSQL plans inside it",
)
def test_a_confirm_keeps_its_prepared_plan_while_colleagues_save_other_projects(
    boss, matched, monkeypatch
):
    from tracker.services import ledger as services
    from tracker.services.ledger import project_import_confirm, project_import_preview

    batch = project_import_preview(data=csv_bytes(TABLE), file_name="台账.csv", user=boss).batch
    planned, calls = services.plan_import, []

    def plan_then_a_colleague_saves(*args, **kwargs):
        plan = planned(*args, **kwargs)
        other = matched[1]
        other.name = f"同事第{len(calls) + 1}次改的"
        other.save()
        calls.append(1)
        return plan

    monkeypatch.setattr(services, "plan_import", plan_then_a_colleague_saves)
    outcome = project_import_confirm(token=batch.token, user=boss)
    assert outcome.applied and len(calls) == 1  # not planned again inside the lock
    assert Project.objects.get(pk=matched[0].pk).name == "新名"
    assert Project.objects.get(pk=matched[1].pk).name == "同事第1次改的"
    assert Project.objects.filter(name="无编号的新项目", code="JZ-2021-0501").exists()
