"""Moving a whole tracker SQLite → PostgreSQL → SQLite loses nothing: every row compared."""

import datetime
import json
import os
import sqlite3
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import User

PG = "postgres://postgres@127.0.0.1:5432"

# A staff member's edits after the fixtures: a new user and group membership, a
# stage change recorded in history under that user, a new partner.
STAFF_EDITS = """
from django.contrib.auth.models import Group, User
from tracker.models import Organization, Project
clerk = User.objects.create_user("clerk", password="x-secret-9", is_staff=True)
clerk.groups.add(Group.objects.get(name="区域录入员"))
project = Project.objects.get(name__contains="蒙牛")
project.stage = "operating"
project.status = "delayed"
project._history_user = clerk
project.save()
Organization.objects.create(name="测试（焦作）有限公司", kind="enterprise")
"""


def manage(*args, env):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def rows(directory):
    data = json.loads((directory / "data.json").read_text(encoding="utf-8"))
    return sorted(data, key=lambda r: (r["model"], json.dumps(r.get("pk"))))


def _copy_sqlite(source, target):
    original, copy = sqlite3.connect(source), sqlite3.connect(target)
    original.backup(copy)
    original.close(), copy.close()


@pytest.fixture(scope="module")
def sqlite_files(tmp_path_factory):
    """A migrated SQLite file and a copy with the articles loaded, made once for the module
    (a migrate and a load in subprocesses cost seconds each); tests copy what they start from."""
    folder = tmp_path_factory.mktemp("backup-templates")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    empty, loaded = folder / "empty.sqlite3", folder / "loaded.sqlite3"
    manage("migrate", "-v0", env={**env, "SQLITE_PATH": str(empty)})
    _copy_sqlite(empty, loaded)
    manage("load_articles", env={**env, "SQLITE_PATH": str(loaded)})
    return {"empty": empty, "loaded": loaded}


@pytest.fixture
def pg_database():
    name = f"tracker_move_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    yield f"{PG}/{name}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow  # a subprocess
def test_sqlite_to_postgresql_and_back_keeps_every_row(tmp_path, pg_database, sqlite_files):
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    sqlite_a = {**base, "SQLITE_PATH": str(tmp_path / "a.sqlite3")}
    postgres = {**base, "DATABASE_URL": pg_database}
    sqlite_b = {**base, "SQLITE_PATH": str(tmp_path / "b.sqlite3")}

    _copy_sqlite(sqlite_files["loaded"], sqlite_a["SQLITE_PATH"])  # migrated, articles loaded
    manage("shell", "-c", STAFF_EDITS, env=sqlite_a)
    manage("export_all", str(tmp_path / "from_sqlite"), env=sqlite_a)

    manage("migrate", "-v0", env=postgres)
    manage("import_all", str(tmp_path / "from_sqlite"), env=postgres)
    manage("export_all", str(tmp_path / "from_postgres"), env=postgres)

    _copy_sqlite(sqlite_files["empty"], sqlite_b["SQLITE_PATH"])  # migrated, empty
    manage("import_all", str(tmp_path / "from_postgres"), env=sqlite_b)
    manage("export_all", str(tmp_path / "back_in_sqlite"), env=sqlite_b)

    original = rows(tmp_path / "from_sqlite")
    assert len(original) > 1000
    assert any(
        r["model"] == "tracker.historicalproject" and r["fields"]["status"] == "delayed"
        for r in original
    )
    assert rows(tmp_path / "from_postgres") == original
    assert rows(tmp_path / "back_in_sqlite") == original


@pytest.mark.slow  # a subprocess
def test_import_refuses_a_database_that_already_holds_a_tracker(tmp_path, sqlite_files):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev", SQLITE_PATH=str(tmp_path / "x.sqlite3")
    )
    _copy_sqlite(sqlite_files["loaded"], env["SQLITE_PATH"])  # migrated, articles loaded
    manage("export_all", str(tmp_path / "dump"), env=env)
    result = subprocess.run(
        [sys.executable, "manage.py", "import_all", str(tmp_path / "dump")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "目标数据库不是空的" in result.stderr


def test_the_dump_keeps_every_microsecond_of_a_timestamp(db, tmp_path):
    from tracker.services.backup import tracker_export

    user = User.objects.create_user("clerk")
    User.objects.filter(pk=user.pk).update(
        date_joined=datetime.datetime(2020, 10, 12, 1, 9, 56, 123, tzinfo=datetime.UTC)
    )
    tracker_export(directory=tmp_path)
    row = next(r for r in rows(tmp_path) if r["model"] == "auth.user")
    assert row["fields"]["date_joined"] == "2020-10-12T01:09:56.000123Z"
