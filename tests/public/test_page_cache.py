"""Whole public responses kept in the shared cache (config/pagecache.py).

An anonymous GET is answered with the bytes an earlier reader got, while the data
fingerprint is the same; a write moves the fingerprint, so an edit is on the very
next page. Staff, errors, large bodies and pages of stale figures never go through it.
"""

import gzip

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from config import pagecache
from tests import factories as make
from tracker import stats
from tracker.jobs.testing import run_queued_jobs
from tracker.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(settings):
    settings.PUBLIC_PAGE_CACHE = "pages"
    caches["pages"].clear()
    return make.build_ledger()


def queries_of(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


@pytest.fixture
def stored(ledger, monkeypatch):
    """What is stored in the page cache from now on."""
    urls = []
    cache = caches["pages"]
    keep = cache.set

    def spy(key, value, *args, **kwargs):
        urls.append(value)
        return keep(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    return urls


def poison(url: str, body: bytes = b"POISON", **meta):
    """Put ``body`` where the cache keeps ``url`` for an anonymous reader."""
    request = RequestFactory().get(url, **meta)
    key = pagecache._key(request)
    headers = [("Content-Type", "text/html; charset=utf-8")]
    caches["pages"].set(key, (200, headers, body, False), 60)


def test_a_second_anonymous_reader_gets_the_stored_page_for_at_most_three_queries(client, ledger):
    first, cold = queries_of(client, "/projects/")
    again, warm = queries_of(Client(), "/projects/")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert warm <= 2  # the fingerprint, (in a table) the read; no rows
    assert cold > warm


def test_an_edit_is_on_the_next_page_served(client, ledger):
    project = Project.objects.filter(is_public=True).order_by("code").first()
    url = f"/projects/{project.code}/"
    pages = (url, "/projects/", "/api/projects/")
    before = {page: client.get(page) for page in pages}
    assert all(Client().get(page).content == before[page].content for page in pages)  # stored
    project.name = "改过名字的项目"
    project.save()
    for page in pages:
        response = Client().get(page)
        assert "改过名字的项目" in response.content.decode(), page
        assert response["ETag"] != before[page]["ETag"], page


def test_stored_responses_keep_their_validators_language_and_encoding(client, ledger):
    plain = client.get("/en/projects/")
    again = Client().get("/en/projects/")
    for header in ("ETag", "Last-Modified", "Cache-Control", "Content-Language", "Content-Type"):
        assert again[header] == plain[header], header
    assert again["Content-Language"] == "en"
    zipped = client.get("/en/projects/", HTTP_ACCEPT_ENCODING="gzip")
    zipped_again, count = queries_of(Client(), "/en/projects/", HTTP_ACCEPT_ENCODING="gzip")
    assert count <= 3
    assert zipped_again["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped_again["Vary"]
    assert gzip.decompress(zipped_again.content) == plain.content
    assert zipped_again.content == zipped.content
    # The reader that does not accept gzip still gets plain bytes.
    assert "Content-Encoding" not in Client().get("/en/projects/")


def test_a_revalidation_is_answered_by_the_view_with_304(client, ledger):
    first = client.get("/projects/")
    Client().get("/projects/")
    assert client.get("/projects/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_logged_in_reader_is_never_served_from_the_cache(client, ledger):
    poison("/projects/")
    assert Client().get("/projects/").content == b"POISON"  # the key is the one used
    staff = Client()
    staff.force_login(make.make_user("editor", superuser=True))
    assert staff.cookies.get("sessionid")
    page = staff.get("/projects/")
    assert page.status_code == 200 and b"POISON" not in page.content


def test_a_logged_in_readers_page_is_not_stored(client, stored):
    staff = Client()
    staff.force_login(make.make_user("editor", superuser=True))
    assert staff.get("/projects/").status_code == 200
    assert not stored


def test_errors_and_bad_filters_are_not_stored(client, stored):
    for url in ("/projects/NO-SUCH/", "/projects/?year=abc", "/projects/?page=999"):
        assert client.get(url).status_code in (400, 404), url
    assert not stored


def test_a_body_over_the_limit_is_not_stored(client, stored, settings):
    settings.PUBLIC_PAGE_CACHE_MAX_BYTES = 1000
    assert len(client.get("/projects/").content) > 1000
    client.get("/api/regions/")  # a small one is
    assert len(stored) == 1


def test_a_page_of_figures_being_recomputed_is_shared_only_until_the_recompute_ends(
    client, ledger, stored, django_capture_on_commit_callbacks
):
    assert client.get("/").status_code == 200
    assert len(stored) == 1 and stored[0][3] is False
    with django_capture_on_commit_callbacks(execute=True):
        make.project(region=ledger.jiefang)  # queues the recompute, which no worker runs yet
    stats.forget_local()
    page = Client().get("/")
    assert page.context["figures_stale"] is True
    assert len(stored) == 2 and stored[1][3] is True  # kept, marked stale
    again = Client().get("/")
    assert again.context is None and again.content == page.content  # shared meanwhile
    run_queued_jobs()
    fresh = Client().get("/")
    # The recompute is done: rendered afresh (a stored page has no context), and kept.
    assert fresh.context is not None and fresh.context["figures_stale"] is False
    assert len(stored) == 3 and stored[2][3] is False
    assert Client().get("/").context is None


def test_admin_pages_and_downloads_are_not_stored(client, stored):
    for url in ("/admin/login/", "/projects/export.csv", "/api/schema/"):
        assert client.get(url).status_code == 200, url
        assert Client().get(url).status_code == 200, url
    assert not stored


def test_off_when_no_cache_is_named(client, ledger, settings):
    settings.PUBLIC_PAGE_CACHE = None
    poison("/projects/")
    assert b"POISON" not in client.get("/projects/").content


def test_a_searchs_totals_are_counted_once_until_the_next_write(client, ledger, monkeypatch):
    from tracker import paging

    counted = []
    count = paging.stats.project_totals
    monkeypatch.setattr(
        paging.stats, "project_totals", lambda *a, **k: counted.append(1) or count(*a, **k)
    )
    first = client.get("/projects/", {"q": "智慧"})
    assert len(counted) == 1
    # Another ordering, the next reader, the API: the same selection, not counted again.
    client.get("/projects/", {"q": "智慧", "ordering": "name"})
    api = client.get("/api/projects/", {"q": "智慧"}).json()
    assert len(counted) == 1
    make.project("智慧工厂二期", region=ledger.jiefang)
    after = client.get("/projects/", {"q": "智慧", "ordering": "name"})
    assert len(counted) == 2
    assert client.get("/api/projects/", {"q": "智慧"}).json()["count"] == api["count"] + 1
    assert "智慧工厂二期" in after.content.decode() and "智慧工厂二期" not in first.content.decode()


def test_the_file_cache_culls_now_and_then_not_on_every_write(tmp_path, monkeypatch):
    files = pagecache.PageFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10}})
    monkeypatch.setattr(pagecache.random, "randrange", lambda n: 1)  # the 49 in 50
    for i in range(30):
        files.set(f"page{i}", b"x")
    assert len(list(tmp_path.glob("*.djcache"))) == 30
    monkeypatch.setattr(pagecache.random, "randrange", lambda n: 0)  # the one that looks
    files.set("page-last", b"x")
    assert len(list(tmp_path.glob("*.djcache"))) < 30


def test_the_file_cache_reads_what_it_wrote_even_after_its_directory_is_removed(tmp_path):
    import shutil

    where = tmp_path / "pages"
    files = pagecache.PageFileCache(str(where), {})
    page = (200, [("Content-Type", "text/html")], "页面".encode() * 500)
    files.set("page", page)
    files.set("page", (*page[:2], b"second"))
    assert files.get("page") == (*page[:2], b"second")
    shutil.rmtree(where)
    files.set("page", page)
    assert files.get("page") == page
    assert [p.suffix for p in where.iterdir()] == [".djcache"]  # no temporary file left


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pages are kept in a table on PostgreSQL only"
)
def test_the_database_cache_writes_a_page_in_one_statement_and_culls_now_and_then(
    monkeypatch,
):
    pages = pagecache.PageDatabaseCache("tracker_page_cache", {"OPTIONS": {"MAX_ENTRIES": 10}})
    monkeypatch.setattr(pagecache.random, "randrange", lambda n: 1)  # the 49 in 50
    with CaptureQueriesContext(connection) as writes:
        for i in range(30):
            pages.set(f"page{i}", (200, [], b"x"))
    pages.set("page0", (200, [], b"again"))  # a key written twice holds the second value
    assert pages.get("page0") == (200, [], b"again")
    assert pages.get("page29") == (200, [], b"x")
    assert len(writes) == 30
    monkeypatch.setattr(pagecache.random, "randrange", lambda n: 0)  # the one that looks
    pages.set("page-last", (200, [], b"x"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM tracker_page_cache")
        assert cursor.fetchone()[0] < 30


def test_a_changed_footer_setting_is_a_new_page(client, ledger, settings, monkeypatch):
    client.get("/projects/")
    monkeypatch.setattr(pagecache, "_SETTINGS", [])  # as a restarted process computes it
    settings.SITE_ICP = "豫ICP备00000001号"
    page = Client().get("/projects/")
    assert "豫ICP备00000001号" in page.content.decode()
    assert page.context is not None  # rendered, not the stored page
