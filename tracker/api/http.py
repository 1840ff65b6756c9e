"""What every API response says about itself: how fresh it is, its licence, and CORS.

- **Conditional GET.** A data response carries ``ETag`` (a digest of the URL, the
  language, the data fingerprint of ``tracker.stats`` and the deployed code) and
  ``Last-Modified`` (the newest recorded change to the public data: its history
  date, the same on every worker and server). An ``If-None-Match`` naming the
  current ETag is answered 304 before the view runs (no query but the fingerprint's);
  ``If-Modified-Since`` and ``*`` are judged on the view's 200 (see
  ``OpenDataHeaders``). ``Cache-Control: public, no-cache``: anyone may keep a copy,
  and asks again (cheaply) before using it, so nobody reads stale data.
- **数据截至 / licence.** ``X-Data-As-Of`` (ISO 8601) and ``Link: <…>; rel="license"``
  on every data response; lists also carry them in the envelope.
- **CORS.** The API is read-only and public, so any page may read it from a browser:
  ``Access-Control-Allow-Origin: *`` on GET, HEAD and OPTIONS (the preflight), no
  credentials. A dozen lines here rather than django-cors-headers: there is one
  fixed policy on one URL prefix and nothing to configure, and nothing outside
  ``/api/`` (the admin) can ever get the header.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_etags, quote_etag
from django.utils.translation import get_language

from .. import stats

CORS_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": ", ".join(CORS_METHODS),
    "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Link, X-Data-As-Of",
    "Access-Control-Max-Age": "86400",
}


def license_info() -> dict:
    return {"name": settings.OPEN_DATA_LICENSE_NAME, "url": settings.OPEN_DATA_LICENSE_URL}


def data_as_of() -> datetime | None:
    """When the public data last changed (数据截至), or None for an empty database.

    Read in the same statement as the data fingerprint (``stats.data_as_of``).
    """
    return stats.data_as_of()


@cache
def release() -> str:
    """The deployed code and translations as one digest (from contents, not dates), so every
    worker of a release gives the same ETags and a new release gives new ones."""
    digest = hashlib.sha1()
    package = Path(__file__).resolve().parents[1]
    files = [
        *sorted(package.rglob("*.py")),
        *sorted(Path(settings.BASE_DIR, "locale").rglob("*.mo")),
    ]
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Freshness:
    etag: str
    as_of: datetime | None

    @classmethod
    def of(cls, request) -> "Freshness":
        key = (
            request.build_absolute_uri(),
            get_language(),
            stats.data_fingerprint(),
            release(),
        )
        return cls(quote_etag(hashlib.sha1(repr(key).encode()).hexdigest()[:24]), data_as_of())

    @property
    def as_of_text(self) -> str | None:
        """数据截至 in ISO 8601, in the site's time zone (Beijing time)."""
        return timezone.localtime(self.as_of).isoformat() if self.as_of else None

    def matches(self, if_none_match: str) -> bool:
        """Whether ``If-None-Match`` names this ETag (weak comparison, as for GET)."""
        tags = parse_etags(if_none_match) if if_none_match else []
        return any(tag.removeprefix("W/") == self.etag for tag in tags if tag != "*")

    @property
    def last_modified(self) -> int | None:
        return int(self.as_of.timestamp()) if self.as_of else None

    def stamp(self, response):
        response["ETag"] = self.etag
        if self.as_of:
            response["Last-Modified"] = http_date(self.last_modified)
            response["X-Data-As-Of"] = self.as_of_text
        response["Link"] = f'<{settings.OPEN_DATA_LICENSE_URL}>; rel="license"'
        patch_cache_control(response, public=True, no_cache=True)


class OpenDataHeaders:
    """For DRF views: CORS on safe methods; validators, 304 and the stamp on data (``conditional``).

    A matching ``If-None-Match`` is answered before the view runs: our ETags are only
    ever given with a 200, so the same ETag means the same 200 again. Other
    conditions (``*``, ``If-Modified-Since``) are judged on the view's answer, and
    only when it is a 200: a bad filter stays a 400, a missing record a 404.
    """

    conditional = True

    def dispatch(self, request, *args, **kwargs):
        self.freshness = None
        if self.conditional and request.method in ("GET", "HEAD"):
            self.freshness = Freshness.of(request)
            if self.freshness.matches(request.headers.get("If-None-Match", "")):
                response = HttpResponseNotModified()
                self.freshness.stamp(response)
                _cors(request, response)
                return response
        return super().dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.freshness is not None and response.status_code == 200:
            freshness = self.freshness
            conditional = get_conditional_response(
                request, etag=freshness.etag, last_modified=freshness.last_modified
            )
            if conditional is not None:  # 304, or 412 for a failed If-Match
                response = conditional
            if response.status_code in (200, 304):
                freshness.stamp(response)
        _cors(request, response)
        return response


def _cors(request, response):
    if request.method in CORS_METHODS:
        for name, value in CORS_HEADERS.items():
            response[name] = value
