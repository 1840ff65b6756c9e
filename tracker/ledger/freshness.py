"""Is a plan still what planning the same rows again would give? Asked inside the write lock.

On SQLite every other writer waits while an import holds the write lock, so
the confirm plans (and prepares its INSERTs) before taking it and, once it
holds it, asks only whether what that plan *read* is unchanged:

- the reference tables it looked names up in (regions, industries, events,
  organisations): by their newest history row, since they change rarely; and
  whether any project was created (a code-less row may name it);
- the projects its rows matched by code: each one's ``updated_at`` (every
  write path sets it) and its partner links;
- the codes its new rows will take: still free, and the next free code of
  each year it handed codes out for still the same.

Saves of other projects, which arrive every second on a busy day, change
none of these, so the prepared plan is kept; anything else sends the
confirm back to planning inside the lock, as on PostgreSQL. The question is
deliberately narrower than "did anything change": the plan's digest depends
on nothing else (``importer.plan_import``).
"""

from django.db import connection

from ..codes import project_code_next
from ..models import Event, FundsArrival, Industry, Organization, Project, Region
from .importer import NEW, ImportPlan, existing_partners
from .lookups import any_of

# FundsArrival: a 到位资金 sheet reads the figures recorded for its projects.
_REFERENCE_MODELS = (Region, Industry, Event, Organization, FundsArrival)


def reference_version() -> tuple:
    """The newest history id of each table a plan looks names up in, and the newest project.

    A project created since may be one a code-less row names (``ledger.duplicates``);
    saves of existing projects move neither. Read afresh.
    """
    quote = connection.ops.quote_name
    parts = [
        f"(SELECT MAX(history_id) FROM {quote(m.history.model._meta.db_table)})"
        for m in _REFERENCE_MODELS
    ]
    parts.append(f"(SELECT MAX(id) FROM {quote(Project._meta.db_table)})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def plan_is_current(plan: ImportPlan, *, version: tuple) -> bool:
    """True when planning ``plan``'s rows now would read what it read (see the module doc).

    ``version`` is ``reference_version()`` taken before the plan was made.
    """
    if reference_version() != version:
        return False
    matched = {
        row.project.pk: row.project for row in plan.rows if row.project and row.action != NEW
    }
    if matched:
        now = dict(
            Project.objects.filter(pk__in=any_of(list(matched), integer=True)).values_list(
                "pk", "updated_at"
            )
        )
        if any(now.get(pk) != project.updated_at for pk, project in matched.items()):
            return False
        if plan._reads_partners:
            links = existing_partners(matched.values())
            if any(
                sorted(links.get(pk, [])) != sorted(plan._partner_rows.get(pk, []))
                for pk in matched
            ):
                return False
    new_codes = [
        row.code for row in plan.rows if row.code and (row.action == NEW or not row.project)
    ]
    if new_codes and Project.objects.filter(code__in=any_of(new_codes)).exists():
        return False
    return all(
        project_code_next(year=year, taken=taken) == first
        for year, (first, taken) in plan._code_starts.items()
    )
