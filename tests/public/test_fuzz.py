"""Fuzzing the public URLs: whatever the query string, never a 500 and never unescaped input."""

import random
from urllib.parse import urlencode

import pytest

from tracker.models import Event, Organization, Project, Region


@pytest.fixture
def articles(articles_in_module, db):
    """Every test here reads the articles: load them once for the module (see conftest)."""
    return articles_in_module


PARAMS = [
    "q",
    "region",
    "industry",
    "stage",
    "status",
    "event",
    "partner",
    "year",
    "amount_min",
    "amount_max",
    "ordering",
    "page",
    "format",
    "cursor",
    "lang",
    "x",
]
SCRIPT = "<script>alert(1)</script>"
NASTY = [
    "",
    " ",
    "'",
    '"',
    "' OR 1=1 --",
    "1; DROP TABLE tracker_project; --",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "\x00",
    "a\x00b",
    "%",
    "%%",
    "%00",
    "\\",
    "../../etc/passwd",
    "9" * 40,
    "-1",
    "0",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "1.5",
    "１２３",
    "2020-13-45",
    "99999999999999999999",
    "2147483648",
    "中文",
    "焦作（深圳）",
    "木铎(广州)",
    "x" * 5000,
    "\u202e",
    "\ud7ff",
    "😀",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "signed,stalled",
    "-amount",
    "--name",
    "amount__gt",
    "pk",
    "?",
    "&",
    "=",
    "#",
]


@pytest.fixture
def public_paths(articles):
    project = Project.objects.public().first()
    event = Event.objects.first()
    return [
        "/",
        "/projects/",
        "/projects/export.csv",
        "/projects/export.xlsx",
        project.get_absolute_url(),
        "/events/",
        event.get_absolute_url(),
        "/partners/",
        Organization.objects.first().get_absolute_url(),
        "/regions/",
        Region.objects.get(slug="shifanqu").get_absolute_url(),
        "/api/projects/",
        f"/api/projects/{project.code}/",
        "/api/events/",
        "/api/partners/",
        "/projects/NO-SUCH-CODE/",
        "/events/no-such-event/",
        "/regions/no-such-region/",
        "/partners/999999999/",
    ]


def random_query(rnd: random.Random) -> str:
    pairs = [(rnd.choice(PARAMS), rnd.choice(NASTY)) for _ in range(rnd.randint(1, 4))]
    return urlencode(pairs)


def test_random_and_malformed_queries_never_give_a_server_error(client, public_paths):
    rnd = random.Random(20201012)
    failures = []
    for _ in range(600):
        url = f"{rnd.choice(public_paths)}?{random_query(rnd)}"
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((response.status_code, url))
    assert failures == []


def test_input_is_never_echoed_unescaped_in_a_page(client, articles):
    for value in [SCRIPT, '"><img src=x onerror=alert(1)>']:
        for param in ["q", "region", "stage", "amount_min", "ordering", "page", "year", "partner"]:
            for path in ["/projects/", "/", "/partners/", "/events/"]:
                response = client.get(path, {param: value})
                assert response.status_code < 500, (path, param)
                assert response["Content-Type"].startswith("text/html")
                assert value.encode() not in response.content, (path, param)


def test_the_api_answers_bad_input_as_json_never_as_html(client, articles):
    for param in ["q", "region", "stage", "ordering", "page"]:
        response = client.get("/api/projects/", {param: SCRIPT})
        assert response.status_code in (200, 400, 404)
        assert response["Content-Type"] == "application/json"


def test_out_of_range_pages_answer_without_error(client, articles):
    for page in ["0", "-1", "99999999999999999999", "1e9", "abc", "last"]:
        for path in ["/projects/", "/api/projects/", "/partners/", "/events/"]:
            assert client.get(path, {"page": page}).status_code in (200, 400, 404), (path, page)
