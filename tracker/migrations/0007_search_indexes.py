"""Indexes for substring search ("碳纤维" anywhere in a project's code, name or summary,
or in a partner's name), which otherwise reads every row.

PostgreSQL: pg_trgm GIN indexes on ``UPPER(column)``, the very expression Django's
``icontains`` compares, so the ORM's lookups use them unchanged.

SQLite: FTS5 tables with the trigram tokenizer, ``tracker_project_search`` and
``tracker_organization_search``, whose rowid is the mirrored row's id, kept in step
by triggers. SQLite drops a table's triggers when a migration rebuilds that table
(an ALTER that SQLite cannot do in place), so such a migration must run
``create_sqlite_search`` again; ``tests/test_public_search.py`` fails if they are gone.
"""

from django.db import migrations

PG_INDEXES = {
    "project_code_trgm_idx": "tracker_project USING gin (UPPER(code::text) gin_trgm_ops)",
    "project_name_trgm_idx": "tracker_project USING gin (UPPER(name::text) gin_trgm_ops)",
    "project_summary_trgm_idx": "tracker_project USING gin (UPPER(summary) gin_trgm_ops)",
    "organization_name_trgm_idx": (
        "tracker_organization USING gin (UPPER(name::text) gin_trgm_ops)"
    ),
    "organization_short_name_trgm_idx": (
        "tracker_organization USING gin (UPPER(short_name::text) gin_trgm_ops)"
    ),
    "organization_name_key_trgm_idx": "tracker_organization USING gin (name_key gin_trgm_ops)",
}

# SQLite: (FTS5 table, table it mirrors, columns).
SQLITE_SEARCH = [
    ("tracker_project_search", "tracker_project", ["code", "name", "summary"]),
    ("tracker_organization_search", "tracker_organization", ["name", "short_name", "name_key"]),
]


def sqlite_search_statements(search: str, table: str, columns: list[str]) -> list[str]:
    """The FTS5 table ``search`` over ``table``'s ``columns``, its triggers and its rows."""
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    insert = f"INSERT INTO {search} (rowid, {names}) VALUES (new.id, {new});"
    delete = f"DELETE FROM {search} WHERE rowid = old.id;"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {search} USING fts5({names}, tokenize='trigram')",
        *(f"DROP TRIGGER IF EXISTS {search}_{event}" for event in ("insert", "update", "delete")),
        f"CREATE TRIGGER {search}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {search}_update AFTER UPDATE OF id, {names} ON {table}"
        f" BEGIN {delete} {insert} END",
        f"CREATE TRIGGER {search}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"DELETE FROM {search}",
        f"INSERT INTO {search} (rowid, {names}) SELECT id, {names} FROM {table}",
    ]


def create_sqlite_search(schema_editor):
    """The FTS5 tables and their triggers, filled from the rows there are (idempotent)."""
    for search, table, columns in SQLITE_SEARCH:
        for statement in sqlite_search_statements(search, table, columns):
            schema_editor.execute(statement)


def create_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, target in PG_INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
    elif vendor == "sqlite":
        create_sqlite_search(schema_editor)


def drop_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for name in PG_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    elif vendor == "sqlite":
        for search, _table, _columns in SQLITE_SEARCH:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {search}_{event}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {search}")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0006_workflow_groups"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
