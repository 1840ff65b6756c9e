"""Writing a ledger's 到位资金 rows (``ledger.funds``), in the import's own transaction.

Called right after the projects are written, so a row may name a project the
same file created. New figures are created, changed ones updated, both with
history that points at the batch (rolling the batch back removes or restores
them); unchanged rows write nothing.
"""

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..ledger.funds import NEW, UPDATE
from ..ledger.lookups import any_of
from ..models import FundsArrival, Project
from .ledger_writes import history_attrs


def funds_write(*, plan, user, batch) -> int:
    """Write ``plan``'s new and changed 到位资金 rows; returns how many were written."""
    rows = [row for row in plan.funds if row.action in (NEW, UPDATE)]
    if not rows:
        return 0
    codes = sorted({row.code for row in rows})
    ids = dict(Project.objects.filter(code__in=any_of(codes)).values_list("code", "pk"))
    history = history_attrs(user, batch, timezone.now())
    created = [
        FundsArrival(
            project_id=ids[row.code],
            month=row.month,
            origin=row.origin,
            amount=row.amount,
            note=row.note,
            evidence=row.evidence,
            recorded_by=user,
            import_batch=batch,
        )
        for row in rows
        if row.action == NEW
    ]
    if created:
        bulk_create_with_history(created, FundsArrival, **history)
    changed = {row.existing: row for row in rows if row.action == UPDATE}
    if changed:
        stored = list(FundsArrival.objects.filter(pk__in=any_of(list(changed), integer=True)))
        for arrival in stored:
            row = changed[arrival.pk]
            arrival.amount, arrival.note, arrival.evidence = row.amount, row.note, row.evidence
            # The row's own batch field is also its history's: the batch that last wrote it.
            arrival.import_batch = batch
        bulk_update_with_history(
            stored, FundsArrival, fields=["amount", "note", "evidence", "import_batch"], **history
        )
    return len(rows)
