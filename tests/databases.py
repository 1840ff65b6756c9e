"""Migrated databases made once per test run and copied wherever a test needs one.

A migrate costs about three seconds (Django renders every migration's models); a copy
of a migrated database costs milliseconds. So the run keeps one migrated SQLite file
and, when a test asks for PostgreSQL, one migrated PostgreSQL database, and copies them:

- into pytest-django's own test database on each xdist worker (``use_for_test_databases``);
- into the files and scratch databases of the tests that run ``manage.py`` in
  subprocesses (``MigratedTemplates.copy_sqlite`` and ``.create_postgres``).

The first process of the run that needs a template makes it with ``manage.py migrate``,
under a lock that the run's workers share; the controller drops the PostgreSQL one when
the run ends (``drop_postgres_template``). Nothing is kept from one run to the next, so a
changed migration is always what a test database is made from.
"""

import contextlib
import fcntl
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management.commands import migrate
from django.db import connections


def _postgres_server() -> str:
    """This run's PostgreSQL server: DATABASE_URL's when the run is on PostgreSQL (the
    test database and its template live side by side), else the local one."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url.split("?", 1)[0].rsplit("/", 1)[0]
    return "postgres://postgres@127.0.0.1:5432"


PG = _postgres_server()
POSTGRES_MARKER = "postgres-template"


def subprocess_env(**extra) -> dict:
    """The environment of a ``manage.py`` subprocess: dev settings, SQLite unless
    ``extra`` names a DATABASE_URL."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings.dev", **extra}


def manage(*args, env: dict, timeout: int = 300) -> str:
    """Run ``manage.py`` in a subprocess with ``env``; its output, or fail with it."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _migrate(**extra) -> None:
    manage("migrate", "--noinput", "--skip-checks", "-v0", env=subprocess_env(**extra))


def _maintenance(sql: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(sql)


def postgres_execute(sql: str) -> None:
    """Run one statement on the server's maintenance database; skip without a server."""
    try:
        _maintenance(sql)
    except psycopg.OperationalError as error:
        if "connect" not in str(error).lower():
            raise
        pytest.skip(f"no PostgreSQL server at {PG}")


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite file, WAL included (SQLite's backup API)."""
    original, copy = sqlite3.connect(source), sqlite3.connect(target)
    original.backup(copy)
    original.close(), copy.close()


class MigratedTemplates:
    """The run's migrated templates, in ``root``: a folder every worker of the run shares."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @contextlib.contextmanager
    def _locked(self, engine: str):
        """The lock of one engine's template: the two can be made at once."""
        with open(self.root / f"template-{engine}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def sqlite_file(self) -> Path:
        path = self.root / "migrated.sqlite3"
        with self._locked("sqlite"):
            if not path.exists():
                partial = self.root / "migrating.sqlite3"
                _migrate(SQLITE_PATH=str(partial))
                copy_sqlite(partial, path)  # one file, its WAL folded in
                partial.unlink()
        return path

    def postgres_name(self) -> str:
        marker = self.root / POSTGRES_MARKER
        with self._locked("postgresql"):
            if not marker.exists():
                name = f"tracker_template_{uuid.uuid4().hex[:10]}"
                postgres_execute(f'CREATE DATABASE "{name}"')
                try:
                    _migrate(DATABASE_URL=f"{PG}/{name}")
                except BaseException:
                    drop_postgres(name)
                    raise
                marker.write_text(name)
            return marker.read_text()

    def for_engine(self, vendor: str) -> str:
        """Make (or find) the template for this engine; its file or database name."""
        return str(self.sqlite_file()) if vendor == "sqlite" else self.postgres_name()

    def copy_sqlite(self, target: Path) -> Path:
        copy_sqlite(self.sqlite_file(), target)
        return target

    def create_postgres(self, name: str) -> str:
        """Create database ``name`` as a copy of the template; its URL."""
        template = self.postgres_name()
        # PostgreSQL copies a template only while nobody else reads it.
        with self._locked("postgresql"):
            postgres_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return f"{PG}/{name}"


def start_making(templates: MigratedTemplates, vendor: str) -> threading.Thread:
    """Make the run's template in the background: the controller starts it while the
    xdist workers start and collect (seconds), so their test databases wait less.
    Either way is correct: whoever takes the lock first makes it, the others find it."""

    def make():
        with contextlib.suppress(BaseException):  # a worker then makes it and says why not
            templates.for_engine(vendor)

    thread = threading.Thread(target=make, name="migrated-template", daemon=True)
    thread.start()
    return thread


def drop_postgres(name: str) -> None:
    """Drop a scratch database of the run, its sessions too."""
    _maintenance(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_postgres_template(root: Path) -> None:
    marker = Path(root) / POSTGRES_MARKER
    if marker.exists():
        drop_postgres(marker.read_text())
        marker.unlink()


def _restore(connection, templates: MigratedTemplates) -> None:
    """Make the (just created, empty) test database behind ``connection`` a copy of the
    migrated template."""
    if connection.vendor == "sqlite":
        source = sqlite3.connect(templates.sqlite_file())
        connection.ensure_connection()
        source.backup(connection.connection)
        source.close()
    else:  # PostgreSQL (use_for_test_databases lets every other engine migrate)
        name = connection.settings_dict["NAME"]
        connection.close()
        drop_postgres(name)
        templates.create_postgres(name)


def use_for_test_databases(templates: MigratedTemplates) -> None:
    """The next ``migrate`` in this process, which pytest-django's database setup runs
    for the test database, copies the template instead; later ones migrate as usual."""
    original = migrate.Command.handle

    def handle(self, *args, **options):
        migrate.Command.handle = original
        connection = connections[options["database"]]
        if connection.vendor not in {"sqlite", "postgresql"}:
            return original(self, *args, **options)
        _restore(connection, templates)

    migrate.Command.handle = handle
