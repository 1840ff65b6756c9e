"""Moving a whole tracker between databases (SQLite ⇄ PostgreSQL) and backing it up.

The dump is Django's own JSON with primary keys kept (history rows and admin
log entries refer to them), so rows refer to each other by primary key; only the
rows it leaves out, which migrate rebuilds with ids of its own (content types and
permissions), are referred to by natural key. So it loads into any freshly migrated
database, with no query to resolve what a row refers to. A manifest beside it
records every model's row count and the migrations it was taken at; the import
checks both.
"""

import datetime
import json
from functools import partial
from itertools import chain
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder

DATA_FILE = "data.json"
MANIFEST_FILE = "manifest.json"
# Rebuilt by migrate (content types, permissions) or transient (sessions).
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]


class MoveError(Exception):
    pass


def _excluded(model) -> bool:
    return model._meta.app_label in EXCLUDED or model._meta.label_lower in EXCLUDED


def _models():
    for model in apps.get_models():
        if _excluded(model) or model._meta.proxy or not model._meta.managed:
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


class DumpSerializer(JSONSerializer):
    """Django's JSON serializer, with natural keys only for rows the dump leaves out.

    Django's own ``use_natural_foreign_keys`` applies to every model with a natural key
    and reads each referred-to row anew: about 1,900 queries for the article data.
    Here each left-out row's key is read once.
    """

    def start_serialization(self):
        super().start_serialization()
        self._natural_keys = {}

    def _natural_key(self, model, related_id, fetch):
        """The natural key of ``model``'s row ``related_id``; ``fetch()`` reads the row."""
        key = (model, related_id)
        if key not in self._natural_keys:
            self._natural_keys[key] = fetch().natural_key()
        return self._natural_keys[key]

    def handle_fk_field(self, obj, field):
        model, related_id = field.remote_field.model, getattr(obj, field.get_attname())
        if related_id is None or not _excluded(model):
            self._current[field.name] = self._value_from_field(obj, field)
            return
        fetch = partial(getattr, obj, field.name)
        self._current[field.name] = self._natural_key(model, related_id, fetch)

    def handle_m2m_field(self, obj, field):
        if not field.remote_field.through._meta.auto_created:
            return
        model, related = field.remote_field.model, getattr(obj, field.name)
        if not _excluded(model):
            self._current[field.name] = list(related.values_list("pk", flat=True))
            return
        # A natural key reads the row's foreign keys (a permission's content type).
        joined = [f.name for f in model._meta.concrete_fields if f.many_to_one]
        self._current[field.name] = [
            self._natural_key(model, item.pk, lambda item=item: item)
            for item in related.select_related(*joined)
        ]


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
        DumpSerializer().serialize(rows, stream=stream, cls=ExactJSONEncoder)
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
