"""The read-only JSON API: the list's filters, amounts as strings in 万元, public data only."""

import json

import pytest
from django.urls import reverse

from tests import factories as make
from tracker.views import PAGE_SIZE

pytestmark = pytest.mark.django_db
PROJECTS = "/api/projects/"


@pytest.fixture
def ledger():
    return make.build_ledger()


def test_api_urls():
    assert reverse("tracker:api-project-list") == PROJECTS
    assert reverse("tracker:api-project-detail", args=["JZ-2020-0001"]) == (
        "/api/projects/JZ-2020-0001/"
    )
    assert reverse("tracker:api-event-list") == "/api/events/"
    assert reverse("tracker:api-partner-list") == "/api/partners/"


def test_project_list_is_paginated_with_count_next_previous_and_results(client, db):
    place = make.region()
    for _ in range(PAGE_SIZE + 3):
        make.project(region=place, investment=100)
    first = client.get(PROJECTS).json()
    assert list(first)[:3] == ["count", "next", "previous"]
    assert first["count"] == PAGE_SIZE + 3
    assert first["previous"] is None
    assert first["next"].endswith("/api/projects/?page=2")
    assert len(first["results"]) == PAGE_SIZE
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3
    assert second["next"] is None
    assert second["previous"].endswith("/api/projects/")


def test_page_size_can_grow_up_to_a_hundred(client, db):
    place = make.region()
    for _ in range(3):
        make.project(region=place)
    assert len(client.get(PROJECTS, {"page_size": 2}).json()["results"]) == 2
    assert len(client.get(PROJECTS, {"page_size": 1000}).json()["results"]) == 3


def test_amounts_are_strings_in_wan_and_null_when_undisclosed(client, ledger):
    results = {p["code"]: p for p in client.get(PROJECTS).json()["results"]}
    classroom = results["JZ-2020-0001"]
    assert (classroom["investment"], classroom["amount_display"]) == ("105000", "10.5亿元")
    centre = results["JZ-2021-0004"]
    assert (centre["investment"], centre["investment_low"], centre["investment_high"]) == (
        None,
        "1000",
        "10000",
    )
    assert results["JZ-2020-0003"]["investment"] is None
    assert results["JZ-2020-0003"]["amount_display"] == "未披露"


def test_project_list_gives_the_selections_totals(client, ledger):
    body = client.get(PROJECTS).json()
    assert (body["count"], body["disclosed_investment"], body["undisclosed_count"]) == (
        5,
        "116000",
        2,
    )


def test_project_list_takes_the_html_lists_filters(client, ledger):
    def codes(params):
        return sorted(p["code"] for p in client.get(PROJECTS, params).json()["results"])

    assert codes({"region": "jiefang"}) == ["JZ-2019-0005", "JZ-2020-0001", "JZ-2021-0002"]
    assert codes({"stage": ["lead", "negotiating"]}) == ["JZ-2020-0003", "JZ-2021-0004"]
    assert codes({"event": "edu-signing", "q": "智慧"}) == ["JZ-2020-0001"]
    assert codes({"partner": ledger.hpu.pk, "year": 2021}) == ["JZ-2021-0002"]
    assert codes({"amount_min": 5000, "industry": "new-materials"}) == ["JZ-2021-0002"]
    ordered = client.get(PROJECTS, {"ordering": "-amount"}).json()["results"]
    assert [p["code"] for p in ordered][:2] == ["JZ-2020-0001", "JZ-2021-0002"]


def test_bad_filters_are_a_400_naming_the_field(client, ledger):
    response = client.get(PROJECTS, {"region": "nowhere", "amount_max": "lots"})
    assert response.status_code == 400
    assert set(response.json()) == {"region", "amount_max"}


def test_pages_beyond_the_end_or_the_depth_limit_are_404_with_a_reason(client, ledger):
    response = client.get(PROJECTS, {"page": 99})
    assert response.status_code == 404
    assert "detail" in response.json()
    assert client.get(PROJECTS, {"page": "x"}).status_code == 404


def test_project_detail_adds_partners_and_sources(client, ledger):
    body = client.get(f"{PROJECTS}JZ-2020-0001/").json()
    assert body["region"] == {"slug": "5g-park", "name": "5G产业园", "kind": "park"}
    assert body["event"]["slug"] == "edu-signing"
    assert body["event"]["url"] == "http://testserver/events/edu-signing/"
    assert body["url"] == "http://testserver/projects/JZ-2020-0001/"
    assert [(p["organization"]["name"], p["role"]) for p in body["partners"]] == [
        ("深圳市腾讯计算机系统有限公司", "investor"),
        ("河南理工大学", "research_partner"),
    ]
    (source,) = body["sources"]
    assert source["title"] == "教育装备签约报道"
    assert source["quote"] == "智慧教室设备生产线项目总投资10.5亿元。"
    assert body["signed_on"] == "2020-10-12"


def test_event_api_keeps_declared_figures_apart_from_itemised_ones(client, ledger):
    (event,) = client.get("/api/events/").json()["results"]
    assert event["declared_signed_count"] == 14
    assert event["declared_signed_investment"] == "1420000"
    assert event["itemised_project_count"] == 2
    assert event["declared_promoted_investment"] is None


def test_partner_api_lists_public_partners_with_their_public_project_counts(client, ledger):
    body = client.get("/api/partners/").json()
    assert {(p["name"], p["public_project_count"]) for p in body["results"]} == {
        ("深圳市腾讯计算机系统有限公司", 1),
        ("河南理工大学", 2),
    }
    found = client.get("/api/partners/", {"q": "理工"}).json()["results"]
    assert [p["name"] for p in found] == ["河南理工大学"]


def test_regions_and_industries_list_the_filter_values(client, ledger):
    regions = client.get("/api/regions/").json()["results"]
    assert {r["slug"]: r["parent"] for r in regions}["5g-park"] == "jiefang"
    industries = client.get("/api/industries/").json()
    assert industries["count"] == 2
    assert {i["slug"] for i in industries["results"]} == {"education-equipment", "new-materials"}


def test_the_api_is_json_only_and_needs_no_login(client, ledger):
    response = client.get(PROJECTS, HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"
    assert client.post(PROJECTS, {}).status_code == 405
    assert client.get("/api/").json()["projects"] == "http://testserver/api/projects/"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_list_writes_each_project_as_the_serializers_fields_do(ledger, rf, language):
    from django.utils import translation

    from tracker import list_rows, selectors
    from tracker.api.serializers import ProjectSerializer

    make.project("区间金额项目", region=ledger.park, investment_low=1000, investment_high=10000)
    rows = list(selectors.project_list())
    assert any(p.event is None for p in rows) and any(p.event is not None for p in rows)
    assert any(p.industry is None for p in rows) and any(p.investment is None for p in rows)
    context = {"request": rf.get("/api/projects/")}
    with translation.override(language):
        fast = ProjectSerializer(rows, many=True, context=context).data
        # DRF's own path: every field's get_attribute and to_representation.
        slow = [ProjectSerializer(context=context).to_representation(p) for p in rows]
        # The API's page read as values (tracker.list_rows), as the list view reads it.
        values = list(list_rows.rows().filter(pk__in=[p.pk for p in rows]).order_by("-code"))
        plain = ProjectSerializer(values, many=True, context=context).data
    assert [list(row) for row in fast] == [list(row) for row in slow]  # same keys, same order
    assert json.dumps(fast, ensure_ascii=False) == json.dumps(slow, ensure_ascii=False)
    assert json.dumps(plain, ensure_ascii=False) == json.dumps(slow, ensure_ascii=False)
