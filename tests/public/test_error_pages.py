"""Error pages read in the reader's language and offer a search and the ways back."""

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import bad_request, server_error


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "heading", "search", "back"),
    [
        ("/projects/NO-SUCH/", "页面不存在", 'action="/projects/"', 'href="/regions/"'),
        (
            "/en/projects/NO-SUCH/",
            "Page not found",
            'action="/en/projects/"',
            'href="/en/regions/"',
        ),
        ("/no/such/page/", "页面不存在", 'action="/projects/"', 'href="/"'),
        ("/en/no/such/page/", "Page not found", 'action="/en/projects/"', 'href="/en/"'),
    ],
)
def test_a_missing_page_offers_a_search_and_the_ways_back(client, url, heading, search, back):
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert search in page and 'name="q"' in page
    assert back in page
    assert 'class="site-header"' in page


def test_the_server_error_page_has_the_search_and_the_way_back_in_english_too():
    # No database access is allowed in this test: a query would raise.
    for language, heading, search in (
        ("zh-hans", "服务器出错", 'action="/projects/"'),
        ("en", "Server error", 'action="/en/projects/"'),
    ):
        with translation.override(language):
            page = server_error(RequestFactory().get("/")).content.decode()
        assert heading in page, language
        assert search in page and 'name="q"' in page, language


def test_the_bad_request_page_is_branded():
    page = bad_request(RequestFactory().get("/"), exception=None).content.decode()
    assert "无法处理的请求" in page and 'name="q"' in page
