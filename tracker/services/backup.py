"""Moving a whole tracker between databases (SQLite ⇄ PostgreSQL) and backing it up.

The dump is Django's own JSON with primary keys kept (history rows and admin
log entries refer to them) and natural keys for content types, so it loads into
any freshly migrated database. A manifest beside it records every model's row
count and the migrations it was taken at; the import checks both.
"""

import datetime
import json
from itertools import chain
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder

DATA_FILE = "data.json"
MANIFEST_FILE = "manifest.json"
# Rebuilt by migrate (content types, permissions) or transient (sessions).
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]


class MoveError(Exception):
    pass


def _models():
    excluded_apps = {e for e in EXCLUDED if "." not in e}
    excluded_models = {e for e in EXCLUDED if "." in e}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in excluded_apps or label in excluded_models:
            continue
        if model._meta.proxy or not model._meta.managed:
            continue
        yield model


def row_counts() -> dict[str, int]:
    return {model._meta.label_lower: model._base_manager.count() for model in _models()}


def applied_migrations() -> list[str]:
    return sorted(
        f"{app}.{name}"
        for app, name in MigrationRecorder.Migration.objects.values_list("app", "name")
    )


class ExactJSONEncoder(DjangoJSONEncoder):
    """Datetimes and times with every microsecond: Django's encoder keeps milliseconds only,
    which would change history timestamps on a round trip."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _ordered_models():
    """Every model to move, in an order where what a row refers to comes first."""
    by_app: dict = {}
    for model in _models():
        by_app.setdefault(model._meta.app_config, []).append(model)
    return serializers.sort_dependencies(by_app.items(), allow_cycles=True)


def tracker_export(*, directory: Path) -> dict[str, int]:
    """Write the dump and its manifest into ``directory``; returns the row counts."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = chain.from_iterable(
        model._base_manager.order_by(model._meta.pk.name).iterator(chunk_size=2000)
        for model in _ordered_models()
    )
    with (directory / DATA_FILE).open("w", encoding="utf-8") as stream:
        serializers.serialize(
            "json", rows, stream=stream, cls=ExactJSONEncoder, use_natural_foreign_keys=True
        )
    counts = row_counts()
    manifest = {"rows": counts, "migrations": applied_migrations()}
    (directory / MANIFEST_FILE).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return counts


def tracker_import(*, directory: Path) -> dict[str, int]:
    """Load a dump into this (migrated, empty) database, then check every count."""
    manifest_path, data_path = directory / MANIFEST_FILE, directory / DATA_FILE
    if not manifest_path.is_file() or not data_path.is_file():
        raise MoveError(
            f"{directory} 中没有 {DATA_FILE} 和 {MANIFEST_FILE}（请先用 export_all 导出）。"
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    missing = sorted(set(manifest["migrations"]) - set(applied_migrations()))
    if missing:
        raise MoveError("目标数据库缺少迁移，请先运行 migrate：" + "、".join(missing))
    # Groups are made by a data migration; the dump carries the source's own.
    occupied = {label: n for label, n in row_counts().items() if n and label != "auth.group"}
    if occupied:
        raise MoveError(
            "目标数据库不是空的（"
            + "、".join(f"{k} {v} 行" for k, v in sorted(occupied.items()))
            + "）；"
            "请导入到新建并已迁移的数据库。"
        )
    with transaction.atomic():
        Group.objects.all().delete()
        call_command("loaddata", str(data_path), verbosity=0)
        counts = row_counts()
        differ = {
            k: (v, counts.get(k, 0)) for k, v in manifest["rows"].items() if counts.get(k, 0) != v
        }
        if differ:
            raise MoveError(
                "导入后行数与导出清单不符，已回滚："
                + "、".join(f"{k} 应为 {a} 实为 {b}" for k, (a, b) in sorted(differ.items()))
            )
    return counts
