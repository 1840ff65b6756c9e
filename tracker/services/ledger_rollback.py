"""Undoing a ledger import batch whole: what it created goes, what it changed comes back.

Every row an import writes carries its batch (``ImportedHistory.import_batch``
on the project, partner-link and organisation history; ``StageChange.import_batch``),
so the rollback knows exactly what the batch did:

- projects it created are deleted, with their stage log and partner links;
- projects it updated get back the values of their record just before the
  batch, and the batch's stage changes on them are removed;
- partner links it added are removed and links it dropped are put back;
- organisations it created are removed unless something else now uses them;
- review requests it filed (an editor's 提交审核 rows) that still wait are
  withdrawn; one a reviewer has already decided blocks the rollback;
- 到位资金 figures it recorded are removed, and figures it changed restored.

History keeps both: the batch's rows and the rollback's, which say
"撤销台账导入 #n". A project someone has written to since the batch (an edit,
a later import, another partner link, evidence, funds, a review request) is
not rolled back under them: the whole rollback is refused and names those
projects. The batch itself stays, as an audit record, marked 已撤销.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..formatting import join_items
from ..ledger.locks import import_turn
from ..ledger.lookups import any_of
from ..models import (
    ChangeRequest,
    FundsArrival,
    ImportBatch,
    Organization,
    Project,
    ProjectPartner,
    StageChange,
)
from ..signals import public_data_changed
from .ledger_writes import bulk_delete_with_history

ROLLBACK_PERMISSION = "tracker.rollback_importbatch"
_SHOWN_CODES = 20


@dataclass
class _Written:
    """What a batch wrote, read back from the history it left."""

    created: set[int] = field(default_factory=set)  # projects
    updated: dict[int, int] = field(default_factory=dict)  # project → its batch history id
    links_added: list = field(default_factory=list)  # historical link rows, "+"
    links_dropped: list = field(default_factory=list)  # historical link rows, "-"
    organizations: set[int] = field(default_factory=set)
    stage_changes: int = 0
    requests: int = 0  # review requests the batch filed, still pending
    funds_added: set[int] = field(default_factory=set)
    funds_changed: dict[int, int] = field(default_factory=dict)  # arrival → its batch history id

    @property
    def touched(self) -> set[int]:
        return self.created | set(self.updated)

    def counts(self) -> dict[str, int]:
        return {
            "projects_deleted": len(self.created),
            "projects_restored": len(self.updated),
            "links_removed": len(self.links_added),
            "links_restored": len(self.links_dropped),
            "organizations": len(self.organizations),
            "stage_changes": self.stage_changes,
            "requests": self.requests,
            "funds": len(self.funds_added) + len(self.funds_changed),
        }


def _rollback_history(user, batch: ImportBatch) -> dict:
    return {
        "default_user": user,
        # Stored data, like the import's own reason: the same words whatever the reader's language.
        "default_change_reason": f"撤销台账导入 #{batch.pk}"[:100],
        "default_date": timezone.now(),
        "custom_historical_attrs": None,
    }


def _ids(values) -> object:
    return any_of(sorted(values), integer=True)


def _read(batch: ImportBatch) -> _Written:
    written = _Written()
    for row in Project.history.filter(import_batch=batch).order_by("history_id"):
        if row.history_type == "+":
            written.created.add(row.id)
        elif row.id not in written.created:
            written.updated[row.id] = row.history_id
    for row in ProjectPartner.history.filter(import_batch=batch).order_by("history_id"):
        (written.links_added if row.history_type == "+" else written.links_dropped).append(row)
    written.organizations = set(
        Organization.history.filter(import_batch=batch, history_type="+").values_list(
            "id", flat=True
        )
    )
    written.stage_changes = StageChange.objects.filter(import_batch=batch).count()
    written.requests = _own_requests(batch).count()
    for row in FundsArrival.history.filter(import_batch=batch).order_by("history_id"):
        if row.history_type == "+":
            written.funds_added.add(row.id)
        elif row.id not in written.funds_added:
            written.funds_changed[row.id] = row.history_id
    return written


def _own_requests(batch: ImportBatch):
    return ChangeRequest.objects.filter(import_batch=batch, status=ChangeRequest.Status.PENDING)


def _newest_history(ids: set[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        Project.history.filter(id__in=_ids(ids))
        .values("id")
        .annotate(last=Max("history_id"))
        .values_list("id", "last")
    )


def _written_since(batch: ImportBatch, written: _Written) -> set[int]:
    """The batch's projects that anything other than the batch has written to since."""
    touched = written.touched
    if not touched:
        return set()
    own = dict(
        Project.history.filter(import_batch=batch, id__in=_ids(touched))
        .values("id")
        .annotate(last=Max("history_id"))
        .values_list("id", "last")
    )
    later = {pk for pk, last in _newest_history(touched).items() if last != own.get(pk)}
    own_links = {row.id for row in written.links_added}
    later |= set(
        ProjectPartner.objects.filter(project_id__in=_ids(written.created))
        .exclude(pk__in=_ids(own_links))
        .values_list("project_id", flat=True)
    )
    later |= set(
        StageChange.objects.filter(project_id__in=_ids(touched))
        .exclude(import_batch=batch)
        .filter(recorded_at__gt=batch.applied_at or timezone.now())
        .values_list("project_id", flat=True)
    )
    # A request another edit filed, or one of the batch's that a reviewer decided.
    # Any request on its projects written since (filed, joined or decided), but the
    # batch's own that still wait.
    later |= set(
        ChangeRequest.history.filter(
            project_id__in=_ids(touched), history_date__gte=batch.created_at
        )
        .exclude(id__in=_own_requests(batch).values("pk"))
        .values_list("project_id", flat=True)
    )
    # Funds figures written since on its projects, other than the batch's own.
    later |= set(
        FundsArrival.history.filter(
            project_id__in=_ids(touched), history_date__gte=batch.created_at
        )
        .exclude(import_batch=batch)
        .values_list("project_id", flat=True)
    )
    own = {StageChange, ProjectPartner, ChangeRequest, FundsArrival}
    return later | _used_elsewhere(Project, written.created, ignore=own)


def _used_elsewhere(model, ids: set[int], *, ignore=frozenset()) -> set[int]:
    """The ids of ``model`` that a row of another table points at (``ignore`` aside)."""
    used: set[int] = set()
    if not ids:
        return used
    for relation in model._meta.related_objects:
        related = relation.related_model
        if related in ignore or relation.many_to_many or not relation.field.concrete:
            continue
        column = relation.field.attname
        used |= set(
            related._base_manager.filter(**{f"{column}__in": _ids(ids)})
            .values_list(column, flat=True)
            .distinct()
        )
    return used


def _refuse(ids: set[int], message: str) -> None:
    codes = sorted(Project._base_manager.filter(pk__in=_ids(ids)).values_list("code", flat=True))
    shown = join_items(codes[:_SHOWN_CODES])
    if len(codes) > _SHOWN_CODES:
        shown += _("等 %(n)s 个") % {"n": len(codes)}
    raise ValidationError(message % {"codes": shown})


def import_batch_rollback_check(*, batch: ImportBatch) -> dict[str, int]:
    """What rolling ``batch`` back would do, as counts; ``ValidationError`` if it may not."""
    return _checked(batch).counts()


def _checked(batch: ImportBatch) -> _Written:
    """What ``batch`` wrote, once it is clear that it may be rolled back."""
    if batch.status != ImportBatch.Status.APPLIED:
        raise ValidationError(_("只有已导入的批次可以撤销。"))
    written = _read(batch)
    later = _written_since(batch, written)
    if later:
        _refuse(
            later,
            _("这些项目在导入之后又有修改或附加材料，不能整批撤销：%(codes)s。请先处理这些项目。"),
        )
    return written


def _records_before(historical, changed: dict[int, int]) -> dict:
    """Each row's history record from just before the batch, by row id.

    ``changed`` maps a row to the batch's history id for it. The batch wrote
    all its rows in one transaction holding their locks, so a row's record
    before the batch is its newest one older than the batch's first.
    """
    before = (
        historical.objects.filter(id__in=_ids(changed))
        .filter(history_id__lt=min(changed.values()))
        .values("id")
        .annotate(last=Max("history_id"))
        .values_list("last", flat=True)
    )
    return {row.id: row for row in historical.objects.filter(history_id__in=_ids(before))}


def _restore_updated(written: _Written, history: dict) -> None:
    """Give each updated project the values of its record just before the batch."""
    if not written.updated:
        return
    historical = Project.history.model
    records = _records_before(historical, written.updated)
    missing = set(written.updated) - set(records)
    if missing:
        _refuse(missing, _("这些项目没有导入之前的记录，无法恢复：%(codes)s。"))
    names = [f.attname for f in historical.tracked_fields if not f.primary_key]
    projects = list(Project.objects.filter(pk__in=_ids(written.updated)))
    for project in projects:
        record = records[project.pk]
        for name in names:
            setattr(project, name, getattr(record, name))
        project.updated_at = history["default_date"]
    bulk_update_with_history(
        projects, Project, fields=[*names, "updated_at"], batch_size=5_000, **history
    )


def _undo_funds(written: _Written, history: dict) -> None:
    """Remove the 到位资金 figures the batch recorded; give changed ones their earlier values."""
    if written.funds_added:
        added = list(FundsArrival.objects.filter(pk__in=_ids(written.funds_added)))
        bulk_delete_with_history(added, FundsArrival, **history)
    if not written.funds_changed:
        return
    records = _records_before(FundsArrival.history.model, written.funds_changed)
    stored = list(FundsArrival.objects.filter(pk__in=_ids(records)))
    for arrival in stored:
        record = records[arrival.pk]
        arrival.amount, arrival.note, arrival.evidence = record.amount, record.note, record.evidence
        arrival.import_batch_id = record.import_batch_id
    fields = ["amount", "note", "evidence", "import_batch"]
    bulk_update_with_history(stored, FundsArrival, fields=fields, **history)


@transaction.atomic
def import_batch_rollback(*, batch: ImportBatch, user) -> dict[str, int]:
    """Roll ``batch`` back whole (see the module doc); returns what was done, as counts.

    Takes the import turn (``ledger.locks``), so no import writes meanwhile;
    refuses with a ``ValidationError`` and writes nothing if any of the
    batch's projects was written to since.
    """
    if not user.has_perm(ROLLBACK_PERMISSION):
        raise PermissionDenied
    import_turn(wait=True)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    written = _checked(batch)
    counts = written.counts()
    history = _rollback_history(user, batch)

    _own_requests(batch).delete()  # withdrawn with the batch (their history keeps them)
    _undo_funds(written, history)
    StageChange.objects.filter(import_batch=batch).delete()
    added = ProjectPartner.objects.filter(pk__in=_ids(row.id for row in written.links_added))
    if written.links_added:
        bulk_delete_with_history(list(added), ProjectPartner, **history)
    if written.links_dropped:
        bulk_create_with_history(
            [
                ProjectPartner(
                    project_id=row.project_id, organization_id=row.organization_id, role=row.role
                )
                for row in written.links_dropped
            ],
            ProjectPartner,
            **history,
        )
    _restore_updated(written, history)
    if written.created:
        created = list(Project.objects.filter(pk__in=_ids(written.created)))
        bulk_delete_with_history(created, Project, **history)
    unused = written.organizations - _used_elsewhere(Organization, written.organizations)
    counts["organizations"] = len(unused)
    if unused:
        orgs = list(Organization.objects.filter(pk__in=_ids(unused)))
        bulk_delete_with_history(orgs, Organization, **history)

    batch.status = ImportBatch.Status.ROLLED_BACK
    batch.rolled_back_at = history["default_date"]
    batch.rolled_back_by = user
    batch.save(update_fields=["status", "rolled_back_at", "rolled_back_by"])
    public_data_changed()
    return counts
