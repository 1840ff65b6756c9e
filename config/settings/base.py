"""Base settings, driven by environment variables.

Environment overrides live beside this module: ``dev`` (manage.py's default),
``test`` (pytest) and, later, ``production``. Every value a deployment changes
is read from the environment here, once.
"""

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Applications -------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "import_export",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "tracker",
]
# Benchmarks and synthetic data (bench_import, bench_pages, generate_projects) live
# apart from the product, in the checkout's benchmarks/ package; an installed wheel
# carries only config and tracker, and runs without them.
if importlib.util.find_spec("benchmarks") is not None:
    INSTALLED_APPS.append("benchmarks")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous GETs of public pages answered from the shared cache (config/pagecache.py).
    "config.pagecache.PublicPageCacheMiddleware",
    # Public HTML and JSON only, never the admin (BREACH: see config/compression.py).
    "config.compression.PublicGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The public site's language is its URL's (/en/…), the admin's the reader's.
    "config.locale.URLLanguageMiddleware",
    "config.badinput.BadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# No DATABASE_URL: embedded SQLite in WAL mode. IMMEDIATE transactions take the
# write lock up front, so concurrent writers wait (busy timeout) instead of
# failing half-way with "database is locked". The wait must outlast the longest
# write the app makes: confirming the largest ledger holds the lock for its
# planning and writes only (the file is read first): up to about a minute for
# 50,000 rows on a busy 2-core VM; see docs/deploy.md. gunicorn's timeout (config/gunicorn.py)
# is longer still, so a waiting request is never killed while it waits.

# What the app writes besides the database: job files, evidence, the progress cache.
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"))
SQLITE_BUSY_TIMEOUT = int(os.environ.get("SQLITE_BUSY_TIMEOUT", 60))
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": SQLITE_BUSY_TIMEOUT,
    "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;",
}

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": SQLITE_OPTIONS,
            # A new SQLite connection parses the whole schema (about forty tables, their
            # indexes and search triggers) on its first statement: 3-6 ms, more than a
            # public page's queries. Kept open, each process pays it once.
            "CONN_MAX_AGE": int(os.environ.get("SQLITE_CONN_MAX_AGE", 600)),
        }
    }

# --- Cache -------------------------------------------------------------------
# A database table, so that every app server sharing the database shares the
# cache too (import previews, login throttling); no extra service to run.

CACHES = {
    # Also the public figures (tracker/stats.py), shared by every worker and server: on
    # Redis when REDIS_URL is set, else the table. Room for every remembered selection:
    # the table's default of 300 entries would cull the overview among them.
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        if os.environ.get("REDIS_URL")
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tracker_cache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    ),
    # Whole public responses (config/pagecache.py), apart from the figures so that a
    # crawl of many filter combinations never culls them: on Redis; on PostgreSQL a
    # table of its own; beside SQLite files under VAR_DIR, as for job progress: a
    # reader must never wait for the write lock that a large import holds.
    "pages": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "pages",
        }
        if os.environ.get("REDIS_URL")
        else {
            "BACKEND": "config.pagecache.PageDatabaseCache",
            "LOCATION": "tracker_page_cache",
            "OPTIONS": {"MAX_ENTRIES": 3000},
        }
        if os.environ.get("DATABASE_URL")
        else {
            "BACKEND": "config.pagecache.PageFileCache",
            "LOCATION": VAR_DIR / "pages",
            "OPTIONS": {"MAX_ENTRIES": 3000},
        }
    ),
    # Job progress and heartbeats (see "Background jobs" below).
    "jobs": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        if os.environ.get("REDIS_URL")
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "progress",
        }
    ),
}

# The cache alias of whole public responses (None: off), how long an entry lives at most
# (the data fingerprint in its key retires it at the next write anyway) and the largest kept.
PUBLIC_PAGE_CACHE = os.environ.get("PUBLIC_PAGE_CACHE", "pages") or None
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", 600))
PUBLIC_PAGE_CACHE_MAX_BYTES = 512 * 1024

# --- Background jobs -------------------------------------------------------------
# Django's task framework (django-tasks, the backport of Django 6.0's django.tasks).
# TASKS_BACKEND chooses where the queue lives:
#   database (default): a table in our own database (django-tasks-db); run
#                       `manage.py jobs_worker` beside the web server. No extra server.
#   redis:              Redis at REDIS_URL through RQ (django-tasks-rq), for many workers.
#   immediate:          run in the caller's process at once (one-off scripts only).
# Live progress and worker heartbeats go to the "jobs" cache (Redis when REDIS_URL is
# set, else files under VAR_DIR): outside the database, because on SQLite nothing
# else can write while a big import holds the write lock. See docs/deploy.md.

REDIS_URL = os.environ.get("REDIS_URL", "")
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip().lower()
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ValueError(f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}")
# Two queues: "figures" holds only the public figures' recompute (seconds), so that it
# never waits behind a long job on "default" (an open-data build of 1,000,000 projects
# takes minutes); `jobs_worker` serves each queue with a process of its own.
JOB_QUEUES = ["default", "figures"]  # "default" first: jobs_worker serves it itself
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": JOB_QUEUES}}
# The RQ queues (used only with TASKS_BACKEND=redis); a job may run for an hour.
RQ_QUEUES = {
    name: {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 3600}
    for name in JOB_QUEUES
}
if TASKS_BACKEND == "redis":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
# Workers run at this CPU niceness (0-19; 0 leaves it alone), so that on a machine they
# share with the web server an open-data build or a recompute takes the CPU only when
# visitors leave it: the first pages after an edit render while both run.
JOBS_NICE = int(os.environ.get("JOBS_NICE", 10))
# A running job whose heartbeat is older than this was lost with its worker.
JOBS_HEARTBEAT_TIMEOUT = int(os.environ.get("JOBS_HEARTBEAT_TIMEOUT", 120))
# Finished jobs and their files are deleted after this many days (jobs_prune).
JOBS_KEEP_DAYS = int(os.environ.get("JOBS_KEEP_DAYS", 30))
# A ledger confirm of more rows than this runs as a job, with a progress bar.
LEDGER_JOB_ROWS = int(os.environ.get("LEDGER_JOB_ROWS", 500))

# --- Mail ---------------------------------------------------------------------------
# The daily alerts are mailed. With EMAIL_HOST set, through that SMTP server; without
# one, each mail is written as a file under VAR_DIR/mail, so nothing is lost unsent.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zhaoshang-tracker@localhost")

# --- API and open data ---------------------------------------------------------------
# The API's OpenAPI schema is generated by drf-spectacular (/api/schema/, docs at
# /api/docs/); the overview text and licence come from tracker/api/openapi.py.

REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "招商项目台账 API",
    "VERSION": "1.0",
    # Public, no login: the schema view must not touch the session (no cookie, no Vary).
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tracker.api.openapi.describe",
    ],
    # One named enum per choice list (several serializers share `kind`, `stage`, ...).
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "tracker.choices.Stage",
        "StatusEnum": "tracker.choices.Status",
        "DatePrecisionEnum": "tracker.choices.DatePrecision",
        "PartnerRoleEnum": "tracker.choices.PartnerRole",
        "RegionKindEnum": "tracker.choices.RegionKind",
        "EventKindEnum": "tracker.choices.EventKind",
        "OrganizationKindEnum": "tracker.choices.OrganizationKind",
    },
}
# The licence the public data (pages, downloads, API) is published under: named in every
# API response and in the schema. Attribution suits data compiled from cited public reports;
# a deployment states its own with these two variables.
OPEN_DATA_LICENSE_NAME = os.environ.get("OPEN_DATA_LICENSE_NAME", "CC BY 4.0")
OPEN_DATA_LICENSE_URL = os.environ.get(
    "OPEN_DATA_LICENSE_URL", "https://creativecommons.org/licenses/by/4.0/"
)

# --- Internationalisation -----------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# How long a browser, proxy or CDN may keep a public page without asking again
# (tracker/http_cache.py); after that it revalidates and gets 304 while unchanged.
PUBLIC_PAGE_MAX_AGE = int(os.environ.get("PUBLIC_PAGE_MAX_AGE", 60))

# --- Static files ---------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence and job results: private files, never served as static.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Auth -----------------------------------------------------------------------

LOGIN_URL = "admin:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed admin logins allowed per (user name, address) and per address; a count is
# forgotten 15 minutes after its latest failure, so a lockout lasts 15 minutes.
LOGIN_THROTTLE_SECONDS = 15 * 60
LOGIN_FAILURES_PER_USER = 5
LOGIN_FAILURES_PER_ADDRESS = 30
# Proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed,
# e.g. "127.0.0.1" behind nginx on the same machine. Empty: the peer is the client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

# --- Tracker ----------------------------------------------------------------------

# Where the source articles live; fixtures cite files by name inside it.
SEEDS_DIR = BASE_DIR / "seeds"
# Prefix of generated project codes, e.g. JZ-2020-0007.
PROJECT_CODE_PREFIX = os.environ.get("PROJECT_CODE_PREFIX", "JZ")
# Footer identity of the public site. The publisher's default is a placeholder (示例)
# until the real 主办单位 is set; contact and 备案号 are shown only when set.
SITE_PUBLISHER = os.environ.get("SITE_PUBLISHER", "焦作市开放招商服务中心（示例）")
SITE_CONTACT = os.environ.get("SITE_CONTACT", "")
SITE_ICP = os.environ.get("SITE_ICP", "")
# Admin exports (django-import-export) write every cell through the app's one spreadsheet rule.
from tracker.spreadsheets import EXPORT_FORMATS  # noqa: E402, F401

# 到位资金 is internal; with this on, public pages and open data show it in aggregate
# (per district and year, never per project).
FUNDS_PUBLIC_AGGREGATE = env_bool("FUNDS_PUBLIC_AGGREGATE", False)
# Follow-up alerts (预警): days after signing with no construction start, and days
# without a progress report on an open project. See docs/workflow.md.
ALERT_SIGNED_NOT_STARTED_DAYS = int(os.environ.get("ALERT_SIGNED_NOT_STARTED_DAYS", 90))
ALERT_NO_PROGRESS_DAYS = int(os.environ.get("ALERT_NO_PROGRESS_DAYS", 30))
# Reading an uploaded ledger in the admin stops with a message after this many seconds,
# well before gunicorn's worker timeout (GUNICORN_TIMEOUT, 120 s) kills the request. A
# 50,000-row xlsx (the row cap) reads in about 30 s here; hostile files are stopped by
# the row and cell budget long before.
LEDGER_READ_SECONDS = float(os.environ.get("LEDGER_READ_SECONDS", 45))

# --- Logging ------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
