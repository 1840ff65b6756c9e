"""Numbers as people write them: 万亿 and trillion, grouped counts, plurals, empty results."""

from decimal import Decimal

import pytest
from django.utils import translation

from tracker.formatting import format_amount, format_count
from tracker.templatetags.tracker import totals_sentence


@pytest.mark.parametrize(
    ("wan", "chinese", "english"),
    [
        ("14161809700", "141.618097万亿元", "141.618097 trillion yuan"),
        ("100000000", "1万亿元", "1 trillion yuan"),
        ("99999999", "9999.9999亿元", "999.99999 billion yuan"),
        ("1420000", "142亿元", "14.2 billion yuan"),
        ("1000", "1000万元", "10 million yuan"),
    ],
)
def test_amounts_above_one_wan_yi_read_in_wan_yi_and_trillions(wan, chinese, english):
    with translation.override("zh-hans"):
        assert format_amount(Decimal(wan)) == chinese
    with translation.override("en"):
        assert format_amount(Decimal(wan)) == english


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_counts_are_grouped_the_same_in_both_languages(language):
    with translation.override(language):
        assert format_count(95192) == "95,192"
        assert format_count(999) == "999"
        html = totals_sentence({"count": 95192, "disclosed_total": None, "undisclosed": 95192})
        assert "<strong>95,192</strong>" in html


def test_one_project_is_singular_in_english_and_two_are_plural():
    with translation.override("en"):
        one = totals_sentence({"count": 1, "disclosed_total": Decimal(5000), "undisclosed": 0})
        two = totals_sentence({"count": 2, "disclosed_total": Decimal(5000), "undisclosed": 0})
        none = totals_sentence({"count": 1, "disclosed_total": None, "undisclosed": 1})
    assert "<strong>1</strong> project; disclosed investment" in one
    assert "projects" not in one and "totals" not in one
    assert "<strong>2</strong> projects; disclosed investment totals" in two
    assert none == "<strong>1</strong> project, its investment undisclosed."


@pytest.mark.parametrize(
    ("language", "reads"), [("zh-hans", "没有符合条件的项目。"), ("en", "No projects match.")]
)
def test_no_result_is_said_plainly_not_as_zero_undisclosed(language, reads):
    with translation.override(language):
        sentence = totals_sentence({"count": 0, "disclosed_total": None, "undisclosed": 0})
    assert sentence == reads
    assert "0" not in sentence
