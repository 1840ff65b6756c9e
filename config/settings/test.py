"""Test run: base settings plus only what tests need.

Built on base, not dev, so tests see the settings a deployment starts from
(DEBUG off, the same database choice: DATABASE_URL or SQLite). Each line below
says why the tests need it.
"""

import atexit
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import CACHES, STORAGES

# base leaves the key empty so that a deployment must choose one; tests sign sessions.
SECRET_KEY = "test-only-insecure-key-not-for-production"
# Many tests log in; a slow hash costs time and is not what they test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Templates resolve {% static %} without a collectstatic run, so no manifest.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise otherwise scans STATIC_ROOT each time a test client starts (and warns when
# nothing was collected, as in a fresh clone); looking files up per request costs nothing.
WHITENOISE_AUTOREFRESH = True
# Job files, evidence and the progress cache go to a directory of this run's own
# (each xdist worker imports settings anew, so each gets its own).
VAR_DIR = Path(tempfile.mkdtemp(prefix="tracker-test-"))
# ...and removed when that process ends, so runs leave nothing behind in /tmp.
atexit.register(shutil.rmtree, VAR_DIR, ignore_errors=True)
MEDIA_ROOT = VAR_DIR / "media"
CACHES = {
    **CACHES,
    "jobs": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": VAR_DIR / "progress",
    },
}
if CACHES["pages"]["BACKEND"].endswith("FileCache"):
    CACHES["pages"] = {**CACHES["pages"], "LOCATION": VAR_DIR / "pages"}
# Whole-page caching is keyed on the data fingerprint, which a rolled-back test can
# repeat on SQLite (its id sequence rolls back too): tests that cover it turn it on.
PUBLIC_PAGE_CACHE = None
