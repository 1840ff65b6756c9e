"""Search at full size: a common term is read in the list's order and counted up to a limit.

The ledger here is small, so the thresholds are lowered to put it in the shape a
full ledger has (many matches); the answers must not change with the path taken.
"""

import pytest
from django.db import connection

from tests import factories as make
from tracker import search, stats
from tracker.models import Organization

pytestmark = pytest.mark.django_db
URL = "/projects/"


@pytest.fixture
def ledger():
    ledger = make.build_ledger()
    partner = Organization.objects.create(name="焦作教育科技有限公司", kind="enterprise")
    for n in range(12):
        project = make.project(
            f"教育装备产业园{n}期" if n % 3 else f"智能装备基地{n}",
            region=ledger.jiefang,
            code=f"JZ-2023-{n + 100:04d}",
        )
        if n % 2:
            make.add_partner(project, partner)
    return ledger


def listed(client, term, **params):
    response = client.get(URL, {"q": term, **params})
    assert response.status_code == 200
    return response.context


@pytest.mark.parametrize("term", ["教育", "装备", "教育科技", "基地", "有限公司"])
def test_a_common_term_finds_the_same_rows_in_the_same_order(client, ledger, term, monkeypatch):
    rare = listed(client, term)
    monkeypatch.setattr(search, "COMMON_CANDIDATES", 4)
    common = listed(client, term)
    if connection.vendor == "sqlite":
        assert search._common(term, lambda: search._candidates_sqlite(term))
    else:  # read in the list's order, partners checked row by row (a scalar subquery)
        assert "IS NOT NULL" in str(common["filter"].qs.query)
        assert "IS NOT NULL" not in str(rare["filter"].qs.query)
    assert [p.code for p in common["rows"]] == [p.code for p in rare["rows"]]
    assert common["totals"] == rare["totals"]
    assert rare["totals"]["count"] > 0


def test_a_search_past_the_limit_says_more_than_and_sums_nothing(client, ledger, monkeypatch):
    exact = listed(client, "装备")["totals"]
    assert exact["count"] > 3 and not exact.get("at_least")
    monkeypatch.setattr(stats, "SEARCH_COUNT_LIMIT", 3)
    totals = listed(client, "装备")["totals"]
    assert totals == {"count": 3, "at_least": True, "disclosed_total": None, "undisclosed": None}


def test_a_search_within_the_limit_is_counted_exactly(client, ledger, monkeypatch):
    exact = listed(client, "教育")["totals"]
    monkeypatch.setattr(stats, "SEARCH_COUNT_LIMIT", exact["count"])
    assert listed(client, "教育")["totals"] == exact


def test_an_unfiltered_partner_list_is_counted_once_for_every_process(client, ledger):
    first = client.get("/partners/").context["totals"]
    stats.forget_local()
    calls = []
    real = stats._run
    stats._run = lambda recipe: calls.append(recipe) or real(recipe)
    try:
        assert client.get("/partners/").context["totals"] == first
    finally:
        stats._run = real
    assert calls == []


def test_a_partner_search_past_the_limit_says_more_than(client, ledger, monkeypatch):
    monkeypatch.setattr(stats, "SEARCH_COUNT_LIMIT", 1)
    totals = client.get("/partners/", {"q": "有限公司"}).context["totals"]
    assert totals == {"count": 1, "at_least": True}


@pytest.mark.parametrize("term", ["教育", "科技", "有限公司", "大学"])
def test_a_common_partner_term_finds_the_same_partners_in_the_same_order(
    client, ledger, term, monkeypatch
):
    for n in range(6):
        partner = Organization.objects.create(name=f"焦作{n}号{term}服务中心", kind="enterprise")
        make.add_partner(make.project(f"服务项目{n}", region=ledger.jiefang), partner)
    rare = client.get("/partners/", {"q": term}).context
    monkeypatch.setattr(search, "COMMON_CANDIDATES", 4)
    stats.forget_local()  # the candidates counted above are remembered in this process
    common = client.get("/partners/", {"q": term}).context
    if connection.vendor == "sqlite":
        assert "CASE WHEN" in str(common["filter"].qs.query)  # read in the list's order
    assert [o.pk for o in common["rows"]] == [o.pk for o in rare["rows"]]
    assert [o.project_count for o in common["rows"]] == [o.project_count for o in rare["rows"]]
    assert common["totals"] == rare["totals"]
    assert rare["totals"]["count"] >= 6
