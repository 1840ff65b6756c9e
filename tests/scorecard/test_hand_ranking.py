"""A ranking recomputed by hand from the projects listed here (the worked example of
docs/workflow.md, "考核与排名"): every number below is written out, not computed by the code
under test."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from tracker import ranking, scorecard
from tracker.scorecard import Period

from .builders import district, signed, target

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_districts(world):
    macun = district(world, "马村区", "macun")
    # 解放区: 4 signed, 60,000 万元 disclosed (one undisclosed). Target 5 projects, 100,000.
    for amount in (10000, 20000, None, 30000):
        signed(world, world.jiefang, amount)
    target(world.jiefang, signed_count=5, signed_amount=D(100000))
    # 山阳区: 2 signed, 120,000 万元. Target 4 projects, 100,000.
    for amount in (50000, 70000):
        signed(world, world.shanyang, amount)
    target(world.shanyang, signed_count=4, signed_amount=D(100000))
    # 马村区: 3 signed, 30,000 万元. Target 3 projects, 60,000.
    for amount in (10000, 10000, 10000):
        signed(world, macun, amount)
    target(macun, signed_count=3, signed_amount=D(60000))
    return world, macun


def test_the_ranking_recomputed_by_hand(three_districts):
    world, macun = three_districts
    result = scorecard.district_scorecard(Period(2026))
    by_id = {r.key: r for r in result.ranked}
    jiefang, shanyang, macun_ = by_id[world.jiefang.pk], by_id[world.shanyang.pk], by_id[macun.pk]

    # 完成率: 签约项目数 4/5 = 0.8, 2/4 = 0.5, 3/3 = 1.0; 签约金额 0.6, 1.2, 0.5.
    assert (jiefang.rates["signed_count"], shanyang.rates["signed_count"]) == (D("0.8"), D("0.5"))
    assert macun_.rates["signed_count"] == 1
    assert jiefang.rates["signed_amount"] == D("0.6") and shanyang.rates["signed_amount"] == D(
        "1.2"
    )
    assert macun_.rates["signed_amount"] == D("0.5")

    # 单项得分, 签约项目数: min 0.5, max 1.0 → 60 + 40 × 0.3 / 0.5 = 84; 60; 100.
    assert jiefang.scores["signed_count"] == 84
    assert shanyang.scores["signed_count"] == 60
    assert macun_.scores["signed_count"] == 100
    # 签约金额: min 0.5, max 1.2 → 60 + 40 × 0.1 / 0.7 = 65.714…; 100; 60.
    assert round(jiefang.scores["signed_amount"], 4) == D("65.7143")
    assert shanyang.scores["signed_amount"] == 100
    assert macun_.scores["signed_amount"] == 60

    # 总分 = (0.15 × 签约项目数得分 + 0.20 × 签约金额得分) ÷ 0.35 (only these two have targets):
    # 解放区 (12.6 + 13.142857) ÷ 0.35 = 73.55; 山阳区 (9 + 20) ÷ 0.35 = 82.86;
    # 马村区 (15 + 12) ÷ 0.35 = 77.14.
    assert ranking.WEIGHTS["signed_count"] == D("0.15")
    assert ranking.WEIGHTS["signed_amount"] == D("0.20")
    assert round(jiefang.total, 2) == D("73.55")
    assert round(shanyang.total, 2) == D("82.86")
    assert round(macun_.total, 2) == D("77.14")
    assert [(r.key, r.place) for r in result.ranked[:3]] == [
        (world.shanyang.pk, 1),
        (macun.pk, 2),
        (world.jiefang.pk, 3),
    ]
    # 红黄绿灯 for the whole year: 0.8 黄, 0.5 红, 1.0 绿.
    assert ranking.grade(jiefang.rates["signed_count"]) == "yellow"
    assert ranking.grade(shanyang.rates["signed_count"]) == "red"
    assert ranking.grade(macun_.rates["signed_count"]) == "green"


def test_the_ranking_page_shows_the_hand_computed_totals_in_order(three_districts, staff):
    response = staff.get(reverse("admin:tracker_project_ranking"), {"year": 2026})
    assert response.status_code == 200
    places = [
        (row["place"], row["district"].name, round(row["total"], 2))
        for row in response.context["rows"][:3]
    ]
    assert places == [
        (1, "山阳区", D("82.86")),
        (2, "马村区", D("77.14")),
        (3, "解放区", D("73.55")),
    ]
    html = response.content.decode()
    assert "82.86" in html and "73.55" in html
    assert "60 + 40 × (x − 最小值) ÷ (最大值 − 最小值)" in html  # the formula on the page
