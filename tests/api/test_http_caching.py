"""API responses say how fresh they are (ETag, Last-Modified, 数据截至), under which licence,
answer 304 while unchanged, and let any web page read them (CORS on GET only)."""

from datetime import datetime

import pytest
from django.utils import translation
from django.utils.http import http_date

from tests import factories as make
from tracker.api.http import Freshness
from tracker.models import Project

pytestmark = pytest.mark.django_db
LISTS = ["/api/projects/", "/api/events/", "/api/partners/", "/api/regions/", "/api/industries/"]


@pytest.fixture
def ledger():
    return make.build_ledger()


def test_every_list_has_the_same_envelope_with_stamp_and_licence(client, ledger):
    for url in LISTS:
        body = client.get(url).json()
        assert list(body)[:5] == ["count", "next", "previous", "data_as_of", "license"]
        assert list(body)[-1] == "results"
        assert isinstance(body["results"], list), url
        assert body["count"] >= len(body["results"]) > 0, url
        assert body["data_as_of"].endswith("+08:00")  # 数据截至, in Beijing time
        assert body["license"] == {
            "name": "CC BY 4.0",
            "url": "https://creativecommons.org/licenses/by/4.0/",
        }


def test_regions_page_like_the_other_lists(client, ledger):
    first = client.get("/api/regions/", {"page_size": 1}).json()
    assert len(first["results"]) == 1
    assert first["next"].endswith("/api/regions/?page=2&page_size=1")


def test_a_page_size_that_is_not_a_positive_number_is_a_400(client, ledger):
    for value in ("0", "-3", "abc"):
        response = client.get("/api/projects/", {"page_size": value})
        assert response.status_code == 400, value
        assert "page_size" in response.json()


def test_data_responses_carry_validators_stamp_and_licence_link(client, ledger):
    for url in [*LISTS, f"/api/projects/{ledger.classroom.code}/"]:
        response = client.get(url)
        assert response["ETag"].startswith('"'), url
        as_of = datetime.fromisoformat(response["X-Data-As-Of"])
        assert response["Last-Modified"] == http_date(int(as_of.timestamp()))
        assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
        assert "no-cache" in response["Cache-Control"]


def test_if_none_match_is_a_304_until_the_data_changes(client, ledger):
    url = "/api/projects/"
    etag = client.get(url)["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"

    project = Project.objects.get(code=ledger.classroom.code)
    project.name = "改名后的项目"
    project.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "改名后的项目" in changed.content.decode()


def test_the_etag_differs_by_url_and_language(client, rf, ledger):
    tags = {client.get(url)["ETag"] for url in ["/api/projects/", "/api/projects/?page_size=5"]}
    assert len(tags) == 2
    request = rf.get("/api/projects/")
    by_language = set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            by_language.add(Freshness.of(request).etag)
    assert len(by_language) == 2


def test_if_modified_since_the_stamp_is_a_304(client, ledger):
    response = client.get("/api/events/")
    again = client.get("/api/events/", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304


def test_a_304_runs_no_query_but_the_fingerprint(client, ledger, django_assert_max_num_queries):
    url = "/api/projects/"
    etag = client.get(url)["ETag"]
    with django_assert_max_num_queries(1):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_get_head_and_preflight_allow_any_origin(client, ledger):
    for response in (
        client.get("/api/projects/", HTTP_ORIGIN="https://example.org"),
        client.head("/api/projects/"),
        client.get("/api/schema/"),
        client.get("/api/"),
        client.get("/api/projects/NO-SUCH/"),
    ):
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/projects/",
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight


def test_no_cors_on_writes_or_outside_the_api(client, admin_client, ledger):
    assert "Access-Control-Allow-Origin" not in client.post("/api/projects/", {})
    assert "Access-Control-Allow-Origin" not in client.get("/projects/")
    assert "Access-Control-Allow-Origin" not in admin_client.get("/admin/")
    assert "Access-Control-Allow-Origin" not in client.get("/admin/login/")


def test_conditions_other_than_our_etag_never_hide_an_error(client, ledger):
    stamp = client.get("/api/events/")["Last-Modified"]
    # An answer that is not a 200 stays what it is, whatever the request's conditions.
    assert client.get("/api/projects/NO-SUCH/", HTTP_IF_MODIFIED_SINCE=stamp).status_code == 404
    bad = client.get("/api/projects/", {"region": "nowhere"}, HTTP_IF_NONE_MATCH="*")
    assert bad.status_code == 400
    assert client.get("/api/projects/", HTTP_IF_NONE_MATCH="*").status_code == 304
    assert client.get("/api/projects/", HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_unknown_api_urls_are_json_404s(client, ledger):
    for url in ["/api/partners/0.5/", "/api/events/a.b/", "/api/nothing-here/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert "detail" in response.json()


def test_a_single_valued_parameter_given_twice_is_a_400(client, ledger):
    response = client.get("/api/projects/?page=1&page=2&region=jiefang&region=5g-park")
    assert response.status_code == 400
    assert set(response.json()) == {"page", "region"}
    # Multi-valued filters take several values, as on the web list.
    assert client.get("/api/projects/", {"stage": ["lead", "signed"]}).status_code == 200


def test_empty_values_mean_not_given_as_on_the_web_list(client, ledger):
    params = "region=&industry=&ordering=&year=&amount_min=&page=&page_size=&q="
    body = client.get(f"/api/projects/?{params}").json()
    assert body["count"] == client.get("/api/projects/").json()["count"]
