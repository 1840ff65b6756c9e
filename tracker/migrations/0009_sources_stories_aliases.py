"""Stories within a source (``Citation.headline``), organisation aliases, the weakest
partner role (相关方), and the search indexes that now cover aliases.

PostgreSQL: a trigram index on ``UPPER(aliases)`` and the short-substring index
rebuilt over name, short name, name key and aliases (``tracker/search.py`` repeats
the expression). SQLite: adding a column rebuilds ``tracker_organization``, which
drops its FTS triggers, so the organisation FTS tables are made again with the
aliases column (as migration 0007 warns).
"""

import importlib

from django.db import migrations, models

search = importlib.import_module("tracker.migrations.0007_search_indexes")

ORG_COLUMNS = ["name", "short_name", "name_key", "aliases"]
ORG_SHORT_GRAMS = (
    "tracker_organization USING gin (tracker_short_grams(UPPER(name || E'\\n' || short_name"
    " || E'\\n' || name_key || E'\\n' || aliases)))"
)


def _sqlite_org_search(schema_editor, columns):
    for name, table, _columns, kind in search.SQLITE_SEARCH:
        if table != "tracker_organization":
            continue
        for event in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {name}")
        for statement in search.sqlite_search_statements(name, table, columns, kind):
            schema_editor.execute(statement)


def index_aliases(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS organization_aliases_trgm_idx"
            " ON tracker_organization USING gin (UPPER(aliases) gin_trgm_ops)"
        )
        schema_editor.execute("DROP INDEX IF EXISTS organization_short_grams_idx")
        schema_editor.execute(f"CREATE INDEX organization_short_grams_idx ON {ORG_SHORT_GRAMS}")
    elif vendor == "sqlite":
        search.create_sqlite_search(schema_editor)  # the project tables, if a rebuild dropped them
        _sqlite_org_search(schema_editor, ORG_COLUMNS)


def unindex_aliases(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS organization_aliases_trgm_idx")
        schema_editor.execute("DROP INDEX IF EXISTS organization_short_grams_idx")
        schema_editor.execute(
            "CREATE INDEX organization_short_grams_idx ON "
            + search.PG_SHORT_GRAM_INDEXES["organization_short_grams_idx"]
        )
    elif vendor == "sqlite":
        _sqlite_org_search(schema_editor, ["name", "short_name", "name_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0008_public_filter_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="citation",
            name="headline",
            field=models.CharField(
                blank=True,
                help_text="来源含多篇报道时，引述所在报道的原标题；只有一篇或为图片说明时留空。",
                max_length=200,
                verbose_name="所在报道标题",
            ),
        ),
        migrations.AddField(
            model_name="historicalcitation",
            name="headline",
            field=models.CharField(
                blank=True,
                help_text="来源含多篇报道时，引述所在报道的原标题；只有一篇或为图片说明时留空。",
                max_length=200,
                verbose_name="所在报道标题",
            ),
        ),
        migrations.AddField(
            model_name="historicalorganization",
            name="aliases",
            field=models.TextField(
                blank=True,
                help_text="文中出现的其他写法，每行一个；公开搜索也查别名。",
                verbose_name="别名",
            ),
        ),
        migrations.AddField(
            model_name="organization",
            name="aliases",
            field=models.TextField(
                blank=True,
                help_text="文中出现的其他写法，每行一个；公开搜索也查别名。",
                verbose_name="别名",
            ),
        ),
        migrations.AlterField(
            model_name="historicalprojectpartner",
            name="role",
            field=models.CharField(
                choices=[
                    ("investor", "投资方"),
                    ("signatory", "签约方"),
                    ("local_counterpart", "本地承接方"),
                    ("research_partner", "科研合作方"),
                    ("operator", "运营方"),
                    ("intermediary", "中介/促成方"),
                    ("named", "相关方"),
                ],
                default="signatory",
                max_length=20,
                verbose_name="角色",
            ),
        ),
        migrations.AlterField(
            model_name="projectpartner",
            name="role",
            field=models.CharField(
                choices=[
                    ("investor", "投资方"),
                    ("signatory", "签约方"),
                    ("local_counterpart", "本地承接方"),
                    ("research_partner", "科研合作方"),
                    ("operator", "运营方"),
                    ("intermediary", "中介/促成方"),
                    ("named", "相关方"),
                ],
                default="signatory",
                max_length=20,
                verbose_name="角色",
            ),
        ),
        migrations.RunPython(index_aliases, unindex_aliases),
    ]
