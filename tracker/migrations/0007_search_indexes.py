"""Indexes for substring search ("碳纤维" anywhere in a project's code, name or summary,
or in a partner's name), which otherwise reads every row.

PostgreSQL: pg_trgm GIN indexes on ``UPPER(column)``, the very expression Django's
``icontains`` compares, so the ORM's lookups use them unchanged. A term of one or
two characters (腾讯, 中铁: most Chinese names) has no trigram, so a second GIN index
holds each row's distinct one- and two-character substrings (``tracker_short_grams``):
such a term is a substring exactly when it is one of them. ``tracker/search.py``
repeats the indexed expressions; a test checks that the index serves them.

SQLite: FTS5 tables whose rowid is the mirrored row's id, kept in step by triggers:
``tracker_project_search`` and ``tracker_organization_search`` (trigram tokenizer),
and for terms of one or two characters ``tracker_project_chars`` and
``tracker_organization_chars`` (one token per character). SQLite drops a table's triggers when a migration rebuilds that table
(an ALTER that SQLite cannot do in place), so such a migration must run
``create_sqlite_search`` again; ``tests/public/test_search.py`` fails if they are gone.
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

SHORT_GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION tracker_short_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, i, n)), '{}')
    FROM generate_series(1, 2) AS n, generate_series(1, length(value) - n + 1) AS i
$$
"""
PG_SHORT_GRAM_INDEXES = {
    "project_short_grams_idx": (
        "tracker_project USING gin"
        " (tracker_short_grams(UPPER(code || E'\\n' || name || E'\\n' || summary)))"
    ),
    "organization_short_grams_idx": (
        "tracker_organization USING gin"
        " (tracker_short_grams(UPPER(name || E'\\n' || short_name || E'\\n' || name_key)))"
    ),
}

# SQLite: (FTS5 table, table it mirrors, columns, tokenizer). "trigram" answers
# terms of three characters or more. "chars" holds each column with a space after
# every character, so that each letter or digit is a token (unicode61) and a term
# of one or two characters is a phrase of one or two tokens; punctuation is not a
# token, so tracker/search.py checks those candidates against the text itself.
SQLITE_SEARCH = [
    ("tracker_project_search", "tracker_project", ["code", "name", "summary"], "trigram"),
    (
        "tracker_organization_search",
        "tracker_organization",
        ["name", "short_name", "name_key"],
        "trigram",
    ),
    ("tracker_project_chars", "tracker_project", ["code", "name", "summary"], "chars"),
    (
        "tracker_organization_chars",
        "tracker_organization",
        ["name", "short_name", "name_key"],
        "chars",
    ),
]
TOKENIZERS = {"trigram": "trigram", "chars": "unicode61 remove_diacritics 0"}


def spaced(column: str) -> str:
    """SQL for ``column`` with a space after each character ("钛箔" → "钛 箔 ").

    SQLite has no loop in a trigger: json_each over an array as long as the text
    (built from a zero blob's hex digits) yields one row per position, in order.
    """
    positions = f"'[' || substr(replace(hex(zeroblob(length({column}))), '00', ',0'), 2) || ']'"
    return (
        f"(SELECT coalesce(group_concat(substr({column}, p.key + 1, 1), ' '), '')"
        f" FROM json_each({positions}) AS p)"
    )


def sqlite_search_statements(search: str, table: str, columns: list[str], kind: str):
    """The FTS5 table ``search`` over ``table``'s ``columns``, its triggers and its rows."""
    names = ", ".join(columns)

    def values(row: str) -> str:
        cells = [f"{row}{c}" for c in columns]
        return ", ".join(spaced(c) if kind == "chars" else c for c in cells)

    insert = f"INSERT INTO {search} (rowid, {names}) VALUES (new.id, {values('new.')});"
    delete = f"DELETE FROM {search} WHERE rowid = old.id;"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {search}"
        f" USING fts5({names}, tokenize='{TOKENIZERS[kind]}')",
        *(f"DROP TRIGGER IF EXISTS {search}_{event}" for event in ("insert", "update", "delete")),
        f"CREATE TRIGGER {search}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {search}_update AFTER UPDATE OF id, {names} ON {table}"
        f" BEGIN {delete} {insert} END",
        f"CREATE TRIGGER {search}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"DELETE FROM {search}",
        f"INSERT INTO {search} (rowid, {names}) SELECT id, {values('')} FROM {table}",
    ]


def create_sqlite_search(schema_editor):
    """The FTS5 tables and their triggers, filled from the rows there are (idempotent)."""
    for search, table, columns, kind in SQLITE_SEARCH:
        for statement in sqlite_search_statements(search, table, columns, kind):
            schema_editor.execute(statement)


def create_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(SHORT_GRAMS_FUNCTION)
        for name, target in {**PG_INDEXES, **PG_SHORT_GRAM_INDEXES}.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
    elif vendor == "sqlite":
        create_sqlite_search(schema_editor)


def drop_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for name in {**PG_INDEXES, **PG_SHORT_GRAM_INDEXES}:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute("DROP FUNCTION IF EXISTS tracker_short_grams(text)")
    elif vendor == "sqlite":
        for search, *_ in SQLITE_SEARCH:
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
