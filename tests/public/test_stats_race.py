"""Public figures follow every committed write, whatever order concurrent writers commit in."""

import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from tests import factories as make
from tracker.jobs.testing import run_queued_jobs
from tracker.models import Project

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's IMMEDIATE transactions take the write lock before any id is drawn, "
    "so writers commit in id order and this interleaving cannot happen",
)
def test_an_unpublish_committed_after_a_later_write_counts_on_the_next_request(client):
    district = make.region()
    kept = make.project(region=district)
    leaving = make.project(region=district)
    url = reverse("tracker:overview")
    assert client.get(url).context["totals"]["count"] == 2

    drawn, commit = threading.Event(), threading.Event()

    def unpublish():
        try:
            with transaction.atomic():
                project = Project.objects.get(pk=leaving.pk)
                project.is_public = False
                project.save()  # its history row draws the next history id now…
                drawn.set()
                commit.wait(30)
        finally:
            connection.close()

    writer = threading.Thread(target=unpublish)
    writer.start()
    try:
        assert drawn.wait(30)
        # …a later write draws a higher id and commits first.
        other = Project.objects.get(pk=kept.pk)
        other.name += "（更新）"
        other.save()
        assert client.get(url).context["totals"]["count"] == 2  # not committed yet
    finally:
        commit.set()
        writer.join(30)
    # The commits queued the background recompute; until it runs, visitors are shown the
    # last figures (marked stale), so that none of them pays for the recompute.
    run_queued_jobs()
    assert client.get(url).context["totals"]["count"] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="writers are read on PostgreSQL only")
def test_figures_computed_while_a_cache_write_runs_stay_current_after_it_commits():
    from tracker import stats
    from tracker.models import Job

    make.project(region=make.region())
    started, commit = threading.Event(), threading.Event()

    def other_write():  # e.g. a page-cache entry or a job's row: no table a page shows
        try:
            with transaction.atomic():
                Job.objects.create(kind=Job.Kind.ALERTS, title="别的写入")
                started.set()
                commit.wait(30)
        finally:
            connection.close()

    writer = threading.Thread(target=other_write)
    writer.start()
    try:
        assert started.wait(30)
        during = stats.data_fingerprint()
    finally:
        commit.set()
        writer.join(30)
    assert stats.is_current(during, stats.data_fingerprint())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="writers are read on PostgreSQL only")
def test_figures_computed_while_a_project_write_runs_are_behind_once_it_commits():
    from tracker import stats

    project = make.project(region=make.region())
    started, commit = threading.Event(), threading.Event()

    def project_write():
        try:
            with transaction.atomic():
                changed = Project.objects.get(pk=project.pk)
                changed.name += "（更新）"
                changed.save()
                started.set()
                commit.wait(30)
        finally:
            connection.close()

    writer = threading.Thread(target=project_write)
    writer.start()
    try:
        assert started.wait(30)
        during = stats.data_fingerprint()
    finally:
        commit.set()
        writer.join(30)
    assert not stats.is_current(during, stats.data_fingerprint())
