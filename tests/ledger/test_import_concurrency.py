"""Ledger imports beside other writers: racing confirms, and the write lock held briefly.

The racing tests run real threads, each with its own database connection, so
they need PostgreSQL (the SQLite test database is one in-memory file shared
by every connection, without the busy timeout of a real file).
"""

import dataclasses
import threading

import pytest
from django.conf import settings
from django.db import OperationalError, connection

from tests.factories import ledger_row, make_project, make_user, make_world, xlsx_bytes
from tracker.ledger.safety import LedgerError
from tracker.models import ImportBatch, Project, StageChange
from tracker.services import ledger as services
from tracker.services.ledger import project_import_confirm, project_import_preview

on_postgresql = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="threads with their own connections need PostgreSQL",
)


def race(*targets):
    """Run each target in its own thread, released together; return what each returned or raised."""
    barrier = threading.Barrier(len(targets))
    outcomes = [None] * len(targets)

    def run(index, target):
        try:
            barrier.wait()
            outcomes[index] = target()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def confirm(batch, user):
    return lambda: project_import_confirm(token=batch.token, user=user)


def preview(rows, user):
    return project_import_preview(data=xlsx_bytes(rows), file_name="台账.xlsx", user=user).batch


def assert_one_applied(outcomes):
    applied = [o for o in outcomes if isinstance(o, services.LedgerImport)]
    refused = [o for o in outcomes if isinstance(o, LedgerError)]
    assert (len(applied), len(refused)) == (1, len(outcomes) - 1), outcomes
    return refused


# Committed for real, so that every thread's connection sees them.
@pytest.fixture
def world(transactional_db):
    return make_world()


@pytest.fixture
def boss(world):
    return make_user("boss", superuser=True)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_racing_confirms_of_one_preview_apply_it_once(boss):
    batch = preview([ledger_row(name=f"并发项目{i}") for i in range(200)], boss)

    outcomes = race(*[confirm(batch, boss)] * 3)

    for refusal in assert_one_applied(outcomes):
        assert "正在导入" in refusal.message or "已于" in refusal.message
    assert Project.objects.filter(name__startswith="并发项目").count() == 200
    assert StageChange.objects.count() == 200
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.APPLIED


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_previews_of_one_file_confirmed_together_write_its_changes_once(world, boss):
    codes = [f"JZ-2020-{i:04d}" for i in range(1, 201)]
    for code in codes:
        make_project(world, code=code, stage="negotiating")
    rows = [ledger_row(code=code, name=f"项目{code}") for code in codes]
    first, second = preview(rows, boss), preview(rows, boss)

    outcomes = race(confirm(first, boss), confirm(second, boss))

    assert_one_applied(outcomes)
    assert StageChange.objects.filter(to_stage="signed").count() == 200
    assert sorted(ImportBatch.objects.values_list("status", flat=True)) == [
        ImportBatch.Status.APPLIED,
        ImportBatch.Status.PREVIEWED,
    ]


def recording(table, seen):
    """``table`` whose rows note, as each is read, whether a transaction is open."""

    def rows():
        for row in table.rows:
            seen.append(connection.in_atomic_block)
            yield row

    return dataclasses.replace(table, rows=rows())


@pytest.mark.django_db(transaction=True)
def test_a_confirm_reads_the_whole_file_before_it_takes_the_write_lock(boss, monkeypatch):
    batch = preview([ledger_row(name=f"项目{i}") for i in range(5)], boss)
    seen = []
    read_upload = services.read_upload
    monkeypatch.setattr(
        services, "read_upload", lambda *a, **k: recording(read_upload(*a, **k), seen)
    )

    project_import_confirm(token=batch.token, user=boss)

    assert seen == [False] * 5
    assert Project.objects.filter(name__startswith="项目").count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_command_import_reads_the_whole_file_before_it_takes_the_write_lock(boss):
    from tracker.ledger.reader import read_upload

    seen = []
    rows = [ledger_row(name=f"项目{i}") for i in range(5)]
    table = recording(read_upload("台账.xlsx", xlsx_bytes(rows)), seen)

    assert services.project_import(rows=table, file_name="台账.xlsx", user=boss).applied
    assert seen == [False] * 5


def test_a_confirm_that_cannot_get_the_write_lock_is_refused_and_kept(staff, boss, monkeypatch):
    batch = preview([ledger_row(name="等不到写锁")], boss)

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "apply_plan", busy)

    with pytest.raises(LedgerError, match="数据库正忙"):
        project_import_confirm(token=batch.token, user=boss)
    assert not Project.objects.filter(name="等不到写锁").exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.PREVIEWED


def test_gunicorn_lets_a_request_wait_out_the_sqlite_busy_timeout():
    from config import gunicorn

    assert gunicorn.timeout > settings.SQLITE_BUSY_TIMEOUT


@on_postgresql
def test_two_clerks_adding_projects_with_no_code_at_once_get_different_codes(world, boss):
    from django.test import Client

    from tests.factories import project_change_form

    def add(name):
        def post():
            client = Client()
            client.force_login(boss)
            project = Project(code="", name=name, region=world.jiefang, stage="lead")
            form = project_change_form(project, stage="lead", signed_on="2021-03-01")
            return client.post("/admin/tracker/project/add/", form).status_code

        return post

    assert race(add("甲项目"), add("乙项目")) == [302, 302]
    codes = sorted(Project.objects.values_list("code", flat=True))
    assert codes == ["JZ-2021-0001", "JZ-2021-0002"]


@on_postgresql
def test_a_save_landing_between_planning_and_writing_is_not_overwritten(world, boss, monkeypatch):
    from django.utils import timezone

    project = make_project(world, code="JZ-2020-0001", leader="张三")
    batch = preview([ledger_row(code=project.code, name="改名", leader="张三")], boss)
    planned = services.plan_import

    def plan_then_someone_saves(rows, **kwargs):
        plan = planned(rows, **kwargs)
        # A clerk's save commits on its own connection after the plan read the project.
        race(
            lambda: Project.objects.filter(pk=project.pk).update(
                leader="王五", updated_at=timezone.now()
            )
        )
        return plan

    monkeypatch.setattr(services, "plan_import", plan_then_someone_saves)
    with pytest.raises(LedgerError, match="预览之后数据已有变化"):
        project_import_confirm(token=batch.token, user=boss)
    project.refresh_from_db()
    assert (project.name, project.leader) == ("项目JZ-2020-0001", "王五")
