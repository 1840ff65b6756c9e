"""A project's amount can be an approximate figure (约2亿元); the history records the flag too.

SQLite: adding a NOT NULL column rebuilds ``tracker_project``, which drops the
project search triggers of migration 0007 (as it warns), so the project FTS
tables are made again afterwards, as 0009 does for organisations, and the
table's planner statistics are gathered again.
"""

import importlib

from django.db import migrations, models

search = importlib.import_module("tracker.migrations.0007_search_indexes")


def rebuild_project_search(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, table, columns, kind in search.SQLITE_SEARCH:
        if table != "tracker_project":
            continue
        for event in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {name}")
        for statement in search.sqlite_search_statements(name, table, columns, kind):
            schema_editor.execute(statement)
    # The rebuilt table has no planner statistics: without them the public list's
    # indexes go unused until someone runs ANALYZE (bench-serve saw it collapse).
    schema_editor.execute("ANALYZE tracker_project")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0018_importbatch_rollback"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalproject",
            name="investment_approximate",
            field=models.BooleanField(
                default=False,
                help_text="来源写的是“约、近、左右”等约数时勾选，显示为“约…”。",
                verbose_name="总投资为约数",
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="investment_approximate",
            field=models.BooleanField(
                default=False,
                help_text="来源写的是“约、近、左右”等约数时勾选，显示为“约…”。",
                verbose_name="总投资为约数",
            ),
        ),
        migrations.RunPython(rebuild_project_search, rebuild_project_search),
    ]
