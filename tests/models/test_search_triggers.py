"""Every migration that rebuilds a table on SQLite must leave its search triggers behind it.

SQLite drops a table's triggers when a migration remakes the table (adding a
NOT NULL column does), and the FTS search tables then silently stop following
the rows (migration 0007). This checks the migrated test database itself.
"""

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS triggers")

SEARCH_TABLES = [
    "tracker_project_search",
    "tracker_project_chars",
    "tracker_organization_search",
    "tracker_organization_chars",
]


@pytest.mark.django_db
def test_every_search_table_has_its_three_triggers_after_all_migrations():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {name for (name,) in cursor.fetchall()}
    expected = {
        f"{table}_{event}" for table in SEARCH_TABLES for event in ("insert", "update", "delete")
    }
    assert expected <= triggers, sorted(expected - triggers)
