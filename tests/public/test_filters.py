"""/projects/: every filter, the totals above the table, and bad input answered clearly."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tests import factories as make
from tracker.choices import RegionKind, Stage
from tracker.views import MAX_OFFSET, PAGE_SIZE

pytestmark = pytest.mark.django_db
URL = "/projects/"


@pytest.fixture
def ledger():
    return make.build_ledger()


def codes(client, params=None) -> list[str]:
    response = client.get(URL, params or {})
    assert response.status_code == 200, response.content.decode()[:500]
    return sorted(p.code for p in response.context["rows"])


def test_list_url_is_projects():
    assert reverse("tracker:project_list") == URL


def test_unfiltered_list_shows_every_public_project_newest_code_first(client, ledger):
    response = client.get(URL)
    assert [p.code for p in response.context["rows"]] == [
        "JZ-2021-0004",
        "JZ-2021-0002",
        "JZ-2020-0003",
        "JZ-2020-0001",
        "JZ-2019-0005",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("JZ-2021-0002", ["JZ-2021-0002"]),  # code
        ("碳纤维", ["JZ-2021-0002"]),  # name
        ("智慧教室设备", ["JZ-2020-0001"]),  # name and summary
        ("生产线。", ["JZ-2020-0001"]),  # summary only
        ("腾讯", ["JZ-2020-0001"]),  # a partner's short name
        ("河南理工", ["JZ-2020-0001", "JZ-2021-0002"]),  # a partner's name
        ("深圳市腾讯计算机 系统", ["JZ-2020-0001"]),  # spacing does not matter for partner names
        ("没有这个词", []),
    ],
)
def test_q_searches_code_name_summary_and_partner_names(client, ledger, query, expected):
    assert codes(client, {"q": query}) == expected


def test_region_filter_includes_the_regions_parks(client, ledger):
    assert codes(client, {"region": "jiefang"}) == ["JZ-2019-0005", "JZ-2020-0001", "JZ-2021-0002"]
    assert codes(client, {"region": "5g-park"}) == ["JZ-2019-0005", "JZ-2020-0001"]
    assert len(codes(client, {"region": "jiaozuo"})) == 5


def test_region_dropdown_lists_the_tree_indented(client, ledger):
    form = client.get(URL).context["filter"].form
    labels = [label for value, label in form.fields["region"].choices if value]
    assert labels == ["焦作市", "\u3000山阳区", "\u3000解放区", "\u3000\u30005G产业园"]


def test_industry_filter_takes_a_slug(client, ledger):
    assert codes(client, {"industry": "new-materials"}) == ["JZ-2019-0005", "JZ-2021-0002"]


def test_stage_and_status_filters_are_repeatable(client, ledger):
    assert codes(client, {"stage": ["signed", "operating"]}) == ["JZ-2019-0005", "JZ-2020-0001"]
    assert codes(client, {"status": "delayed"}) == ["JZ-2021-0004"]
    assert codes(client, {"status": ["delayed", "on_track"], "stage": "lead"}) == ["JZ-2021-0004"]


def test_event_filter_takes_a_slug_and_names_the_event(client, ledger):
    response = client.get(URL, {"event": "edu-signing"})
    assert sorted(p.code for p in response.context["rows"]) == ["JZ-2020-0001", "JZ-2020-0003"]
    assert response.context["active_event"] == ledger.fair
    assert "教育装备产业专题招商推介暨项目签约活动" in response.content.decode()


def test_partner_filter_takes_an_id_and_names_the_partner(client, ledger):
    response = client.get(URL, {"partner": ledger.hpu.pk})
    assert sorted(p.code for p in response.context["rows"]) == ["JZ-2020-0001", "JZ-2021-0002"]
    assert response.context["active_partner"] == ledger.hpu


def test_partner_filter_is_a_chip_not_a_dropdown_of_every_partner(client, ledger):
    page = client.get(URL).content.decode()
    assert 'type="hidden" name="partner"' in page
    assert "深圳市腾讯计算机系统有限公司" not in page


def test_year_filter_is_the_signing_year(client, ledger):
    assert codes(client, {"year": 2021}) == ["JZ-2021-0002"]
    assert codes(client, {"year": 2019}) == ["JZ-2019-0005"]


def test_amount_filters_are_in_wan_and_inclusive(client, ledger):
    assert codes(client, {"amount_min": 10000}) == ["JZ-2020-0001", "JZ-2021-0002"]
    assert codes(client, {"amount_max": 10000}) == ["JZ-2019-0005", "JZ-2021-0002"]
    assert codes(client, {"amount_min": "1000", "amount_max": "10000.5"}) == [
        "JZ-2019-0005",
        "JZ-2021-0002",
    ]


@pytest.mark.parametrize(
    ("ordering", "first", "last"),
    [
        ("name", "JZ-2021-0004", "JZ-2019-0005"),  # code point order: 区… before 轮…
        ("-name", "JZ-2019-0005", "JZ-2021-0004"),
        ("-amount", "JZ-2020-0001", "JZ-2020-0003"),  # undisclosed last either way
        ("amount", "JZ-2019-0005", "JZ-2021-0004"),  # ties break on creation order
        ("-signed_on", "JZ-2021-0002", "JZ-2020-0003"),  # unsigned last either way
        ("signed_on", "JZ-2019-0005", "JZ-2021-0004"),
    ],
)
def test_ordering_puts_missing_values_last(client, ledger, ordering, first, last):
    rows = client.get(URL, {"ordering": ordering}).context["rows"]
    assert (rows[0].code, rows[-1].code) == (first, last)


def test_filters_combine(client, ledger):
    params = {
        "region": "jiefang",
        "stage": "signed",
        "year": 2020,
        "industry": "education-equipment",
    }
    assert codes(client, params) == ["JZ-2020-0001"]


def test_totals_above_the_table_cover_the_whole_selection(client, ledger):
    response = client.get(URL, {"industry": "education-equipment"})
    assert response.context["totals"] == {
        "count": 2,
        "disclosed_total": Decimal("105000"),
        "undisclosed": 1,
    }
    page = response.content.decode()
    assert "共 <strong>2</strong> 个项目" in page
    assert "10.5亿元" in page
    assert "其中 1 个项目未披露投资额" in page


def test_totals_span_every_page_not_just_the_one_shown(client, db):
    place = make.region()
    for i in range(PAGE_SIZE + 5):
        make.project(region=place, investment=100 if i % 2 else None)
    response = client.get(URL, {"page": 2})
    assert len(response.context["rows"]) == 5
    assert response.context["totals"]["count"] == PAGE_SIZE + 5
    assert response.context["totals"]["undisclosed"] == 13
    assert response.context["totals"]["disclosed_total"] == Decimal(1200)


def test_a_selection_with_nothing_disclosed_says_so(client, ledger):
    page = client.get(URL, {"stage": "negotiating"}).content.decode()
    assert "均未披露投资额" in page


def test_filters_keep_their_values_in_the_form(client, ledger):
    params = {"q": "教育", "region": "jiefang", "stage": ["signed", "lead"], "year": "2020"}
    page = client.get(URL, params).content.decode()
    assert 'value="教育"' in page
    assert '<option value="jiefang" selected>' in page
    assert 'value="signed" id="id_stage_4" checked' in page
    assert 'value="lead" id="id_stage_0" checked' in page
    assert 'value="2020"' in page


def test_sort_links_keep_the_filters_and_reset_the_page(client, ledger):
    page = client.get(URL, {"region": "jiefang", "page": 1}).content.decode()
    assert 'href="?region=jiefang&amp;ordering=-amount"' in page


def test_an_empty_result_says_so(client, ledger):
    response = client.get(URL, {"q": "没有这个词"})
    assert response.status_code == 200
    assert "没有符合条件的项目" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"region": "nowhere"}, "区域"),
        ({"industry": "nothing"}, "产业类别"),
        ({"event": "no-such-event"}, "签约活动"),
        ({"partner": "999999"}, "合作方"),
        ({"partner": "abc"}, "合作方"),
        ({"stage": "finished"}, "项目阶段"),
        ({"amount_min": "abc"}, "投资额不低于"),
        ({"amount_max": "1e400"}, "投资额不高于"),
        ({"amount_min": "-5"}, "投资额不低于"),
        ({"year": "twenty"}, "签约年份"),
        ({"year": "99999"}, "签约年份"),
        ({"ordering": "leader"}, "排序"),
        ({"q": "x" * 101}, "关键词"),
    ],
)
def test_bad_input_is_answered_with_a_clear_message(client, ledger, params, message):
    response = client.get(URL, params)
    assert response.status_code == 400
    page = response.content.decode()
    assert "筛选条件有误" in page
    assert f"<li>{message}" in page
    assert response.context["rows"] == []


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("99999999999999999999", "没有第 99999999999999999999 页"),
        ("0", "没有第 0 页"),
        ("abc", "页码应为正整数"),
    ],
)
def test_a_page_that_does_not_exist_is_answered_with_a_message(client, ledger, page, message):
    response = client.get(URL, {"page": page})
    assert response.status_code == 404
    assert message in response.content.decode()


def test_pages_stop_before_a_deep_offset(client, db, monkeypatch):
    monkeypatch.setattr("tracker.views.MAX_OFFSET", 2 * PAGE_SIZE)
    place = make.region()
    for _ in range(3 * PAGE_SIZE):
        make.project(region=place)
    response = client.get(URL, {"page": 3})
    assert response.status_code == 404
    assert "列表最多翻到第 2 页" in response.content.decode()
    assert 'href="?page=3"' not in client.get(URL, {"page": 2}).content.decode()


def test_the_depth_limit_allows_a_hundred_pages():
    assert MAX_OFFSET // PAGE_SIZE >= 100


def test_pagination_links_keep_the_filters(client, db):
    place = make.region(slug="far")
    for _ in range(PAGE_SIZE + 1):
        make.project(region=place, stage=Stage.LEAD)
    page = client.get(URL, {"region": "far", "stage": "lead"}).content.decode()
    assert 'href="?region=far&amp;stage=lead&amp;page=2"' in page


def test_region_filter_with_a_deep_tree(client, db):
    city = make.region(kind=RegionKind.CITY, slug="c")
    zone = make.region(kind=RegionKind.ZONE, parent=city, slug="z")
    park = make.region(kind=RegionKind.PARK, parent=zone, slug="p")
    make.project(region=park, code="JZ-2020-0100", signed_on=date(2020, 1, 1))
    assert codes(client, {"region": "c"}) == ["JZ-2020-0100"]


@pytest.mark.parametrize(
    "ordering", ["", "name", "-name", "signed_on", "-signed_on", "amount", "-amount"]
)
def test_paging_through_any_ordering_shows_each_project_once_in_order(client, ledger, ordering):
    for i in range(2 * PAGE_SIZE + 3):
        make.project(
            f"分页项目{i % 7}",
            region=ledger.shanyang,
            investment=(i % 5) * 100 or None,
            signed_on=date(2020, 1 + i % 12, 1) if i % 3 else None,
        )
    params = {"ordering": ordering} if ordering else {}
    expected = [p.code for p in client.get(URL, params).context["filter"].qs]
    seen = []
    for page in (1, 2, 3):
        seen += [p.code for p in client.get(URL, {**params, "page": page}).context["rows"]]
    assert seen == expected
    assert len(expected) == 5 + 2 * PAGE_SIZE + 3
