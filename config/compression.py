"""Compressed HTML and JSON for the public site only (GZip), with BREACH in mind.

BREACH recovers a secret from the size of compressed responses that also reflect
what an attacker sends (a search term in the URL). It needs a secret in the body.
Public pages hold none: no CSRF token (the language switch is a plain link) and
nothing from a session. The admin's pages do hold a CSRF token, so nothing under
``/admin/`` is compressed, nor any response whose page asked for a CSRF token
(``CSRF_COOKIE_NEEDS_UPDATE``), wherever it is. Downloads (CSV, XLSX) are left
as their views write them.
"""

from django.middleware.gzip import GZipMiddleware

from config.locale import admin_path

COMPRESSED_TYPES = ("text/html", "application/json")


class PublicGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if (
            admin_path(request)
            or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            or not response.get("Content-Type", "").startswith(COMPRESSED_TYPES)
        ):
            return response
        return super().process_response(request, response)
