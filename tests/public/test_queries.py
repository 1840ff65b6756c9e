"""Every public page runs a fixed number of queries, whatever the data, filters and page size.

Each check runs on a small ledger and on one with 120 more projects (several pages,
many partners), with the figures' cache cold — the worst case — and again warm.
"""

import copy

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.utils import bulk_update_with_history

from tests import factories as make
from tracker import stats
from tracker.choices import PartnerRole, Stage
from tracker.filtersets import ProjectFilterSet
from tracker.models import Project

pytestmark = pytest.mark.django_db

# One of these is the data fingerprint every public page reads for its ETag
# (tracker/http_cache.py), even one (a search, a detail) that caches no figure.
LIST_LIMIT = 7
OVERVIEW_LIMIT = 11
# Cold, a page also looks up and stores what it computed in the shared cache for every
# other worker (tracker/stats.py). With the database cache that is one read and a store
# of five (count, savepoint, select, insert, release); a page stores at most three
# entries (a region page: its stage counts, the list the background recompute
# refreshes, the region counts), whatever the data size.
SHARED_STORES = 3 * (1 + 5)


@pytest.fixture(scope="module", params=["small", "large"])
def module_ledger(request, django_db_setup, django_db_blocker):
    """Each size built once for the module (120 projects cost a third of a second) in a
    transaction rolled back after it; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        ledger = make.build_ledger()
        if request.param == "large":
            stages = list(Stage)
            for i in range(120):
                make.project(
                    region=[ledger.park, ledger.jiefang, ledger.shanyang][i % 3],
                    industry=[ledger.edu, ledger.materials, None][i % 3],
                    stage=stages[i % len(stages)],
                    investment=(i + 1) * 100 if i % 4 else None,
                    event=ledger.fair if i % 2 else None,
                    partners=[
                        (ledger.hpu, PartnerRole.SIGNATORY),
                        (make.organization(), PartnerRole.INVESTOR),
                    ],
                )
                make.citation(ledger.fair, f"第{i}条报道引述。")
        yield ledger
        transaction.set_rollback(True)


@pytest.fixture
def ledger(module_ledger, db):
    """The module's ledger, as instances of this test's own (a test may change them)."""
    return copy.deepcopy(module_ledger)


def all_filters(ledger) -> dict:
    return {
        "q": "智慧",
        "region": "jiefang",
        "industry": "education-equipment",
        "stage": ["signed", "lead", "operating"],
        "status": ["on_track", "delayed"],
        "event": "edu-signing",
        "partner": ledger.hpu.pk,
        "year": "2020",
        "amount_min": "100",
        "amount_max": "200000",
        "ordering": "-amount",
        "page": "1",
    }


def pages(ledger):
    """(label, url, params, limit) for every page the issue bounds."""
    return [
        ("overview", reverse("tracker:overview"), {}, OVERVIEW_LIMIT),
        ("list", reverse("tracker:project_list"), {}, LIST_LIMIT),
        ("list page 2", reverse("tracker:project_list"), {"page": 2}, LIST_LIMIT),
        ("list, every filter", reverse("tracker:project_list"), all_filters(ledger), LIST_LIMIT),
        ("list, bad filter", reverse("tracker:project_list"), {"region": "x"}, LIST_LIMIT),
        ("detail", ledger.classroom.get_absolute_url(), {}, LIST_LIMIT),
        ("event list", reverse("tracker:event_list"), {}, LIST_LIMIT),
        ("event", ledger.fair.get_absolute_url(), {}, LIST_LIMIT),
        ("partner list", reverse("tracker:partner_list"), {"q": "公司"}, LIST_LIMIT),
        ("partner", ledger.hpu.get_absolute_url(), {}, LIST_LIMIT),
        ("region list", reverse("tracker:region_list"), {}, LIST_LIMIT),
        ("region", ledger.jiefang.get_absolute_url(), {}, LIST_LIMIT),
        ("api list", reverse("tracker:api-project-list"), {"page_size": 100}, LIST_LIMIT),
        ("api, every filter", reverse("tracker:api-project-list"), all_filters(ledger), LIST_LIMIT),
        (
            "api detail",
            reverse("tracker:api-project-detail", args=["JZ-2020-0001"]),
            {},
            LIST_LIMIT,
        ),
        ("api events", reverse("tracker:api-event-list"), {}, LIST_LIMIT),
        ("api partners", reverse("tracker:api-partner-list"), {}, LIST_LIMIT),
    ]


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_every_page_stays_within_its_query_budget(
    client, ledger, warm, django_assert_max_num_queries
):
    for label, url, params, limit in pages(ledger):
        stats.clear()
        if warm:
            client.get(url, params)
        else:
            limit += SHARED_STORES
        with django_assert_max_num_queries(limit, info=label):
            response = client.get(url, params)
        assert response.status_code in (200, 400, 404), label


def test_list_with_every_filter_runs_five_queries(client, ledger, django_assert_num_queries):
    params = all_filters(ledger)
    url = reverse("tracker:project_list")
    assert client.get(url, params).context["totals"]["count"] == 1
    # the data fingerprint (the ETag), the event, the partner, the totals, the rows; the
    # regions and industries of the dropdowns are this process's while the data holds
    for _ in range(2):
        with django_assert_num_queries(5):
            client.get(url, params)


def test_the_dropdowns_offer_a_region_or_industry_added_since_the_last_page(client, ledger):
    url = reverse("tracker:project_list")
    client.get(url)
    make.region("新设示范园区", slug="new-demo-park")
    make.industry("新兴产业", slug="new-industry")
    page = client.get(url).content.decode()
    assert 'value="new-demo-park"' in page and 'value="new-industry"' in page
    assert client.get(url, {"region": "new-demo-park"}).status_code == 200


def test_overview_once_computed_costs_one_query_for_the_data_fingerprint(
    client, ledger, django_assert_num_queries
):
    client.get(reverse("tracker:overview"))
    with django_assert_num_queries(1):
        client.get(reverse("tracker:overview"))


def test_overview_reflects_a_change_at_once(client, ledger):
    before = client.get(reverse("tracker:overview")).context["totals"]["count"]
    make.project(region=ledger.jiefang)
    assert client.get(reverse("tracker:overview")).context["totals"]["count"] == before + 1


def test_overview_reflects_a_bulk_update_that_sends_no_signal(client, ledger):
    before = client.get(reverse("tracker:overview")).context["totals"]["count"]
    project = Project.objects.get(pk=ledger.classroom.pk)
    project.is_public = False
    # bulk_update sends no post_save; the history row it records moves the fingerprint
    bulk_update_with_history([project], Project, ["is_public"])
    assert client.get(reverse("tracker:overview")).context["totals"]["count"] == before - 1


def test_project_detail_runs_five_queries(client, ledger, django_assert_num_queries):
    # the data fingerprint (the ETag); the project with its region, industry and event;
    # its partners; its sources; its stage timeline
    with django_assert_num_queries(5):
        client.get(ledger.classroom.get_absolute_url())


def test_a_broad_selection_once_counted_is_not_counted_again(client, ledger):
    url, params = reverse("tracker:project_list"), {"region": "jiefang", "stage": "signed"}
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).context["totals"]["count"] > 0
    # the data fingerprint, the rows: no second pass over the matches (and the dropdowns'
    # regions and industries are this process's while the data holds)
    assert len(queries) == 2
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]


def test_a_search_is_counted_afresh_each_time(client, ledger):
    url, params = reverse("tracker:project_list"), {"q": "智慧"}
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        # The totals; a common-term probe (remembered per term) may come first, once.
        assert len([q for q in queries if '"disclosed_total"' in q["sql"]]) == 1


def test_remembered_totals_of_a_selection_follow_a_change_at_once(client, ledger):
    url, params = reverse("tracker:project_list"), {"region": "jiefang"}
    before = client.get(url, params).context["totals"]
    make.project(region=ledger.jiefang, investment=250)
    after = client.get(url, params).context["totals"]
    assert after["count"] == before["count"] + 1
    assert after["disclosed_total"] == (before["disclosed_total"] or 0) + 250


def test_remembered_api_totals_follow_a_change_at_once(client, ledger):
    url, params = reverse("tracker:api-project-list"), {"stage": "signed"}
    before = client.get(url, params).json()
    make.project(region=ledger.jiefang, stage=Stage.SIGNED)
    after = client.get(url, params).json()
    assert after["count"] == before["count"] + 1
    assert after["undisclosed_count"] == before["undisclosed_count"] + 1


def test_stage_and_status_filters_need_no_distinct(ledger):
    filterset = ProjectFilterSet(
        {"stage": ["signed", "lead"], "status": ["on_track"]},
        queryset=Project.objects.public(),
    )
    # DISTINCT over whole rows made the database sort every match at 100,000 projects
    assert "DISTINCT" not in str(filterset.qs.query)
    assert len(filterset.qs) == filterset.qs.count()
