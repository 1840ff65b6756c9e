"""The counting rules of tracker.scorecard: one project, one count, disclosed amounts only."""

from datetime import date
from decimal import Decimal as D

import pytest

from tests.factories import make_project
from tracker import scorecard
from tracker.models import Project
from tracker.scorecard import Period

from .builders import funds, moved, signed, target

pytestmark = pytest.mark.django_db

YEAR = Period(2026)


def card_of(result, region):
    return next(c for c in result.districts if c.region_id == region.pk)


def behind(figure, period=YEAR, region=None):
    qs = Project.objects.all() if region is None else Project.objects.in_region(region)
    return set(scorecard.projects_behind(qs, period, figure).values_list("code", flat=True))


def test_tiers_count_at_or_above_each_boundary_and_10000_wan_is_one_yi(world):
    for amount in (9999, 10000, 49999, 50000, 100000, 199999, 200000, None):
        signed(world, world.jiefang, amount)
    card = card_of(scorecard.district_scorecard(YEAR), world.jiefang)
    assert card.counts["tier_1_count"] == 6  # 10000 and up
    assert card.counts["tier_5_count"] == 4  # 50000 and up
    assert card.counts["tier_10_count"] == 3
    assert card.counts["tier_20_count"] == 1
    assert card.counts["signed_count"] == 8


def test_undisclosed_amounts_are_counted_apart_never_as_zero(world):
    signed(world, world.jiefang, None)
    signed(world, world.jiefang, None)
    only_undisclosed = card_of(scorecard.district_scorecard(YEAR), world.jiefang)
    assert only_undisclosed.counts["signed_count"] == 2
    assert only_undisclosed.counts["undisclosed"] == 2
    assert only_undisclosed.signed_amount is None  # no disclosed amount: no sum, not 0
    signed(world, world.jiefang, 30000)
    card = card_of(scorecard.district_scorecard(YEAR), world.jiefang)
    assert card.signed_amount == D(30000)
    assert card.counts["signed_amount"] == 1 and card.counts["undisclosed"] == 2


def test_a_park_counts_for_its_district_and_the_period_ends_with_its_month(world):
    signed(world, world.park, 1000, on=date(2026, 2, 28))
    signed(world, world.jiefang, 1000, on=date(2026, 3, 1))
    signed(world, world.jiefang, 1000, on=date(2025, 12, 31))  # last year
    february = card_of(scorecard.district_scorecard(Period(2026, 2)), world.jiefang)
    assert february.counts["signed_count"] == 1
    assert card_of(scorecard.district_scorecard(YEAR), world.jiefang).counts["signed_count"] == 2
    assert not [
        c for c in scorecard.district_scorecard(YEAR).districts if c.region_id == world.park.pk
    ]


def test_the_signing_date_falls_back_to_the_first_change_into_signed(world):
    project = signed(world, world.jiefang, 1000, on=None)
    moved(project, "signed", date(2026, 4, 2))
    assert behind("signed_count") == {project.code}


def test_started_and_operating_come_from_the_timeline_in_the_period(world):
    a = moved(
        signed(world, world.jiefang, 1000, on=date(2025, 6, 1)), "construction", date(2026, 1, 5)
    )
    b = moved(signed(world, world.jiefang, 1000), "construction", date(2026, 5, 1))
    moved(b, "operating", date(2026, 11, 1))
    c = signed(world, world.jiefang, 1000, stage="construction", started_on=date(2026, 2, 1))
    signed(world, world.jiefang, 1000)  # signed, not started
    # Straight from 已签约 to 已投产: it started then too.
    d = moved(signed(world, world.jiefang, 1000), "operating", date(2026, 7, 1))
    june = Period(2026, 6)
    assert behind("started_count", june) == {a.code, b.code, c.code}
    assert behind("started_count") == {a.code, b.code, c.code, d.code}
    assert behind("operating_count") == {b.code, d.code}
    card = card_of(scorecard.district_scorecard(YEAR), world.jiefang)
    # 开工率 / 投产率: of the 4 signed in 2026 (b, c, the unstarted one, d): 3 started, 2 operating.
    assert card.counts["signed_count"] == 4
    assert card.start_rate == D(3) / 4
    assert card.operation_rate == D(2) / 4
    assert card_of(scorecard.district_scorecard(Period(2027)), world.jiefang).start_rate is None


def test_funds_are_summed_in_the_period_and_the_rate_needs_a_disclosed_total(world):
    disclosed = signed(world, world.jiefang, 10000)
    hidden = signed(world, world.jiefang, None)
    funds(disclosed, date(2025, 12, 1), 1000)  # before the year: in the rate, not the year's sum
    funds(disclosed, date(2026, 2, 1), 1500)
    funds(disclosed, date(2026, 2, 1), 500, origin="foreign")
    funds(hidden, date(2026, 3, 1), 700)
    card = card_of(scorecard.district_scorecard(YEAR), world.jiefang)
    assert card.funds_amount == D(2700)
    assert card.counts["funds_amount"] == 2
    # Only the disclosed project is in the rate: (1000 + 1500 + 500) ÷ 10000.
    assert card.funds_rate == D("0.3")
    assert behind("funds_rate") == {disclosed.code}
    assert scorecard.funds_rate(D(700), None) is None


def test_without_any_disclosed_investment_the_funds_rate_is_none(world):
    hidden = signed(world, world.jiefang, None)
    funds(hidden, date(2026, 3, 1), 700)
    card = card_of(scorecard.district_scorecard(YEAR), world.jiefang)
    assert card.funds_amount == D(700)
    assert card.funds_rate is None


def test_per_project_cumulative_funds_and_rate(world):
    project = signed(world, world.jiefang, 20000)
    funds(project, date(2026, 1, 1), 1000)
    funds(project, date(2026, 8, 1), 3000)
    row = scorecard.with_funds(Project.objects.filter(pk=project.pk)).get()
    assert row.funds_total == D(4000)
    assert scorecard.funds_rate(row.funds_total, row.investment) == D("0.2")
    up_to_june = scorecard.with_funds(Project.objects.all(), up_to=date(2026, 6, 30)).get()
    assert up_to_june.funds_total == D(1000)
    nothing = scorecard.with_funds(Project.objects.filter(pk=signed(world, world.jiefang, 5).pk))
    assert nothing.get().funds_total is None


def test_a_project_counts_once_whatever_events_declared(world):
    """不重复统计: the district counts projects, each once, never the events' declared totals."""
    other_fair = world.fair.__class__.objects.create(
        name="第二届洽谈会", slug="second-fair", kind="fair", declared_signed_count=30
    )
    world.fair.declared_signed_count = 14
    world.fair.save()
    first = signed(world, world.jiefang, 10000, event=world.fair)
    signed(world, world.jiefang, 10000, event=other_fair)
    signed(world, world.shanyang, 10000, event=other_fair)
    result = scorecard.district_scorecard(YEAR)
    assert result.total.counts["signed_count"] == 3
    cards = {c.event.slug: c for c in scorecard.event_followthrough()}
    assert cards["2020-fair"].itemised == 1 and cards["second-fair"].itemised == 2
    assert sum(c.itemised for c in cards.values()) == Project.objects.exclude(event=None).count()
    # Shown again at the second event: the project moves, it is not counted twice.
    first.event = other_fair
    first.save()
    cards = {c.event.slug: c for c in scorecard.event_followthrough()}
    assert cards["2020-fair"].itemised == 0 and cards["second-fair"].itemised == 3
    assert scorecard.district_scorecard(YEAR).total.counts["signed_count"] == 3


def test_event_follow_through_counts_the_itemised_signings(world):
    fair = world.fair
    started = moved(
        signed(world, world.jiefang, 20000, event=fair), "construction", date(2026, 4, 1)
    )
    operating = moved(signed(world, world.jiefang, None, event=fair), "operating", date(2026, 5, 1))
    funded = signed(world, world.shanyang, 10000, event=fair)
    signed(world, world.shanyang, 30000, event=fair)
    make_project(world, code="JZ-LEAD-1", stage="negotiating", investment=None, event=fair)
    funds(started, date(2026, 4, 1), 2000)
    funds(funded, date(2026, 6, 1), 1000)
    funds(operating, date(2026, 6, 1), 500)  # no disclosed total: in the sum, not the rate
    card = scorecard.event_followthrough([fair])[0]
    assert (card.itemised, card.signed, card.undisclosed) == (5, 4, 2)
    assert card.itemised_amount == D(60000)
    assert (card.started, card.operating, card.with_funds) == (2, 1, 3)
    assert card.funds == D(3500)
    assert card.performing == 3  # started, operating, funded
    assert card.performance_rate == D(3) / 4
    assert card.start_rate == D(2) / 4
    assert card.operation_rate == D(1) / 4
    assert card.funds_rate == D(3000) / D(30000)
    expected = {started.code, funded.code}
    assert (
        set(
            scorecard.event_projects_behind(
                Project.objects.filter(event=fair), "funds_rate"
            ).values_list("code", flat=True)
        )
        == expected
    )


def test_target_progress_is_actual_against_the_district_target(world):
    target(world.jiefang, signed_count=4, signed_amount=D(100000), funds_amount=None)
    for amount in (10000, 20000, None):
        signed(world, world.jiefang, amount)
    card = card_of(scorecard.district_scorecard(YEAR), world.jiefang)
    progress = card.progress()
    assert progress["signed_count"] == (3, 4)
    assert progress["signed_amount"] == (D(30000), D(100000))
    assert progress["funds_amount"] == (0, None)
    ranked = {r.key: r for r in scorecard.district_scorecard(YEAR).ranked}
    assert ranked[world.jiefang.pk].rates == {"signed_count": D("0.75"), "signed_amount": D("0.3")}
    assert ranked[world.shanyang.pk].total is None  # no target, no place


def test_a_target_of_another_year_is_not_this_years(world):
    target(world.jiefang, year=2025, signed_count=4)
    assert card_of(scorecard.district_scorecard(YEAR), world.jiefang).target is None


def test_period_parse_and_key():
    assert Period.parse("2026") == Period(2026, 12)
    assert Period.parse("2026-06") == Period(2026, 6)
    assert Period(2026, 6).key == "2026-06" and Period(2026).key == "2026"
    assert Period(2026, 2).end == date(2026, 2, 28)
    assert Period.parse("2026-13") is None and Period.parse("x") is None


def test_a_single_month_period_counts_that_month_only_and_round_trips_its_key(world):
    march = Period.single(2026, 3)
    assert (march.start, march.end) == (date(2026, 3, 1), date(2026, 3, 31))
    assert Period.parse(march.key) == march and march.key == "2026-03~03"
    assert Period.parse("2026-05~03") is None  # a period cannot end before it starts
    signed(world, world.jiefang, 1000, on=date(2026, 2, 28))
    signed(world, world.jiefang, None, on=date(2026, 3, 1))
    card = card_of(scorecard.district_scorecard(march), world.jiefang)
    assert card.counts["signed_count"] == 1 and card.signed_amount is None
    assert card.unknown["signed_count"] == 1
    assert behind("signed_count", march) == {
        p.code for p in Project.objects.filter(investment=None)
    }


def test_started_and_operating_amounts_are_disclosed_sums_with_the_rest_counted_apart(world):
    moved(signed(world, world.jiefang, 4000), "construction", date(2026, 4, 1))
    moved(signed(world, world.jiefang, None), "operating", date(2026, 5, 1))
    card = card_of(scorecard.district_scorecard(YEAR), world.jiefang)
    assert card.counts["started_count"] == 2  # straight to 已投产 has started too
    assert card.amounts["started_count"] == D(4000) and card.unknown["started_count"] == 1
    assert "operating_count" not in card.amounts and card.unknown["operating_count"] == 1
