"""The overview's figures of change and /api/progress/: one rule, public projects only."""

import random
from datetime import date
from decimal import Decimal as D

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.scorecard.builders import district, funds, moved, signed
from tracker import schematic, scorecard, stats
from tracker.models import Project
from tracker.scorecard import Period

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(world):
    """Three years of signings in two districts, some started or operating, some internal."""
    rng = random.Random(15)
    macun = district(world, "马村区", "macun")
    for n in range(40):
        region = [world.jiefang, world.park, world.shanyang, macun][n % 4]
        amount = None if n % 5 == 0 else rng.randint(1, 300) * 100
        on = date(2024 + n % 3, 1 + n % 12, 1 + n % 27)
        project = signed(world, region, amount, on=on, is_public=n % 7 != 0)
        if n % 3 == 0:
            moved(project, "construction", date(on.year + (n % 2), 6, 1))
        if n % 6 == 0:
            moved(project, "operating", date(on.year + 1, 2, 1))
        if n % 4 == 1:
            funds(project, date(on.year, 12, 1), 100 + n)
    signed(world, world.jiefang, 500, on=None)  # signed, no date at all
    signed(world, world.jiefang, 700, on=date(2025, 5, 5), stage="negotiating")  # not signed
    return macun


def test_district_progress_counts_as_the_scorecard_does_over_public_projects(ledger, world):
    progress = {d["name"]: d for d in stats.overview()["progress"]}
    for year in (2024, 2025, 2026):
        card = scorecard.district_scorecard(Period(year), Project.objects.public())
        for row in card.districts:
            figures = progress[row.name]["years"].get(year)
            got = (
                figures
                and (
                    figures["signed_count"],
                    figures["signed_amount"],
                    figures["undisclosed"],
                    figures["started_count"],
                    figures["operating_count"],
                )
            ) or (0, None, 0, 0, 0)
            assert got == (
                row.counts["signed_count"],
                row.signed_amount,
                row.counts["undisclosed"],
                row.counts["started_count"],
                row.counts["operating_count"],
            ), (row.name, year)


def test_cohorts_add_up_to_every_public_signing_and_count_what_they_became(ledger):
    cohorts = {c["year"]: c for c in stats.overview()["cohorts"]}
    public_signed = Project.objects.public().filter(stage__in=scorecard.SIGNED_STAGES)
    assert sum(c["signed"] for c in cohorts.values()) == public_signed.count()
    assert cohorts[None]["signed"] == 1  # the signing with no date is its own row
    in_2024 = public_signed.filter(signed_on__year=2024)
    assert cohorts[2024]["signed"] == in_2024.count()
    assert (
        cohorts[2024]["started"] == in_2024.filter(stage__in=["construction", "operating"]).count()
    )
    assert cohorts[2024]["operating"] == in_2024.filter(stage="operating").count()


def test_quarter_status_and_year_charts_each_add_up_to_the_public_count(ledger):
    overview = stats.overview()
    public = Project.objects.public().count()
    for chart in ("by_year", "by_status", "by_stage"):
        assert sum(bar.count for bar in overview[chart]) == public, chart
    quarters = overview["by_quarter"] + overview["quarter_rest"]
    assert sum(bar.count for bar in quarters) == public
    keys = [bar.key for bar in overview["by_quarter"]]
    assert len(keys) == 12 and keys[-1] == "2026q4" and keys[0] == "2024q1"
    assert [bar.key for bar in overview["quarter_rest"]] == ["undated"]  # nothing earlier
    q1 = next(bar for bar in overview["by_quarter"] if bar.key == "2025q1")
    assert (
        q1.count
        == Project.objects.public().filter(signed_on__year=2025, signed_on__month__lte=3).count()
    )


def test_the_largest_projects_are_disclosed_ones_biggest_first(ledger):
    largest = stats.overview()["largest"]
    amounts = [p.investment for p in largest]
    assert None not in amounts and amounts == sorted(amounts, reverse=True)
    assert amounts[0] == max(
        Project.objects.public().values_list("investment", flat=True).exclude(investment=None)
    )
    assert all(p.is_public for p in largest)


def test_the_schematic_places_every_district_once_and_the_city_row_nowhere(ledger, world):
    bars = stats.overview()["by_district"]
    extra = [type(bars[0])(label=name, count=1, amount=None, key=name) for name in ("甲区", "乙区")]
    city = type(bars[0])(label="市级", count=3, amount=None, key="city")
    drawn = schematic.tiles([*bars, *extra, city])
    places = [(t.column, t.row) for t in drawn.tiles]
    assert len(places) == len(set(places)) == len(bars) + 2
    assert {str(t.bar.label) for t in drawn.tiles} == {str(b.label) for b in bars} | {
        "甲区",
        "乙区",
    }
    assert min(t.column for t in drawn.tiles) == 0 and min(t.row for t in drawn.tiles) == 0
    assert all(0 <= t.shade < schematic.SHADES for t in drawn.tiles)


def test_the_api_gives_progress_without_funds_by_default(client, ledger):
    body = client.get(reverse("tracker:api-progress")).json()
    assert body["funds_published"] is False
    names = [d["name"] for d in body["results"]]
    assert "马村区" in names and "解放区" in names
    years = [y for d in body["results"] for y in d["years"]]
    assert years and not any("funds_amount" in y for y in years)
    assert "funds" not in str(body["cohorts"])
    total = sum(y["signed_count"] for y in years)
    dated = Project.objects.public().filter(stage__in=scorecard.SIGNED_STAGES)
    assert total == dated.exclude(signed_on=None).count()


@override_settings(FUNDS_PUBLIC_AGGREGATE=True)
def test_published_funds_are_per_district_and_year_over_public_projects_only(client, ledger, world):
    stats.clear()
    body = client.get(reverse("tracker:api-progress")).json()
    assert body["funds_published"] is True
    jiefang = next(d for d in body["results"] if d["name"] == "解放区")
    expected = sum(
        (
            f.amount
            for p in Project.objects.public().filter(region__in=[world.jiefang, world.park])
            for f in p.funds_arrivals.filter(month__year=2024)
        ),
        D(0),
    )
    assert expected > 0
    got = next(y for y in jiefang["years"] if y["year"] == 2024).get("funds_amount")
    assert D(got or 0) == expected
    assert "project" not in str(jiefang)


def test_the_progress_endpoint_costs_one_query_once_computed(
    client, ledger, django_assert_num_queries
):
    url = reverse("tracker:api-progress")
    client.get(url)
    with django_assert_num_queries(1):  # the data fingerprint (ETag, 数据截至)
        assert client.get(url).status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=client.get(url)["ETag"]).status_code == 304


def test_signings_before_the_last_twelve_quarters_are_one_earlier_bucket(ledger, world):
    signed(world, world.jiefang, 300, on=date(2020, 5, 1))
    signed(world, world.jiefang, None, on=date(2023, 12, 31))
    overview = stats.overview()
    earlier = overview["quarter_rest"][0]
    assert (earlier.key, earlier.count, earlier.amount) == ("earlier", 2, D(300))
    assert sum(b.count for b in overview["by_quarter"] + overview["quarter_rest"]) == (
        Project.objects.public().count()
    )


def test_a_cold_overview_and_progress_cost_the_same_queries_whatever_the_data(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cold(url):
        stats.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = [reverse("tracker:overview"), reverse("tracker:api-progress")]
    signed(world, world.jiefang, 100)
    small = [cold(url) for url in urls]
    for n in range(30):
        project = signed(world, [world.park, world.shanyang][n % 2], n * 10 or None)
        moved(project, "operating", date(2026, 5, 1))
        funds(project, date(2026, 5, 1), 10)
    assert [cold(url) for url in urls] == small
