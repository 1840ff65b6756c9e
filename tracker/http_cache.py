"""HTTP caching of the public pages: validators and Cache-Control, no per-reader state.

A public page depends only on its URL (the language is in the URL, see
``config.locale``), the public data and the code that renders it. So:

- ``ETag``: a digest of the URL, the data fingerprint (``stats.data_fingerprint``,
  which moves with every recorded write and is read once per request anyway) and
  the deployed code's own digest. Revalidating with it answers 304 before the view
  runs: no figure, no template.
- ``Last-Modified``: when this process first saw the data as it is (never before
  the change itself). For caches that only know dates; the ETag is the exact one.
- ``Cache-Control: public, max-age=PUBLIC_PAGE_MAX_AGE`` (60 s by default): a
  proxy, CDN or browser may keep a page that long without asking.

Only 200 responses to GET/HEAD carry them; errors and 400s for bad filters do not.
"""

import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language

from . import stats


def _code_digest() -> str:
    """The templates, translations and code that render a page, as one digest.

    Computed once per process from file contents (not dates), so every worker and
    every server running the same release gives the same ETags.
    """
    digest = hashlib.sha1()
    roots = [Path(settings.BASE_DIR) / "templates", Path(__file__).parent, *settings.LOCALE_PATHS]
    for root in roots:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix in {".html", ".py", ".mo", ".txt"} and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():  # static names (hashed) appear in every page
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:16]


_CODE: list[str] = []


def code_digest() -> str:
    if not _CODE:
        _CODE.append(_code_digest())
    return _CODE[0]


# When this process first saw each data fingerprint (a few recent ones).
_FIRST_SEEN: dict[tuple, int] = {}
_FIRST_SEEN_KEEP = 64


def data_last_modified(fingerprint: tuple) -> int:
    """When this process first saw the data as it is now (a Unix time).

    Never earlier than the last change, so a date-only revalidation can only err
    towards sending the page again (another worker, or a restart, may date the same
    data a little later). It costs no query: the fingerprint is read anyway.
    """
    seen = _FIRST_SEEN.get(fingerprint)
    if seen is None:
        if len(_FIRST_SEEN) >= _FIRST_SEEN_KEEP:
            _FIRST_SEEN.pop(next(iter(_FIRST_SEEN)))
        seen = _FIRST_SEEN[fingerprint] = int(time.time())
    return seen


def page_etag(request, fingerprint: tuple) -> str:
    key = repr((request.get_full_path(), get_language(), fingerprint, code_digest()))
    return quote_etag(hashlib.sha1(key.encode()).hexdigest()[:24])


class CacheablePageMixin:
    """A public page: answered 304 when unchanged; cacheable for everyone when 200."""

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        fingerprint = stats.data_fingerprint()
        etag = page_etag(request, fingerprint)
        last_modified = data_last_modified(fingerprint)
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is None:
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code != 200:
                return response
        # A 200 of public data: config.pagecache may keep it for other anonymous readers.
        response.shared_cacheable = True
        response.headers.setdefault("ETag", etag)
        response.headers.setdefault("Last-Modified", http_date(last_modified))
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE)
        return response
