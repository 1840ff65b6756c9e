"""Public figures follow every committed write, whatever order concurrent writers commit in."""

import contextlib
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from tests import factories as make
from tracker import stats
from tracker.jobs.testing import run_queued_jobs
from tracker.models import Job, Project

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

    def unpublish():
        project = Project.objects.get(pk=leaving.pk)
        project.is_public = False
        project.save()  # its history row draws the next history id now…

    with _held_open(unpublish):
        # …a later write draws a higher id and commits first.
        other = Project.objects.get(pk=kept.pk)
        other.name += "（更新）"
        other.save()
        assert client.get(url).context["totals"]["count"] == 2  # not committed yet
    # The commits queued the background recompute; until it runs, visitors are shown the
    # last figures (marked stale), so that none of them pays for the recompute.
    run_queued_jobs()
    assert client.get(url).context["totals"]["count"] == 1


@contextlib.contextmanager
def _held_open(write):
    """Run ``write()`` in a transaction of another thread and keep it open (uncommitted)
    for the body of the ``with``; it commits when the body ends."""
    started, commit = threading.Event(), threading.Event()

    def writer_thread():
        try:
            with transaction.atomic():
                write()
                started.set()
                commit.wait(30)
        finally:
            connection.close()

    writer = threading.Thread(target=writer_thread)
    writer.start()
    try:
        assert started.wait(30)
        yield
    finally:
        commit.set()
        writer.join(30)


def _fingerprints_around(write):
    """The fingerprint read while ``write()`` runs in another transaction, and after it commits."""
    with _held_open(write):
        during = stats.data_fingerprint()
    return during, stats.data_fingerprint()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="writers are read on PostgreSQL only")
def test_figures_computed_while_a_cache_write_runs_stay_current_after_it_commits():
    make.project(region=make.region())
    # e.g. a page-cache entry or a job's row: no table a page shows
    during, after = _fingerprints_around(
        lambda: Job.objects.create(kind=Job.Kind.ALERTS, title="别的写入")
    )
    assert stats.is_current(during, after)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="writers are read on PostgreSQL only")
def test_figures_computed_while_a_project_write_runs_are_behind_once_it_commits():
    project = make.project(region=make.region())

    def rename():
        changed = Project.objects.get(pk=project.pk)
        changed.name += "（更新）"
        changed.save()

    during, after = _fingerprints_around(rename)
    assert not stats.is_current(during, after)
