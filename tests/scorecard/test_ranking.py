"""The 功效系数法 ranking and the 红黄绿灯 grades on plain numbers (tracker.ranking)."""

from decimal import Decimal as D

import pytest

from tracker import ranking

# The suite's autouse fixtures clear cached figures, which touches the database.
pytestmark = pytest.mark.django_db


def close(a, b, places=6):
    return abs(D(a) - D(b)) < D(10) ** -places


def test_single_score_is_60_plus_40_times_the_position_between_min_and_max():
    scores = ranking.efficacy_scores({"a": D("0.5"), "b": D("0.75"), "c": D("1.5")})
    assert scores == {"a": 60, "b": 70, "c": 100}


def test_all_equal_values_score_100_each_and_a_lone_district_scores_100():
    assert ranking.efficacy_scores({"a": D(1), "b": D(1)}) == {"a": 100, "b": 100}
    assert ranking.efficacy_scores({"a": D("0.2")}) == {"a": 100}
    assert ranking.efficacy_scores({}) == {}


def test_completion_needs_a_target_and_zero_is_no_target():
    assert ranking.completion(8, 10) == D("0.8")
    assert ranking.completion(None, 10) == 0
    assert ranking.completion(3, None) is None
    assert ranking.completion(3, 0) is None


@pytest.mark.parametrize(
    ("rate", "month", "expected"),
    [
        (D("1"), 12, "green"),
        (D("0.9999"), 12, "yellow"),
        (D("0.6"), 12, "yellow"),
        (D("0.5999"), 12, "red"),
        (D("0"), 12, "red"),
        (D("0.5"), 6, "green"),  # half the year gone, half the target done: on pace
        (D("0.3"), 6, "yellow"),  # 0.3 ÷ 0.5 = 60% of pace
        (D("0.29"), 6, "red"),
        (None, 12, None),
    ],
)
def test_grade_compares_completion_with_the_share_of_the_year_gone(rate, month, expected):
    assert ranking.grade(rate, month=month) == expected


def test_default_weights_add_up_to_one():
    assert sum(ranking.WEIGHTS.values()) == 1


def test_with_every_target_set_the_total_is_the_plain_weighted_sum():
    progress = {
        "a": {key: (10, 10) for key in ranking.INDICATORS},
        "b": {key: (5, 10) for key in ranking.INDICATORS},
    }
    progress["b"]["signed_count"] = (20, 10)  # b leads on one indicator only
    by_key = {r.key: r for r in ranking.rank(progress)}
    # signed_count: a 1.0, b 2.0 → a 60, b 100; every other indicator: a 100, b 60.
    w = ranking.WEIGHTS
    assert close(by_key["a"].total, w["signed_count"] * 60 + (1 - w["signed_count"]) * 100)
    assert close(by_key["b"].total, w["signed_count"] * 100 + (1 - w["signed_count"]) * 60)


def test_an_indicator_without_a_target_is_left_out_and_the_weights_rescaled():
    progress = {
        "a": {"signed_count": (5, 10), "funds_amount": (0, None)},
        "b": {"signed_count": (10, 10), "funds_amount": (0, None)},
    }
    by_key = {r.key: r for r in ranking.rank(progress)}
    assert by_key["a"].scores == {"signed_count": 60}
    assert by_key["a"].total == 60 and by_key["b"].total == 100


def test_equal_totals_share_a_place_and_unscored_districts_come_last_without_one():
    progress = {
        "a": {"signed_count": (5, 10)},
        "b": {"signed_count": (5, 10)},
        "none": {"signed_count": (7, None)},
        "c": {"signed_count": (1, 10)},
    }
    result = ranking.rank(progress)
    assert [(r.key, r.place) for r in result] == [("a", 1), ("b", 1), ("c", 3), ("none", None)]
    assert result[-1].total is None
