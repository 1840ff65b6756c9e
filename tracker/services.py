"""Writes that touch several models. Keyword-only functions; views and commands call these."""

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.db import transaction

from .models import Project

# --- Project codes ---------------------------------------------------------------

_CODE = re.compile(r"^(?P<prefix>[A-Z]+)-(?P<year>\d{4})-(?P<seq>\d{4,})$")


def project_code_next(*, year: int, taken: set[str] | None = None) -> str:
    """The next free code for ``year``: one above the highest sequence in use.

    ``taken`` holds codes reserved in the same unit of work but not yet saved
    (a bulk import hands out many codes before it writes any).
    """
    prefix = f"{settings.PROJECT_CODE_PREFIX}-{year}-"
    codes = set(Project.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    codes |= {c for c in (taken or ()) if c.startswith(prefix)}
    highest = max((int(m["seq"]) for c in codes if (m := _CODE.match(c))), default=0)
    return f"{prefix}{highest + 1:04d}"


# --- Article fixtures ---------------------------------------------------------------


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))


def _comparable(instance) -> dict:
    """Field values that a fixture sets, leaving out derived and automatic ones."""
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.editable and not f.primary_key
    }


def _derived_fields(instance) -> list[str]:
    """Fields computed on save (name keys, auto_now) that an update must rewrite."""
    return [
        f.name
        for f in instance._meta.concrete_fields
        if not f.editable and not f.primary_key and not getattr(f, "auto_now_add", False)
    ]


def fixture_paths() -> list[Path]:
    return sorted((settings.BASE_DIR / "fixtures").glob("*.json"))


@transaction.atomic
def articles_load(*, paths: list[Path] | None = None) -> LoadReport:
    """Load the article fixtures, saving only what differs from the database.

    Fixtures use natural keys and no primary keys, so a record already present
    is matched and compared field by field: a second run writes nothing and adds
    no history. Saves are ordinary (not raw) saves, so derived fields such as an
    organisation's name key are computed exactly as in the admin.
    """
    report = LoadReport()
    for path in paths or fixture_paths():
        with path.open(encoding="utf-8") as fh:
            for item in serializers.deserialize("json", fh, handle_forward_references=False):
                obj = item.object
                label = obj._meta.label
                existing = type(obj)._base_manager.filter(pk=obj.pk).first() if obj.pk else None
                if existing is None:
                    obj.full_clean(validate_unique=False, validate_constraints=False)
                    obj.save()
                    report.created[label] += 1
                elif changed := [
                    name
                    for name, value in _comparable(obj).items()
                    if getattr(existing, name) != value
                ]:
                    # Apply the change to the stored row, so that fields the fixture
                    # does not carry (created_at …) keep their values, in history too.
                    for name in changed:
                        setattr(existing, name, getattr(obj, name))
                    existing.full_clean(validate_unique=False, validate_constraints=False)
                    existing.save(update_fields=changed + _derived_fields(existing))
                    report.updated[label] += 1
                else:
                    report.unchanged[label] += 1
                _sync_m2m(existing or obj, item.m2m_data, report, created=existing is None)
    return report


def _sync_m2m(obj, m2m_data: dict, report: LoadReport, *, created: bool):
    for name, pks in m2m_data.items():
        manager = getattr(obj, name)
        wanted = {int(pk) for pk in pks}
        if set(manager.values_list("pk", flat=True)) != wanted:
            manager.set(wanted)
            tally = report.created if created else report.updated
            tally[f"{obj._meta.label}.{name}"] += 1
