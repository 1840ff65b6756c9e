"""Work a server process does once before its first visitor, so that nobody waits for it.

A fresh worker otherwise spends its first request importing the URLconf (and the
API's schema tooling with it), building the URL resolver, compiling every template
it extends or includes, loading both languages' catalogues and hashing the release
for ETags: about half a second, against a few milliseconds for the next request.
``config.wsgi`` calls ``warm()`` as the worker loads the application, before it
accepts a connection. Nothing here reads or writes the database. A step that fails
is logged and skipped: warming must never keep a server from starting.
"""

import logging
from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import get_resolver, reverse
from django.utils import translation

log = logging.getLogger(__name__)


def _templates() -> list[str]:
    root = Path(settings.BASE_DIR) / "templates"
    names = [p.relative_to(root).as_posix() for p in sorted(root.glob("*.html"))]
    names += [p.relative_to(root).as_posix() for p in sorted((root / "tracker").rglob("*.html"))]
    return names


def _urls_and_languages():
    get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("项目")  # loads the language's catalogues
            reverse("tracker:overview")
            reverse("admin:index")  # config.locale's admin prefix reverses it too


def _compile_templates():
    for name in _templates():
        try:
            get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):
            continue


def _digests():
    from config.pagecache import settings_digest
    from tracker.api.http import release
    from tracker.fingerprint import _fingerprint_sql
    from tracker.http_cache import code_digest

    code_digest()
    release()
    settings_digest()
    _fingerprint_sql()  # built from the models, once per engine; no query


def warm():
    for step in (_urls_and_languages, _compile_templates, _digests):
        try:
            step()
        except Exception:  # noqa: BLE001 — a cold first request is better than no server
            log.exception("warm-up step %s failed", step.__name__)
