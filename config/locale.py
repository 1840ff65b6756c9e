"""The language of a request: the public site's from its URL, the admin's from the reader.

Public pages (everything outside ``/admin/``) are Chinese at their plain URL and
English under ``/en/`` (``i18n_patterns(prefix_default_language=False)`` in
``config.urls``). Nothing else is read — no cookie, no Accept-Language — so one URL
is one page for every reader and any cache may keep it (no ``Vary``). Chinese URLs
are the ones the site always had.

The admin keeps Django's choice: the language cookie (set by ``/i18n/setlang/``),
then Accept-Language, varying on it.

This replaces ``django.middleware.locale.LocaleMiddleware``, which would send
``Vary: Accept-Language`` on every unprefixed page and force the admin into the
default language once language prefixes are in use.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def admin_path(request) -> bool:
    return request.path_info.startswith(_admin_prefix())


_ADMIN_PREFIX: list[str] = []


def _admin_prefix() -> str:
    # Reversed once, on the first request: the URLconf is not loaded at import time.
    if not _ADMIN_PREFIX:
        with translation.override(settings.LANGUAGE_CODE):
            _ADMIN_PREFIX.append(reverse("admin:index"))
    return _ADMIN_PREFIX[0]


class URLLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin = admin_path(request)
        if admin:
            language = translation.get_language_from_request(request)
        else:
            language = (
                translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
            )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if admin:
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
