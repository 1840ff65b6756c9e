"""Whole responses of the public pages and the API, shared by every worker and server.

A public page depends on its URL (the language is in the URL, ``config.locale``),
the public data and the deployed code, and on nothing of the reader's. So an
anonymous GET can be answered with the bytes an earlier reader was sent, kept in
the ``settings.PUBLIC_PAGE_CACHE`` cache (a table of its own, or Redis), under:

- the absolute URL (scheme, host, path and query: API bodies hold absolute links),
- the data fingerprint (``tracker.fingerprint``): every recorded write moves it,
  so an edit is on the next page served — the writes keep the cache fresh, and an
  entry of older data is never looked up again (it expires),
- the code's digest (a new release renders anew), the plain settings' digest (a
  footer identity or a published-funds switch changed in the environment and a
  restart renders anew) and the database,
- whether the reader accepts gzip (the stored body is the one sent).

What is never served from it or stored in it:

- a request carrying a session or messages cookie (staff, anyone logged in), an
  ``Authorization`` header, or a conditional header (the view answers 304 cheaply);
- a response the view did not mark ``shared_cacheable`` (``tracker.http_cache``,
  the API's list and detail views): the admin, forms, downloads, errors;
- anything but a 200, a response that sets a cookie, varies on more than
  ``Accept-Encoding``, streams, or is larger than ``PUBLIC_PAGE_CACHE_MAX_BYTES``;

A page rendered while a background recompute of the figures is under way may show
the previous figures (``stats`` serves them, marked stale) and the fingerprint does
not move again when the fresh ones arrive; so such a page is stored marked stale
(``stats.served_stale``), and served only while a recompute is still under way: the
first reader after it renders the page afresh. Only a stored stale page asks whether
a recompute runs; asking on every request, for the key, had cost a query and a
millisecond on every page rendered afresh.
"""

import base64
import contextlib
import hashlib
import os
import pickle
import random
import re
import threading
import zlib
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.db import connection, connections, router
from django.http import HttpResponse
from django.utils.cache import cc_delim_re

from config.locale import admin_path
from tracker import stats
from tracker.http_cache import code_digest

_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_RANGE")
# Headers a stored response keeps: what the view and the middlewares inside this one set.
_DROP = {"set-cookie", "date", "server"}


def _anonymous(request) -> bool:
    cookies = request.COOKIES
    return not (
        settings.SESSION_COOKIE_NAME in cookies
        or "messages" in cookies
        or "HTTP_AUTHORIZATION" in request.META
        or any(name in request.META for name in _CONDITIONAL)
    )


_SETTINGS: list[str] = []
_PLAIN = (str, int, float, bool, type(None))


def _plain(value) -> bool:
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    return isinstance(value, _PLAIN)


def settings_digest() -> str:
    """The settings a page may show, as one digest (once per process): every setting whose
    value is plain data, so that every worker and server of one configuration agrees."""
    if not _SETTINGS:
        names = sorted(n for n in dir(settings) if n.isupper() and n != "SECRET_KEY")
        plain = [(n, getattr(settings, n)) for n in names if _plain(getattr(settings, n))]
        _SETTINGS.append(hashlib.sha1(repr(plain).encode()).hexdigest()[:16])
    return _SETTINGS[0]


def _key(request) -> str:
    gzip = bool(_ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
    identity = (
        request.build_absolute_uri(),
        gzip,
        stats.data_fingerprint(),
        code_digest(),
        settings_digest(),
        connection.alias,
        str(connection.settings_dict["NAME"]),
    )
    return "page:" + hashlib.sha1(repr(identity).encode()).hexdigest()


def _storable(request, response) -> bool:
    if not getattr(response, "shared_cacheable", False) or response.status_code != 200:
        return False
    if response.streaming or response.cookies or len(response.content) > _max_bytes():
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    if vary - {"accept-encoding"}:
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def _max_bytes() -> int:
    return getattr(settings, "PUBLIC_PAGE_CACHE_MAX_BYTES", 512 * 1024)


class PageFileCache(FileBasedCache):
    """Django's file cache, culling now and then rather than on every write.

    ``FileBasedCache`` lists its whole directory on every ``set`` to see whether to
    cull: with a few thousand stored pages that listing cost a first reader more than
    the page's own queries. Here one write in ``CULL_EVERY`` (at random, so every
    worker takes its share) looks, so the directory overshoots ``MAX_ENTRIES`` by a
    few dozen entries at most before the oldest third goes.
    """

    CULL_EVERY = 50

    def _cull(self):
        if random.randrange(self.CULL_EVERY) == 0:  # noqa: S311 — not for security
            super()._cull()

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """As ``FileBasedCache.set`` (written aside, then renamed into place, so a reader
        sees the old file or the new one), at less cost per page rendered afresh: the
        temporary name is this process's and thread's own instead of ``mkstemp``'s
        random one (no two writes share it), and the directory is made only when a
        write finds it gone."""
        fname = self._key_to_file(key, version)
        self._cull()
        temporary = f"{fname}.{os.getpid()}-{threading.get_ident()}.tmp"
        try:
            try:
                self._write_file(temporary, timeout, value)
            except FileNotFoundError:
                self._createdir()  # the directory may be removed at any time
                self._write_file(temporary, timeout, value)
            os.replace(temporary, fname)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)
            raise

    def _write_file(self, path, timeout, value):
        with open(path, "wb") as file:
            self._write_content(file, timeout, value)

    def _write_content(self, file, timeout, value):
        # zlib's fastest level: a page is stored once and most bodies are gzip already.
        expiry = self.get_backend_timeout(timeout)
        file.write(pickle.dumps(expiry, self.pickle_protocol))
        file.write(zlib.compress(pickle.dumps(value, self.pickle_protocol), 1))


class PageDatabaseCache(DatabaseCache):
    """Django's database cache, writing a page in one statement on PostgreSQL.

    ``DatabaseCache.set`` counts the table, then selects and inserts in a transaction:
    five round trips for every page rendered anew, as many as the page's own queries.
    Here a page is one ``INSERT … ON CONFLICT`` (a page is only ever ``set``), and the
    count and cull come with one write in ``CULL_EVERY``, as in ``PageFileCache``.
    Other databases keep Django's way.
    """

    CULL_EVERY = 50

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        db = router.db_for_write(self.cache_model_class)
        target = connections[db]
        if target.vendor != "postgresql":
            return super().set(key, value, timeout, version)
        key = self.make_and_validate_key(key, version=version)
        seconds = self.get_backend_timeout(timeout)
        expires = datetime.max if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        table = target.ops.quote_name(self._table)
        with target.cursor() as cursor:
            if random.randrange(self.CULL_EVERY) == 0:  # noqa: S311 — not for security
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                count = cursor.fetchone()[0]
                if count > self._max_entries:
                    now = datetime.now(tz=UTC).replace(microsecond=0)
                    self._cull(db, cursor, now, count)
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s)"
                " ON CONFLICT (cache_key) DO UPDATE"
                " SET value = EXCLUDED.value, expires = EXCLUDED.expires",
                [
                    key,
                    encoded,
                    target.ops.adapt_datetimefield_value(expires.replace(microsecond=0)),
                ],
            )


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        alias = getattr(settings, "PUBLIC_PAGE_CACHE", None)
        if not alias or request.method != "GET" or admin_path(request) or not _anonymous(request):
            return self.get_response(request)
        cache = caches[alias]
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            status, headers, body, stale = stored
            # A page of stale figures serves while their recompute runs, and no longer.
            if not stale or stats.recompute_under_way():
                response = HttpResponse(body, status=status)
                for name, value in headers:
                    response.headers[name] = value
                return response
        response = self.get_response(request)
        if _storable(request, response):
            headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _DROP]
            timeout = getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 600)
            page = (response.status_code, headers, response.content, stats.served_stale())
            cache.set(key, page, timeout)
        return response
