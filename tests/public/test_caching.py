"""Public pages are the same for every reader: no cookie, no Vary on it, compressed, cacheable.

The language is the URL's (Chinese at the plain URL, English under /en/), so a
page never depends on who asks; the admin keeps its CSRF protection and its
reader's language.
"""

import gzip

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests import factories as make
from tracker.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
    return make.build_ledger()


def public_urls(ledger) -> list[str]:
    project = Project.objects.filter(is_public=True).first()
    return [
        "/",
        "/projects/",
        "/projects/?q=智慧&ordering=-amount",
        f"/projects/{project.code}/",
        "/events/",
        f"/events/{ledger.fair.slug}/",
        "/partners/",
        f"/partners/{ledger.hpu.pk}/",
        "/regions/",
        f"/regions/{ledger.jiefang.slug}/",
        "/en/",
        "/en/projects/",
        "/en/regions/",
    ]


def test_a_public_get_sets_no_cookie_and_does_not_vary_on_cookies(client, ledger):
    for url in public_urls(ledger):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, (url, response.cookies)
        vary = response.get("Vary", "")
        assert "Cookie" not in vary and "Accept-Language" not in vary, (url, vary)
        assert "csrfmiddlewaretoken" not in response.content.decode(), url


def test_a_returning_reader_with_old_cookies_gets_the_same_page(client, ledger):
    # A language cookie from the old POST switch no longer changes a public page.
    fresh = Client().get("/projects/")
    client.cookies["django_language"] = "en"
    again = client.get("/projects/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="zh-hans">' in again.content.decode()
    assert again["ETag"] == fresh["ETag"]


def test_the_language_switch_is_a_link_that_keeps_the_page_and_its_filters(client, ledger):
    chinese = client.get("/projects/?region=jiefang&ordering=-amount").content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert 'href="/en/projects/?region=jiefang&amp;ordering=-amount"' in chinese
    english = client.get("/en/projects/?region=jiefang&ordering=-amount").content.decode()
    assert '<html lang="en">' in english
    assert "1.16 billion yuan" in english
    assert 'href="/projects/?region=jiefang&amp;ordering=-amount"' in english
    back = client.get("/projects/?region=jiefang&ordering=-amount").content.decode()
    assert '<html lang="zh-hans">' in back and "11.6亿元" in back


def test_english_pages_link_to_english_pages(client, ledger):
    page = client.get("/en/projects/").content.decode()
    assert 'href="/en/regions/"' in page and 'href="/en/api/"' in page
    with translation.override("en"):
        assert reverse("tracker:project_list") == "/en/projects/"
    with translation.override("zh-hans"):
        assert reverse("tracker:project_list") == "/projects/"


def test_the_default_language_has_no_prefix_of_its_own(client, ledger):
    assert client.get("/zh-hans/projects/").status_code == 404
    assert client.get("/en").status_code == 301


def test_html_is_compressed_for_readers_that_accept_it(client, ledger):
    response = client.get("/projects/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert "碳纤维" in gzip.decompress(response.content).decode()
    plain = client.get("/projects/")
    assert "Content-Encoding" not in plain


def test_the_admin_is_never_compressed_because_its_pages_hold_a_csrf_token(client, db):
    response = client.get(reverse("admin:login"), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert "csrftoken" in response.cookies


def test_public_pages_carry_validators_and_answer_304_while_unchanged(client, ledger):
    first = client.get("/projects/")
    assert first["Cache-Control"] == "public, max-age=60"
    assert first.has_header("Last-Modified")
    again = client.get("/projects/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    by_date = client.get("/projects/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304
    assert client.get("/en/projects/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_write_changes_the_validators(client, ledger):
    first = client.get("/projects/")
    make.project("新签约的项目", region=ledger.jiefang)
    after = client.get("/projects/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != first["ETag"]
    assert "新签约的项目" in after.content.decode()


def test_error_pages_and_bad_filters_are_not_marked_cacheable(client, ledger):
    for url in ("/projects/NO-SUCH/", "/projects/?year=abc", "/projects/?page=999"):
        response = client.get(url)
        assert response.status_code in (400, 404), url
        assert "public" not in response.get("Cache-Control", ""), url
        assert not response.has_header("ETag"), url


def test_the_admin_still_requires_csrf_on_post(db):
    make.make_user("clerk", superuser=True)
    client = Client(enforce_csrf_checks=True)
    refused = client.post(reverse("admin:login"), {"username": "clerk", "password": "x"})
    assert refused.status_code == 403
    page = client.get(reverse("admin:login"))
    token = page.cookies["csrftoken"].value
    accepted = client.post(
        reverse("admin:login"),
        {"username": "clerk", "password": "x", "csrfmiddlewaretoken": token},
    )
    assert accepted.status_code == 200  # the form again, wrong password: not a CSRF refusal


def test_the_admin_keeps_the_readers_language(admin_client):
    english = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en"' in english.content.decode()
    assert "Accept-Language" in english["Vary"]
    chinese = admin_client.get(reverse("admin:index"))
    assert '<html lang="zh-hans"' in chinese.content.decode()
