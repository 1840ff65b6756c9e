"""Loading the article fixtures (``fixtures/*.json``) into a database, new or upgraded.

Fixtures use natural keys and no primary keys: a record already present is
matched and compared field by field, so a second run writes nothing and adds no
history. Saves are ordinary (not raw) saves, so derived fields such as an
organisation's name key are computed exactly as in the admin.

Upgrading a database that already holds older fixtures must not undo what staff
did since. Every save the loader makes is marked in history (``LOAD_REASON``), so
for each field the new fixture changes, the loader asks the history who set the
stored value: the loader, and it takes the new value; anyone else, and the edit
stays (counted in ``kept``). Partner
links and citations the new fixtures no longer hold are removed only where the
loader made them and nobody has edited them since.
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Citation, Project, ProjectPartner
from .projects import stage_change_record, stage_status

# The history reason of the loader's saves. Rows written before it was set carry no
# reason and no user, like every other row the loader wrote.
LOAD_REASON = "文章数据"
_LOADER_REASONS = {None, "", LOAD_REASON}

# Follow-up fields staff set in the workspace; the articles never carry them, so a
# reload must not reset them.
_STAFF_ONLY_FIELDS = frozenset({"leader_user_id", "unit_contact_id", "planned_operation_on"})

# Projects earlier fixtures held and the current ones merged into another record
# (one real-world thing, one record): a full load removes them where only the
# loader touched them. JZ-2020-0043 was 中原工业设计城 as promoted in Shenzhen,
# now part of JZ-2020-0052, the same park.
RETIRED_PROJECTS = {"JZ-2020-0043": "JZ-2020-0052"}

# Rows keyed by their own content (a role, a quote): a fixture that changes the key
# leaves the old row behind, so a full load removes the ones it made.
_PRUNED = (ProjectPartner, Citation)


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)  # fields left as staff edited them
    removed: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(
            sum(self.created.values()) or sum(self.updated.values()) or sum(self.removed.values())
        )


def fixture_paths() -> list[Path]:
    return sorted((settings.BASE_DIR / "fixtures").glob("*.json"))


def _comparable(instance) -> dict:
    """Field values that a fixture sets, leaving out derived, automatic and staff-only ones."""
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.editable and not f.primary_key and f.attname not in _STAFF_ONLY_FIELDS
    }


def _derived_fields(instance) -> list[str]:
    """Fields computed on save (name keys, auto_now) that an update must rewrite."""
    return [
        f.name
        for f in instance._meta.concrete_fields
        if not f.editable and not f.primary_key and not getattr(f, "auto_now_add", False)
    ]


def _is_loader_row(row) -> bool:
    return (
        row.history_user_id is None
        and row.history_change_reason in _LOADER_REASONS
        and getattr(row, "import_batch_id", None) is None
    )


def _edited_by_others(instance, names: list[str]) -> set[str]:
    """Which of ``names`` someone other than the loader set last, by the history.

    For each field, the newest historical row that set its current value (where it
    differs from the row before, or the first row) tells who set it. A model without
    history is the loader's to change.
    """
    history = getattr(instance, "history", None)
    if history is None:
        return set()
    rows = list(history.order_by("-history_id"))
    edited = set()
    for name in names:
        if not rows or getattr(rows[0], name) != getattr(instance, name):
            edited.add(name)  # changed without a history row: not the loader
            continue
        setter = next(
            (
                row
                for row, older in zip(rows, rows[1:], strict=False)
                if getattr(row, name) != getattr(older, name)
            ),
            rows[-1],
        )
        if not _is_loader_row(setter):
            edited.add(name)
    return edited


def _only_loader_touched(instance) -> bool:
    return all(_is_loader_row(row) for row in instance.history.all())


@transaction.atomic
def articles_load(*, paths: list[Path] | None = None) -> LoadReport:
    """Load the article fixtures, saving only what differs and keeping staff edits.

    With ``paths`` left out (every fixture file), partner links and citations the
    fixtures no longer hold are removed where the loader alone made them.
    """
    report = LoadReport()
    loaded = {model: set() for model in (Project, *_PRUNED)}
    for path in paths or fixture_paths():
        with path.open(encoding="utf-8") as fh:
            for item in serializers.deserialize("json", fh, handle_forward_references=False):
                obj = item.object
                obj._change_reason = LOAD_REASON
                label = obj._meta.label
                existing = type(obj)._base_manager.filter(pk=obj.pk).first() if obj.pk else None
                if existing is None:
                    obj.full_clean(validate_unique=False, validate_constraints=False)
                    obj.save()
                    report.created[label] += 1
                else:
                    _update(existing, obj, report)
                if type(obj) in loaded:
                    loaded[type(obj)].add((existing or obj).pk)
                _sync_m2m(existing or obj, item.m2m_data, report, created=existing is None)
    if paths is None:
        _prune(loaded, report)
    return report


def _update(existing, obj, report: LoadReport) -> None:
    label = obj._meta.label
    differing = [n for n, v in _comparable(obj).items() if getattr(existing, n) != v]
    # A field whose stored value the loader set is the fixture's to change; a value
    # anyone else set is their edit.
    edited = _edited_by_others(existing, differing) if differing else set()
    changed = [n for n in differing if n not in edited]
    report.kept[label] += len(differing) - len(changed)
    if not changed:
        report.unchanged[label] += 1
        return
    # Apply the change to the stored row, so that fields the fixture does not
    # carry (created_at …) keep their values, in history too.
    before = stage_status(existing) if label == "tracker.Project" else None
    for name in changed:
        setattr(existing, name, getattr(obj, name))
    existing._change_reason = LOAD_REASON
    existing.full_clean(validate_unique=False, validate_constraints=False)
    existing.save(update_fields=changed + _derived_fields(existing))
    if before is not None and before != stage_status(existing):
        stage_change_record(existing, before, note=_("文章数据更新"), effective_on=None, user=None)
    report.updated[label] += 1


def _prune(loaded: dict, report: LoadReport) -> None:
    """Remove partner links and citations of fixture records that the fixtures dropped."""
    stale = {
        ProjectPartner: ProjectPartner.objects.filter(project__in=loaded[Project]),
        Citation: Citation.objects.all(),
    }
    retired = Project.objects.filter(code__in=RETIRED_PROJECTS)
    for project in retired:
        if _only_loader_touched(project) and not project.progress_reports.exists():
            project._change_reason = LOAD_REASON
            project.delete()
            report.removed[Project._meta.label] += 1
    for model, rows in stale.items():
        for row in rows.exclude(pk__in=loaded[model]):
            if _only_loader_touched(row):
                row._change_reason = LOAD_REASON
                row.delete()
                report.removed[model._meta.label] += 1


def _sync_m2m(obj, m2m_data: dict, report: LoadReport, *, created: bool):
    for name, pks in m2m_data.items():
        manager = getattr(obj, name)
        wanted = {int(pk) for pk in pks}
        if set(manager.values_list("pk", flat=True)) != wanted:
            manager.set(wanted)
            tally = report.created if created else report.updated
            tally[f"{obj._meta.label}.{name}"] += 1
