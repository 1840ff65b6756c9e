"""A big ledger confirm runs as a background job: once, all or nothing, on both task backends.

The in-process tests run the queued job with ``run_queued_jobs`` (the very
worker code, in this process) on the database backend and on RQ over Redis.
The ``slow`` ones run the real thing: ``manage.py jobs_worker`` subprocesses on
a file-based SQLite database and on PostgreSQL, one of them killed (SIGKILL)
mid-write.
"""

import pytest
import redis
from django.conf import settings
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import ledger_row, make_project, xlsx_bytes
from tests.ledger.job_backends import BACKENDS, forget_queue, redis_url
from tracker.jobs.runner import _send
from tracker.jobs.testing import run_queued_jobs
from tracker.models import ImportBatch, Job, Project, StageChange
from tracker.services.ledger import (
    _ConfirmProgress,
    project_import_confirm_job,
    project_import_preview,
    project_import_submit,
)

IMPORT = "admin:tracker_project_import"
CONFIRM = "admin:tracker_project_process_import"


@pytest.fixture(params=list(BACKENDS))
def tasks_backend(request, settings):
    name = request.param
    settings.TASKS = {"default": {"BACKEND": BACKENDS[name], "QUEUES": settings.JOB_QUEUES}}
    if name == "redis":
        url = redis_url(8)
        settings.RQ_QUEUES = {
            queue: {"URL": url, "DEFAULT_TIMEOUT": 600} for queue in settings.JOB_QUEUES
        }
        try:
            forget_queue(url)
        except redis.ConnectionError:
            pytest.fail("Redis is not running at 127.0.0.1:6379 (see docs/deploy.md)")
        yield name
        forget_queue(url)
    else:
        yield name


@pytest.fixture
def small_threshold(settings):
    """Previews of more than two rows confirm in the background."""
    settings.LEDGER_JOB_ROWS = 2


def rows(n, prefix="后台项目"):
    return [ledger_row(name=f"{prefix}{i}") for i in range(n)]


def upload(client, data):
    return client.post(reverse(IMPORT), {"import_file": SimpleUploadedFile("台账.xlsx", data)})


def preview(boss, table):
    return project_import_preview(data=xlsx_bytes(table), file_name="台账.xlsx", user=boss).batch


# --- In the admin ------------------------------------------------------------------------


def test_a_big_confirm_is_queued_shown_as_a_job_and_written_by_the_worker(
    staff, boss, small_threshold, tasks_backend
):
    page = upload(staff, xlsx_bytes(rows(3)))
    assert "确认后在后台导入" in page.content.decode()
    batch = page.context["batch"]

    response = staff.post(reverse(CONFIRM), {"token": str(batch.token)})

    job = Job.objects.get(import_batch=batch)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:tracker_job_change", args=[job.pk])
    assert (job.kind, job.status, job.user) == (Job.Kind.LEDGER_IMPORT, Job.Status.QUEUED, boss)
    assert not Project.objects.filter(name__startswith="后台项目").exists()  # not yet

    run_queued_jobs()

    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result == {
        "batch": batch.pk,
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "submitted": 0,
        "organizations_created": 0,
    }
    assert (job.done, job.total) == (3, 3)
    assert "导入完成" in job.log
    assert (batch.status, batch.content) == (ImportBatch.Status.APPLIED, None)
    assert Project.objects.filter(name__startswith="后台项目").count() == 3
    assert StageChange.objects.filter(import_batch=batch).count() == 3
    page = staff.get(response["Location"]).content.decode()
    assert "导入完成" in page


def test_confirming_a_big_preview_twice_gives_one_job_and_one_write(
    staff, boss, small_threshold, tasks_backend
):
    batch = upload(staff, xlsx_bytes(rows(3))).context["batch"]

    first = staff.post(reverse(CONFIRM), {"token": str(batch.token)})
    second = staff.post(reverse(CONFIRM), {"token": str(batch.token)})  # double click, 2nd tab

    assert first["Location"] == second["Location"]
    assert Job.objects.filter(import_batch=batch).count() == 1
    run_queued_jobs()
    assert Project.objects.filter(name__startswith="后台项目").count() == 3
    assert StageChange.objects.filter(import_batch=batch).count() == 3
    third = staff.post(reverse(CONFIRM), {"token": str(batch.token)}, follow=True)
    assert "没有重复写入" in third.content.decode()
    assert Job.objects.filter(import_batch=batch).count() == 1
    assert Project.objects.filter(name__startswith="后台项目").count() == 3


def test_a_small_preview_is_still_confirmed_in_the_request(staff, small_threshold):
    batch = upload(staff, xlsx_bytes(rows(2))).context["batch"]
    assert "确认后在后台导入" not in upload(staff, xlsx_bytes(rows(2))).content.decode()

    response = staff.post(reverse(CONFIRM), {"token": str(batch.token)}, follow=True)

    assert "导入完成" in response.content.decode()
    assert not Job.objects.exists()
    assert Project.objects.filter(name__startswith="后台项目").count() == 2


def test_the_threshold_is_the_setting(staff, settings):
    settings.LEDGER_JOB_ROWS = 500
    batch = upload(staff, xlsx_bytes(rows(3))).context["batch"]
    staff.post(reverse(CONFIRM), {"token": str(batch.token)})
    assert not Job.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.APPLIED


# --- The job -----------------------------------------------------------------------------


def test_the_same_confirm_enqueued_twice_writes_once(boss, small_threshold, tasks_backend):
    batch = preview(boss, rows(3))
    one = project_import_submit(token=batch.token, user=boss).job
    two = project_import_submit(token=batch.token, user=boss).job
    assert one.pk == two.pk
    run_queued_jobs()
    _send(one.pk, one.kind)  # the task delivered once more
    run_queued_jobs()
    one.refresh_from_db()
    assert (one.status, one.attempts) == (Job.Status.SUCCEEDED, 1)
    assert Project.objects.filter(name__startswith="后台项目").count() == 3
    assert Project.history.filter(name__startswith="后台项目").count() == 3


def test_a_job_enqueued_with_no_worker_waits_then_imports_when_one_starts(
    boss, small_threshold, tasks_backend
):
    batch = preview(boss, rows(3))
    job = project_import_submit(token=batch.token, user=boss).job
    _send(job.pk, job.kind)  # the commit sends it; no worker takes it
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.PREVIEWED
    run_queued_jobs()  # a worker starts
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert Project.objects.filter(name__startswith="后台项目").count() == 3


def test_the_job_refuses_when_the_data_changed_after_the_preview(
    world, boss, small_threshold, tasks_backend
):
    project = make_project(world, code="JZ-2020-0001", name="旧名")
    batch = preview(boss, [ledger_row(code="JZ-2020-0001", name="新名"), *rows(2)])
    job = project_import_submit(token=batch.token, user=boss).job
    Project.objects.filter(pk=project.pk).update(name="别人刚改的名字")

    run_queued_jobs()

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == 1  # staff's to act on: no retry
    assert "预览之后数据已有变化" in job.error
    assert Project.objects.get(pk=project.pk).name == "别人刚改的名字"
    assert not Project.objects.filter(name__startswith="后台项目").exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.PREVIEWED


def test_the_job_refuses_a_preview_older_than_a_day(boss, small_threshold, tasks_backend):
    batch = preview(boss, rows(3))
    job = project_import_submit(token=batch.token, user=boss).job
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=2)
    )
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "超过 24 小时" in job.error
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.DISCARDED
    assert not Project.objects.filter(name__startswith="后台项目").exists()


def test_a_preview_a_queued_job_waits_for_is_not_purged_by_newer_uploads(boss, small_threshold):
    batch = preview(boss, rows(3))
    project_import_submit(token=batch.token, user=boss)
    for n in range(4):  # more than MAX_OPEN_PREVIEWS newer previews
        preview(boss, rows(3, prefix=f"别的{n}"))
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.PREVIEWED


def test_a_run_after_the_first_committed_reports_the_import_and_writes_nothing(
    boss, small_threshold, tasks_backend
):
    """A worker killed after its commit but before it recorded the job's end: the retry."""
    batch = preview(boss, rows(3))
    job = project_import_submit(token=batch.token, user=boss).job
    run_queued_jobs()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, result={})
    _send(job.pk, job.kind)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2
    assert "没有重复写入" in job.log and job.result["created"] == 3
    assert Project.objects.filter(name__startswith="后台项目").count() == 3


class RecordingRun:
    def __init__(self, job):
        self.job, self.calls, self.lines = job, [], []

    def progress(self, done, total=None, *, force=False):
        self.calls.append((done, total))

    def log(self, line):
        self.lines.append(line)


def test_the_job_reports_reading_planning_and_writing_as_one_rising_bar(
    boss, small_threshold, monkeypatch
):
    monkeypatch.setattr("tracker.services.ledger_writes.WRITE_CHUNK", 50)
    monkeypatch.setattr("tracker.ledger.importer._PROGRESS_EVERY", 50)
    batch = preview(boss, rows(400))
    job = project_import_submit(token=batch.token, user=boss).job
    run = RecordingRun(job)

    project_import_confirm_job(run, batch_id=batch.pk, user_id=boss.pk)

    done = [d for d, _t in run.calls]
    assert done == sorted(done), "the bar never runs backwards"
    assert {t for _d, t in run.calls} == {400}
    assert done[-1] == 400
    assert len(set(done)) > 10  # it moves within each phase, not only between them
    assert run.lines[:3] == ["读取文件", "核对预览", "写入数据库"]
    assert sum(_ConfirmProgress.SHARES.values()) == pytest.approx(1)


# --- The write itself: prepared before the lock on SQLite, the same rows as the ORM writes --


def _written(batch):
    """Everything an import wrote, without ids and times, to compare two imports."""
    from tracker.models import Organization, ProjectPartner

    projects = Project.objects.filter(
        pk__in=Project.history.filter(import_batch=batch).values("id")
    ).order_by("code")
    fields = ["code", "name", "region_id", "industry_id", "stage", "status", "investment"]
    fields += ["signed_on", "event_id", "summary", "leader", "responsible_unit", "is_public"]
    history = Project.history.filter(import_batch=batch).order_by("code")
    links = ProjectPartner.objects.filter(project__in=projects)
    link_history = ProjectPartner.history.filter(import_batch=batch)
    return {
        "projects": list(projects.values_list(*fields)),
        "history": list(history.values_list(*fields, "history_type", "history_user_id")),
        "history_reason": {h.history_change_reason == batch.change_reason for h in history},
        "history_matches_rows": all(h.id == Project.objects.get(code=h.code).pk for h in history),
        "links": sorted(links.values_list("project__code", "organization__name", "role")),
        "link_history": sorted(
            (Project.objects.get(pk=h.project_id).code, h.organization_id is not None, h.role)
            for h in link_history
        ),
        "link_history_ids": sorted(link_history.values_list("id", flat=True))
        == sorted(links.values_list("pk", flat=True)),
        "organizations": sorted(
            Organization.history.filter(import_batch=batch).values_list("name", "name_key")
        ),
        "stage_changes": sorted(
            StageChange.objects.filter(import_batch=batch).values_list(
                "project__code", "from_stage", "to_stage", "to_status", "recorded_by_id"
            )
        ),
    }


def _two_ways(boss, world, monkeypatch, table):
    from tracker.services import ledger as services
    from tracker.services.ledger import project_import_confirm

    # A project and a link from before, so the import updates as well as creates.
    make_project(world, code="JZ-2020-0001", name="旧名")
    before = Project.objects.filter(code="JZ-2020-0001").values()[0]
    first = preview(boss, table)
    project_import_confirm(token=first.token, user=boss)  # the prepared path
    prepared = _written(first)
    from tracker.models import Organization

    Project.objects.filter(pk__in=Project.history.filter(import_batch=first).values("id")).exclude(
        code="JZ-2020-0001"
    ).delete()
    from tracker.models import ProjectPartner

    ProjectPartner.objects.filter(project__code="JZ-2020-0001").delete()
    Organization.objects.filter(
        pk__in=Organization.history.filter(import_batch=first).values("id")
    ).delete()
    Project.objects.filter(code="JZ-2020-0001").update(**before)
    monkeypatch.setattr(services, "prepare_writes", lambda *a, **k: None)
    second = preview(boss, table)
    project_import_confirm(token=second.token, user=boss)  # the ORM path
    return prepared, _written(second)


def test_the_prepared_write_writes_what_the_orm_writes(boss, world, monkeypatch):
    table = [
        ledger_row(code="JZ-2020-0001", name="新名", partners="新公司甲（投资方）"),
        *[
            ledger_row(name=f"新项目{i}", partners=f"木铎（广州）教育科技有限公司、新公司{i % 3}")
            for i in range(7)
        ],
        ledger_row(name="线索项目", stage="在谈", partners=""),
    ]
    prepared, orm = _two_ways(boss, world, monkeypatch, table)
    assert prepared["projects"] and prepared["links"] and prepared["organizations"]
    assert len(prepared["history"]) == 9 and len(prepared["stage_changes"]) == 8
    assert prepared["history_matches_rows"] and prepared["link_history_ids"]
    assert prepared["history_reason"] == {True}
    assert prepared == orm


@pytest.mark.skipif(
    "sqlite" not in django_settings.DATABASES["default"]["ENGINE"], reason="SQLite's path"
)
def test_on_sqlite_new_rows_are_prepared_and_ids_continue_after_deleted_ones(boss, world):
    from tracker.services.ledger_writes import prepare_writes

    gone = make_project(world, code="JZ-2020-0099", name="删掉的")
    gone_id = gone.pk
    gone.delete()
    batch = preview(boss, rows(3))
    from tracker.ledger.importer import plan_import
    from tracker.ledger.reader import read_upload

    plan = plan_import(read_upload("台账.xlsx", bytes(batch.content)), user=boss)
    assert prepare_writes(plan, user=boss, batch=batch) is not None
    from tracker.services.ledger import project_import_confirm

    project_import_confirm(token=batch.token, user=boss)
    ids = sorted(Project.objects.filter(name__startswith="后台项目").values_list("pk", flat=True))
    assert ids[0] > gone_id  # a deleted project's id (and its history) is never reused
    later = make_project(world, code="JZ-2020-0100")
    assert later.pk == ids[-1] + 1


@pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"],
    reason="only SQLite plans before taking the lock; PostgreSQL plans inside it",
)
def test_a_write_between_planning_and_the_lock_is_caught_by_planning_again(
    boss, world, monkeypatch
):
    """The plan made before the lock is used only if nothing it read was written since."""
    from tracker.services import ledger as services
    from tracker.services.ledger import project_import_confirm

    project = make_project(world, code="JZ-2020-0001", name="旧名")
    batch = preview(boss, [ledger_row(code="JZ-2020-0001", name="新名")])
    planned = services.plan_import
    calls = []

    def plan_then_someone_saves(*args, **kwargs):
        plan = planned(*args, **kwargs)
        if not calls:  # after the plan made before the lock: a clerk saves, with history
            project.name = "别人刚改的名字"
            project.save()
        calls.append(1)
        return plan

    monkeypatch.setattr(services, "plan_import", plan_then_someone_saves)
    with pytest.raises(Exception, match="预览之后数据已有变化"):
        project_import_confirm(token=batch.token, user=boss)
    assert Project.objects.get(pk=project.pk).name == "别人刚改的名字"
    assert len(calls) == 2  # planned again, inside the lock
