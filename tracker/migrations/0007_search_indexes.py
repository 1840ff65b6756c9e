"""Indexes for substring search ("碳纤维" anywhere in a project's code, name or summary,
or in a partner's name), which otherwise reads every row.

PostgreSQL: pg_trgm GIN indexes on ``UPPER(column)``, the very expression Django's
``icontains`` compares, so the ORM's lookups use them unchanged.

SQLite: an FTS5 table with the trigram tokenizer, ``tracker_project_search``, whose
rowid is the project's id, kept in step by triggers. SQLite drops a table's triggers
when a migration rebuilds that table (any ALTER of ``tracker_project`` that SQLite
cannot do in place), so such a migration must run ``create_sqlite_search`` again;
``tests/test_public_search.py`` fails if the triggers are gone.
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

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS tracker_project_search"
    " USING fts5(code, name, summary, tokenize='trigram')",
    "DROP TRIGGER IF EXISTS tracker_project_search_insert",
    "DROP TRIGGER IF EXISTS tracker_project_search_update",
    "DROP TRIGGER IF EXISTS tracker_project_search_delete",
    """CREATE TRIGGER tracker_project_search_insert AFTER INSERT ON tracker_project BEGIN
        INSERT INTO tracker_project_search (rowid, code, name, summary)
        VALUES (new.id, new.code, new.name, new.summary);
    END""",
    """CREATE TRIGGER tracker_project_search_update
    AFTER UPDATE OF id, code, name, summary ON tracker_project BEGIN
        DELETE FROM tracker_project_search WHERE rowid = old.id;
        INSERT INTO tracker_project_search (rowid, code, name, summary)
        VALUES (new.id, new.code, new.name, new.summary);
    END""",
    """CREATE TRIGGER tracker_project_search_delete AFTER DELETE ON tracker_project BEGIN
        DELETE FROM tracker_project_search WHERE rowid = old.id;
    END""",
    "DELETE FROM tracker_project_search",
    "INSERT INTO tracker_project_search (rowid, code, name, summary)"
    " SELECT id, code, name, summary FROM tracker_project",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tracker_project_search_insert",
    "DROP TRIGGER IF EXISTS tracker_project_search_update",
    "DROP TRIGGER IF EXISTS tracker_project_search_delete",
    "DROP TABLE IF EXISTS tracker_project_search",
]


def create_sqlite_search(schema_editor):
    """The FTS5 table and its triggers, filled from the projects there are (idempotent)."""
    for statement in SQLITE_CREATE:
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
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0006_workflow_groups"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
