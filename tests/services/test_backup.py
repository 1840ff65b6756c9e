"""Moving a whole tracker SQLite → PostgreSQL → SQLite loses nothing: every row compared."""

import datetime
import json
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User

from tests.databases import copy_sqlite, drop_postgres, manage, subprocess_env
from tests.factories import make_project, make_world
from tracker.services.backup import tracker_export

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


def in_one_process(env, *calls, before=""):
    """Run these management commands in turn in one ``manage.py shell`` process, after
    the code ``before``; any one that fails raises, so the process exits non-zero."""
    lines = [before, "from django.core.management import call_command"]
    lines += [f"call_command({', '.join(repr(str(arg)) for arg in call)})" for call in calls]
    manage("shell", "-c", "\n".join(lines) + "\n", env=env)


def rows(directory):
    data = json.loads((directory / "data.json").read_text(encoding="utf-8"))
    return sorted(data, key=lambda r: (r["model"], json.dumps(r.get("pk"))))


@pytest.fixture(scope="module")
def sqlite_files(tmp_path_factory, migrated_templates):
    """The run's migrated SQLite file and a copy with the articles loaded, made once for
    the module (a load in a subprocess costs seconds); tests copy what they start from."""
    loaded = migrated_templates.copy_sqlite(tmp_path_factory.mktemp("backup") / "loaded.sqlite3")
    manage("load_articles", env=subprocess_env(SQLITE_PATH=str(loaded)))
    return {"empty": migrated_templates.sqlite_file(), "loaded": loaded}


@pytest.fixture
def pg_database(migrated_templates):
    """A scratch PostgreSQL database, migrated (a copy of the run's template)."""
    name = f"tracker_move_{uuid.uuid4().hex[:8]}"
    yield migrated_templates.create_postgres(name)
    drop_postgres(name)


@pytest.mark.slow  # a subprocess
def test_sqlite_to_postgresql_and_back_keeps_every_row(tmp_path, pg_database, sqlite_files):
    sqlite_a = subprocess_env(SQLITE_PATH=str(tmp_path / "a.sqlite3"))
    postgres = subprocess_env(DATABASE_URL=pg_database)
    sqlite_b = subprocess_env(SQLITE_PATH=str(tmp_path / "b.sqlite3"))

    # Each database's commands run in one process of their own (a process costs a second).
    copy_sqlite(sqlite_files["loaded"], sqlite_a["SQLITE_PATH"])  # migrated, articles loaded
    in_one_process(sqlite_a, ("export_all", tmp_path / "from_sqlite"), before=STAFF_EDITS)
    in_one_process(
        postgres,
        ("import_all", tmp_path / "from_sqlite"),
        ("export_all", tmp_path / "from_postgres"),
    )
    copy_sqlite(sqlite_files["empty"], sqlite_b["SQLITE_PATH"])  # migrated, empty
    in_one_process(
        sqlite_b,
        ("import_all", tmp_path / "from_postgres"),
        ("export_all", tmp_path / "back_in_sqlite"),
    )

    original = rows(tmp_path / "from_sqlite")
    assert len(original) > 1000
    assert any(
        r["model"] == "tracker.historicalproject" and r["fields"]["status"] == "delayed"
        for r in original
    )
    assert rows(tmp_path / "from_postgres") == original
    assert rows(tmp_path / "back_in_sqlite") == original


@pytest.mark.slow  # a subprocess
def test_import_refuses_a_database_that_already_holds_a_tracker(db, tmp_path, sqlite_files):
    env = subprocess_env(SQLITE_PATH=str(tmp_path / "x.sqlite3"))
    copy_sqlite(sqlite_files["loaded"], env["SQLITE_PATH"])  # migrated, articles loaded
    tracker_export(directory=tmp_path / "dump")  # any dump: the target is what is refused
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
    user = User.objects.create_user("clerk")
    User.objects.filter(pk=user.pk).update(
        date_joined=datetime.datetime(2020, 10, 12, 1, 9, 56, 123, tzinfo=datetime.UTC)
    )
    tracker_export(directory=tmp_path)
    row = next(r for r in rows(tmp_path) if r["model"] == "auth.user")
    assert row["fields"]["date_joined"] == "2020-10-12T01:09:56.000123Z"


def test_rows_refer_to_each_other_by_id_and_to_what_migrate_rebuilds_by_natural_key(db, tmp_path):
    world = make_world()
    make_project(world)
    LogEntry.objects.log_actions(
        user_id=User.objects.create_user("clerk").pk,
        queryset=[world.jiefang],
        action_flag=CHANGE,
    )
    tracker_export(directory=tmp_path)
    dump = rows(tmp_path)

    project = next(r for r in dump if r["model"] == "tracker.project")
    assert project["fields"]["region"] == world.jiefang.pk
    entry = next(r for r in dump if r["model"] == "admin.logentry")
    assert entry["fields"]["content_type"] == ["tracker", "region"]
    editors = next(r for r in dump if r["model"] == "auth.group" and r["fields"]["permissions"])
    # (codename, app label, model): ids that differ from one migrated database to another
    assert all(isinstance(p, list) and len(p) == 3 for p in editors["fields"]["permissions"])
