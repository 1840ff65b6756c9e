"""The public figures live in the shared cache, and writes refresh them in the background.

A "process" here is this test process with its local copies forgotten
(``stats.forget_local()``), as a freshly started gunicorn worker has none.
"""

import pytest
from django.db import connection
from django.urls import reverse

from tests import factories as make
from tracker import stats
from tracker.jobs.testing import run_queued_jobs
from tracker.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
    return make.build_ledger()


@pytest.fixture
def computes(monkeypatch):
    """How many times the overview was computed (rather than read)."""
    calls = []
    real = stats._overview

    def counted():
        calls.append(1)
        return real()

    monkeypatch.setattr(stats, "_overview", counted)
    return calls


def overview(client):
    return client.get(reverse("tracker:overview")).context


def test_a_second_process_reads_the_overview_another_computed(client, ledger, computes):
    first = overview(client)["totals"]["count"]
    stats.forget_local()
    again = overview(client)
    assert again["totals"]["count"] == first
    assert len(computes) == 1
    assert again["figures_stale"] is False


def test_a_warm_process_reads_the_overview_without_a_query_to_the_cache(
    client, ledger, django_assert_num_queries
):
    overview(client)
    with django_assert_num_queries(1):  # the data fingerprint only
        overview(client)


def test_an_edit_queues_one_recompute_however_many_rows_it_saves(
    ledger, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make.project(region=ledger.jiefang)
        make.project(region=ledger.jiefang)
    jobs = Job.objects.filter(kind=Job.Kind.STATS)
    assert jobs.count() == 1
    assert jobs.get().dedupe_key == stats.WARM_KEY


def test_a_visitor_during_the_recompute_gets_the_previous_figures_with_their_time(
    client, ledger, computes, django_capture_on_commit_callbacks
):
    before = overview(client)
    with django_capture_on_commit_callbacks(execute=True):
        make.project(region=ledger.jiefang)
    for running in (False, True):
        if running:
            Job.objects.filter(kind=Job.Kind.STATS).update(status=Job.Status.RUNNING)
        stats.forget_local()
        during = overview(client)
        assert during["totals"]["count"] == before["totals"]["count"]
        assert during["figures_stale"] is True
        assert during["figures_as_of"] == before["figures_as_of"]
    assert len(computes) == 1  # no visitor recomputed


def test_the_recompute_fills_the_cache_for_every_process(
    client, ledger, computes, django_capture_on_commit_callbacks
):
    before = overview(client)["totals"]["count"]
    with django_capture_on_commit_callbacks(execute=True):
        make.project(region=ledger.jiefang)
    run_queued_jobs()
    assert Job.objects.get(kind=Job.Kind.STATS).status == Job.Status.SUCCEEDED
    computed = len(computes)
    stats.forget_local()
    after = overview(client)
    assert after["totals"]["count"] == before + 1
    assert after["figures_stale"] is False
    assert len(computes) == computed  # read, not computed, by the visitor


def test_the_recompute_refreshes_the_totals_of_a_remembered_selection(
    client, ledger, django_capture_on_commit_callbacks, monkeypatch
):
    url = reverse("tracker:project_list")
    params = {"region": ledger.jiefang.slug}
    before = client.get(url, params).context["totals"]["count"]
    with django_capture_on_commit_callbacks(execute=True):
        make.project(region=ledger.jiefang)
    run_queued_jobs()
    stats.forget_local()

    def no_aggregate(*args, **kwargs):
        raise AssertionError("the visitor aggregated the selection again")

    monkeypatch.setattr(type(ledger.jiefang.projects.all()), "totals", no_aggregate)
    assert client.get(url, params).context["totals"]["count"] == before + 1


def test_without_a_recompute_under_way_a_visitor_gets_current_figures(client, ledger):
    # A write that queued nothing (no commit here): the visitor computes, never stale.
    before = overview(client)["totals"]["count"]
    make.project(region=ledger.jiefang)
    stats.forget_local()
    after = overview(client)
    assert after["totals"]["count"] == before + 1
    assert after["figures_stale"] is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="writers are in the fingerprint")
def test_a_writer_that_started_later_does_not_make_figures_stale_but_one_that_commits_does():
    then = (1, 2, "700,701")
    assert stats.is_current(then, (1, 2, "700,701,702"))  # 702 started later
    assert not stats.is_current(then, (1, 2, "701"))  # 700 committed (or rolled back)
    assert not stats.is_current(then, (1, 3, "700,701"))  # a newer history row
