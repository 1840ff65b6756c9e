"""The extractor on the five seed articles, against the fixtures (docs/press.md has the table)."""

import pytest
from django.conf import settings
from django.core.management import call_command

from tracker.press.recall import measure

# Per article: (projects, partner links, events) the extractor must keep finding. These
# are the counts measured when the extractor was written; a change that loses one fails.
FLOORS = {
    "000": (15, 14, 1),
    "001": (25, 20, 4),
    "002": (15, 13, 1),
    "003": (17, 4, 0),
    "004": (8, 5, 0),
}


@pytest.fixture(scope="module")
def results():
    return {r.file[:3]: r for r in measure(settings.BASE_DIR)}


@pytest.mark.parametrize("article", sorted(FLOORS))
def test_each_article_keeps_its_recall_of_projects_partners_and_events(results, article):
    r = results[article]
    found = (r.matched_projects, r.matched_partners, r.matched_events)
    assert all(a >= b for a, b in zip(found, FLOORS[article], strict=True)), (found, r.missed)


@pytest.mark.parametrize("article", sorted(FLOORS))
def test_no_proposed_amount_date_or_stage_is_one_the_fixtures_rules_reject(results, article):
    assert results[article].rejected == []


def test_every_stated_amount_and_event_total_is_proposed_as_the_fixtures_hold(results):
    agreed = "\n".join(line for r in results.values() for line in r.agreed)
    for expected in (
        "JZ-2020-0063 investment 105000",
        "JZ-2020-0070 investment 50000",
        "JZ-2020-0071 investment 50000",
        "JZ-2020-0081 investment_low 1000",
        "JZ-2020-0081 investment_high 10000",
        "JZ-2022-0006 investment 1000",
        "JZ-2022-0007 investment 200",
        "JZ-2022-0008 investment 100",
        "declared_signed_count 14",
        "declared_signed_investment 1420000",
        "declared_promoted_count 10",
        "declared_promoted_investment 11800000",
        "JZ-2020-0001 signed_on 2020-09-01（month）",
    ):
        assert expected in agreed


def test_proposals_without_a_fixture_counterpart_stay_few(results):
    proposed = sum(r.proposed_projects for r in results.values())
    unmatched = sum(len(r.unmatched) for r in results.values())
    assert unmatched <= 22, [u for r in results.values() for u in r.unmatched]
    assert proposed >= sum(r.matched_projects for r in results.values()) >= 80


def test_the_command_prints_the_table_with_totals(capsys):
    call_command("press_recall")
    out = capsys.readouterr().out
    assert "| 000 | 15/15 |" in out
    assert "| 合计 |" in out
