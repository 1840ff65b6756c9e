"""Writing an import plan: organisations, projects, partner links, the stage timeline, history.

``apply_plan`` writes an error-free plan in one transaction, through the ORM
(simple-history's bulk helpers). On SQLite every other writer waits while an
import writes, and most of the ORM's time goes into turning 50,000 model
objects into SQL parameters, not into the database. So there the rows an
import *creates* can be prepared beforehand (``prepare_writes``, no lock
held): every value converted for the database, new ids as placeholders.
Inside the lock the placeholders become the next free ids and each table
is one ``executemany``; nothing else changes: the same rows, the same
history, the same single transaction. Updates of existing projects always
take the ORM path.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..choices import Stage
from ..ledger.importer import NEW, UPDATE, ImportPlan, Progress
from ..ledger.lookups import any_of
from ..models import Organization, Project, ProjectPartner, StageChange
from ..signals import public_data_changed
from ..text import normalize_name

# Rows written per statement batch between progress reports (all in one transaction).
WRITE_CHUNK = 5_000


def _chunks(items: list):
    size = WRITE_CHUNK
    for start in range(0, len(items), size):
        yield items[start : start + size]


def history_attrs(plan_user, batch, now) -> dict:
    return {
        "default_user": plan_user,
        "default_change_reason": batch.change_reason if batch else "台账导入",
        "default_date": now,
        "custom_historical_attrs": {"import_batch": batch} if batch else None,
    }


# --- Prepared inserts (SQLite) -----------------------------------------------------------


class _Insert:
    """One table's INSERTs, values already converted; negative ids are placeholders.

    Placeholder ``-(k + 1)`` is the ``k``-th new row of the table a column
    refers to; ``execute`` swaps in ``base + k`` once the bases are known.
    """

    def __init__(self, model, objs, *, pk: bool, refs: dict[str, type]):
        fields = [f for f in model._meta.concrete_fields if pk or not f.primary_key]
        quote = connection.ops.quote_name
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        self.refs = [(i, refs[f.attname]) for i, f in enumerate(fields) if f.attname in refs]
        self.rows = [
            [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs
        ]

    def execute(self, cursor, bases: dict, report) -> None:
        for row in self.rows:
            for index, target in self.refs:
                value = row[index]
                if value is not None and value < 0:
                    row[index] = bases[target] - value - 1
        for chunk in _chunks(self.rows):
            cursor.executemany(self.sql, chunk)
            report(len(chunk))


def _historical(model, objs, history: dict) -> list:
    """The "+" history rows simple-history's ``bulk_history_create`` would write for ``objs``."""
    historical = model.history.model
    tracked = [f.attname for f in historical.tracked_fields]
    return [
        historical(
            history_date=history["default_date"],
            history_user=history["default_user"],
            history_change_reason=history["default_change_reason"],
            history_type="+",
            **{name: getattr(obj, name) for name in tracked},
            **(history["custom_historical_attrs"] or {}),
        )
        for obj in objs
    ]


@dataclass
class PreparedWrites:
    """What creating a plan's new rows will INSERT, prepared before the write lock."""

    inserts: list[_Insert]
    new_org_keys: list[str]  # in the order of their placeholders
    new_rows: list
    rows: int  # how many rows the inserts hold, for progress

    def run(self, report) -> dict[str, int]:
        """INSERT everything; returns the new organisations' ids by name key."""
        bases = {model: _next_id(model) for model in (Organization, Project, ProjectPartner)}
        with connection.cursor() as cursor:
            for insert in self.inserts:
                insert.execute(cursor, bases, report)
        for row in self.new_rows:
            row.project.pk = bases[Project] - row.project.pk - 1
            row.project._state.adding = False
            row.project._state.db = connection.alias
        return {key: bases[Organization] + k for k, key in enumerate(self.new_org_keys)}


def _next_id(model) -> int:
    """The id SQLite's AUTOINCREMENT would give next: never one a deleted row had."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT MAX(id) FROM "{table}"')
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
    return max(highest, found[0] if found else 0) + 1


def prepare_writes(
    plan: ImportPlan, *, user=None, batch=None, progress: Progress | None = None
) -> PreparedWrites | None:
    """The INSERTs for ``plan``'s new rows, ready to run; None where the ORM path is used.

    Reads nothing and writes nothing. Only on SQLite, where the time inside
    the lock is everyone's wait; PostgreSQL writers do not wait for an import.
    """
    new_rows = [row for row in plan.rows if row.action == NEW]
    if connection.vendor != "sqlite" or not plan.ok or not new_rows:
        return None
    now = timezone.now()
    history = history_attrs(user, batch, now)
    organizations = [Organization(name=name) for name in plan.new_organizations]
    for k, org in enumerate(organizations):
        org.pk = -(k + 1)
    new_org_keys = [normalize_name(org.name) for org in organizations]
    org_ids = {**plan._org_ids, **{key: -(k + 1) for k, key in enumerate(new_org_keys)}}

    projects = []
    for k, row in enumerate(new_rows):
        project = Project(code=row.code, **row.values)
        project.pk = -(k + 1)
        project.created_at = project.updated_at = now
        row.project, row.before = project, None
        projects.append(project)
    links, _unused = partner_changes(plan, new_rows, org_ids)
    for j, link in enumerate(links):
        link.pk = -(j + 1)
    changes = _stage_changes(new_rows, user=user, batch=batch)

    ids = {"id": Organization}
    links_refs = {"id": ProjectPartner, "project_id": Project, "organization_id": Organization}
    tables = [
        (Organization, organizations, True, ids),
        (Organization.history.model, _historical(Organization, organizations, history), False, ids),
        (Project, projects, True, {"id": Project}),
        (Project.history.model, _historical(Project, projects, history), False, {"id": Project}),
        (ProjectPartner, links, True, links_refs),
        (
            ProjectPartner.history.model,
            _historical(ProjectPartner, links, history),
            False,
            links_refs,
        ),
        (StageChange, changes, False, {"project_id": Project}),
    ]
    total, done, inserts = sum(len(objs) for _m, objs, _p, _r in tables) or 1, 0, []
    for model, objs, pk, refs in tables:
        inserts.append(_Insert(model, objs, pk=pk, refs=refs))
        done += len(objs)
        if progress is not None:
            progress(done, total)
    return PreparedWrites(
        inserts=inserts,
        new_org_keys=new_org_keys,
        new_rows=new_rows,
        rows=sum(len(insert.rows) for insert in inserts),
    )


# --- Writing -----------------------------------------------------------------------------


@transaction.atomic
def apply_plan(
    plan: ImportPlan,
    *,
    user=None,
    batch=None,
    progress: Progress | None = None,
    prepared: PreparedWrites | None = None,
) -> None:
    """Write an error-free plan: organisations, projects, partner links, and their history.

    ``prepared`` (from ``prepare_writes`` on this very plan) creates the new
    rows from values converted beforehand. ``progress(done, total)``, if
    given, hears how far the writing got; it is all one transaction whatever
    it reports.
    """
    if not plan.ok:
        raise ValueError("a plan with errors is never applied")
    public_data_changed()  # bulk writes send no model signals; rebuild once this commits
    new_rows = [row for row in plan.rows if row.action == NEW]
    update_rows = [row for row in plan.rows if row.action == UPDATE]
    steps = (prepared.rows if prepared else 3 * len(new_rows)) + 3 * len(update_rows) or 1
    done = 0

    def report(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(min(done, steps), steps)

    now = timezone.now()
    history = history_attrs(user, batch, now)
    org_ids = dict(plan._org_ids)
    if prepared is not None:
        org_ids.update(prepared.run(report))
        orm_rows = update_rows  # the new rows' links and stage changes are written
    else:
        if plan.new_organizations:
            created = bulk_create_with_history(
                [Organization(name=name) for name in plan.new_organizations],
                Organization,
                **history,
            )
            org_ids.update({org.name_key: org.pk for org in created})
        for chunk in _chunks(new_rows):
            projects = [Project(code=row.code, **row.values) for row in chunk]
            for project in projects:
                project.created_at = project.updated_at = now
            created = bulk_create_with_history(projects, Project, **history)
            for row, project in zip(chunk, created, strict=True):
                row.project = project
                row.before = None
            report(len(chunk))
        orm_rows = new_rows + update_rows

    for chunk in _chunks(update_rows):
        fields = {"updated_at"}
        for row in chunk:
            row.before = (row.project.stage, row.project.status)
            for attribute, value in row.values.items():
                setattr(row.project, attribute, value)
            row.project.updated_at = now
            fields.update(row.values)
        bulk_update_with_history(
            [row.project for row in chunk], Project, fields=sorted(fields), **history
        )
        report(len(chunk))

    to_create, to_delete = partner_changes(plan, orm_rows, org_ids)
    for chunk in _chunks(to_create):
        bulk_create_with_history(chunk, ProjectPartner, **history)
        report(len(chunk) * len(orm_rows) // len(to_create))
    if to_delete:
        bulk_delete_with_history(to_delete, ProjectPartner, **history)
    changes = _stage_changes(orm_rows, user=user, batch=batch)
    if changes:
        StageChange.objects.bulk_create(changes)
    report(steps)


# A move into these stages takes effect on the project's own date when it has one.
_MILESTONE_DATES = {Stage.CONSTRUCTION: "started_on", Stage.OPERATING: "operating_on"}


def _effective_on(project, old_stage: str, today):
    """When a change takes effect: the 开工/投产 date of a move into that stage, else today.

    A historical ledger says when a project started; dating the change the day
    of the import would make 推进效率 count years that never happened.
    """
    milestone = _MILESTONE_DATES.get(project.stage)
    if milestone is None or project.stage == old_stage:
        return today
    return getattr(project, milestone) or today


def _stage_changes(rows, *, user, batch) -> list[StageChange]:
    """One ``StageChange`` per created project and per stage/status change."""
    today = timezone.localdate()
    changes = []
    for row in rows:
        project = row.project
        if row.before is not None and row.before == (project.stage, project.status):
            continue
        old_stage, old_status = row.before or ("", "")
        changes.append(
            StageChange(
                project_id=project.pk,
                from_stage=old_stage,
                to_stage=project.stage,
                from_status=old_status,
                to_status=project.status,
                effective_on=_effective_on(project, old_stage, today),
                note=row.note,
                recorded_by=user,
                import_batch=batch,
            )
        )
    return changes


def partner_changes(plan, rows, org_ids) -> tuple[list, list]:
    """The partner links ``rows`` add and the ones they drop."""
    to_create, to_delete = [], []
    for row in rows:
        if row.partners is None:
            continue
        current = {
            (org_id, role): pk
            for pk, org_id, _k, _n, role in plan._partner_rows.get(row.project.pk, [])
        }
        wanted = []
        for name, role in row.partners:
            pair = (org_ids[normalize_name(name)], role)
            if pair not in wanted:
                wanted.append(pair)
        for org_id, role in wanted:
            if (org_id, role) not in current:
                to_create.append(
                    ProjectPartner(project_id=row.project.pk, organization_id=org_id, role=role)
                )
        for (org_id, role), pk in current.items():
            if (org_id, role) not in wanted:
                to_delete.append(
                    ProjectPartner(
                        pk=pk, project_id=row.project.pk, organization_id=org_id, role=role
                    )
                )
    return to_create, to_delete


def bulk_delete_with_history(
    objs, model, *, default_user, default_change_reason, default_date, custom_historical_attrs
) -> None:
    """Record "-" history rows in bulk, then delete without per-object signals.

    simple-history has bulk helpers for create and update only; a queryset
    delete would send one post_delete (and one history INSERT) per object.
    The links have nothing depending on them, so a raw delete is safe.
    """
    historical = model.history.model
    tracked = [f.attname for f in historical.tracked_fields]
    historical.objects.bulk_create(
        [
            historical(
                history_date=default_date,
                history_user=default_user,
                history_change_reason=default_change_reason,
                history_type="-",
                **{name: getattr(obj, name) for name in tracked},
                **(custom_historical_attrs or {}),
            )
            for obj in objs
        ]
    )
    queryset = model._base_manager.filter(pk__in=any_of([obj.pk for obj in objs], integer=True))
    queryset._raw_delete(queryset.db)
