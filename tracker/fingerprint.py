"""The data fingerprint: one indexed query that moves whenever public data changes.

It holds the newest history id of every table a public page can show, plus the
newest project id, and is read once per request (a public page writes nothing).
Cached figures (``stats``), ETags (``http_cache``, ``api.http``) and the open-data
build all compare fingerprints. The same statement also reads each table's newest
history date, which is the pages' 数据截至.

On PostgreSQL the newest id alone is not enough: ids are drawn when a row is
written, not when it commits, so a transaction that drew id 100 can commit after
one that drew 101, and MAX() would not move when it does. The fingerprint there
also holds the ids of the write transactions still running *in this database*
(``pg_stat_activity.backend_xid``) that have written to one of its tables (they hold
the table's ``RowExclusiveLock`` in ``pg_locks``). An entry stays current while its
newest ids are the newest and every such writer that was running when it was computed
is still running: when one of those commits, the entry is behind. A writer that starts
writing later draws later ids and moves the MAX() when it commits; one that writes
other tables (a page-cache entry, a job's row) cannot move it at all, so neither makes
entries look stale. On SQLite writers take the lock before drawing any id, so they
commit in id order.
"""

import weakref
from contextvars import ContextVar
from datetime import UTC, datetime

from django.core.signals import request_finished, request_started
from django.db import connection

from .models import (
    Citation,
    Event,
    FundsArrival,
    Industry,
    Organization,
    Project,
    ProjectPartner,
    Region,
    Source,
)


# Every table whose change a public page can show. Sources and citations are quoted on
# project pages; funds appear in public aggregates when the bureau turns them on.
def _fingerprint_tables() -> list[str]:
    return [
        m.history.model._meta.db_table
        for m in (
            Project,
            ProjectPartner,
            Event,
            Organization,
            Region,
            Industry,
            Citation,
            Source,
            FundsArrival,
        )
    ]


def _fingerprint_sql() -> str:
    """The fingerprint's columns, then the newest history date of each table (数据截至).

    One statement for both, so a page that shows "数据截至" costs no extra query. Built
    once per database engine: reaching each history model through its manager makes a
    new manager class every time (a few milliseconds a request).
    """
    sql = _SQL.get(connection.vendor)
    if sql is None:
        sql = _SQL[connection.vendor] = _build_fingerprint_sql()
    return sql


_SQL: dict[str, str] = {}
_TABLE_COUNT: list[int] = []


def _table_count() -> int:
    if not _TABLE_COUNT:
        _TABLE_COUNT.append(len(_fingerprint_tables()))
    return _TABLE_COUNT[0]


def _date_columns(vendor: str) -> int:
    """How many newest-history-date columns end the row: one (the newest) on PostgreSQL."""
    return 1 if vendor == "postgresql" else _table_count()


def _build_fingerprint_sql() -> str:
    quote = connection.ops.quote_name
    tables = _fingerprint_tables()
    parts = [f"(SELECT MAX(history_id) FROM {quote(t)})" for t in tables]
    parts.append(f"(SELECT MAX(id) FROM {quote(Project._meta.db_table)})")
    if connection.vendor == "postgresql":
        # In the same statement as the MAX()es: the writers still running here that have
        # written to one of these tables (they hold its RowExclusiveLock until they end).
        # Only those can commit an id below the MAX(); a transaction that writes elsewhere
        # (a page-cache entry, a job's row) must not make figures computed meanwhile look
        # stale when it commits, or under load each visitor would compute them again.
        watched = [*tables, Project._meta.db_table, ProjectPartner._meta.db_table]
        relations = ", ".join(f"'{quote(t)}'::regclass" for t in watched)
        parts.append(
            "(SELECT string_agg(DISTINCT a.backend_xid::text, ','"
            " ORDER BY a.backend_xid::text)"
            " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'relation' AND l.mode = 'RowExclusiveLock'"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            f" AND l.relation IN ({relations}) AND a.backend_xid IS NOT NULL)"
        )
    dates = [f"(SELECT MAX(history_date) FROM {quote(t)})" for t in tables]
    if connection.vendor == "postgresql":
        # One column: each timestamp is parsed in Python on the way out (Django's
        # time-zone loader), and only the newest is wanted. GREATEST skips NULLs.
        dates = [f"GREATEST({', '.join(dates)})"]
    return "SELECT " + ", ".join([*parts, *dates])


# Read once per request: a public page writes nothing, so its data cannot move under it.
# Outside a request (commands, shells, jobs) there is no memo and every call reads afresh.
_request_memo: ContextVar[dict | None] = ContextVar(
    "tracker_fingerprint_request_memo", default=None
)


def _start_request(**kwargs):
    _request_memo.set({})


def _end_request(**kwargs):
    _request_memo.set(None)


request_started.connect(_start_request, dispatch_uid="tracker-fingerprint-request-started")
request_finished.connect(_end_request, dispatch_uid="tracker-fingerprint-request-finished")


def per_request(name: str, read):
    """``read()``, remembered for the rest of this request under ``name`` (no memo outside one)."""
    memo = _request_memo.get()
    if memo is not None and name in memo:
        return memo[name]
    value = read()
    if memo is not None:
        memo[name] = value
    return value


def mark_request(name: str) -> None:
    """Note ``name`` for the rest of this request (nothing outside one); see ``request_marked``."""
    memo = _request_memo.get()
    if memo is not None:
        memo[name] = True


def request_marked(name: str) -> bool:
    memo = _request_memo.get()
    return bool(memo and memo.get(name) is True)


# PostgreSQL sessions holding the fingerprint as a prepared statement.
_PREPARED: weakref.WeakSet = weakref.WeakSet()


def _execute_prepared(db, cursor) -> None:
    """PostgreSQL plans the fingerprint's twenty subqueries in about a millisecond, more
    than running them takes, on every public request; prepared once per session it is
    planned once. Prepared statements outlive a rolled-back transaction, and PREPARE
    goes in the same call as its first EXECUTE, so a request on a new connection runs
    as many queries as any other."""
    session = db.connection
    if session in _PREPARED:
        cursor.execute("EXECUTE tracker_fingerprint")
        return
    cursor.execute(
        f"PREPARE tracker_fingerprint AS {_fingerprint_sql()}; EXECUTE tracker_fingerprint"
    )
    cursor.nextset()  # past PREPARE's empty result, to EXECUTE's row
    _PREPARED.add(session)


def _read_fingerprint(db=connection) -> tuple[tuple, datetime | None]:
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            _execute_prepared(db, cursor)
        else:
            cursor.execute(_fingerprint_sql())
        row = tuple(cursor.fetchone())
    dates = _date_columns(db.vendor)
    newest = [_as_utc(value) for value in row[-dates:] if value is not None]
    return row[:-dates], max(newest) if newest else None


def _as_utc(value) -> datetime:
    # Raw SQL skips the ORM's converters: SQLite hands back the stored UTC text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def data_fingerprint() -> tuple:
    """Changes whenever a project, partner, event, organisation, region, industry,
    citation, source or funds entry does."""
    return per_request("fingerprint", _read_fingerprint)[0]


def data_as_of() -> datetime | None:
    """When the public data last changed (数据截至), or None for an empty database;
    read with the fingerprint, so it costs no query of its own."""
    return per_request("fingerprint", _read_fingerprint)[1]


def _writers(value) -> set[str]:
    return set(value.split(",")) if value else set()


def is_current(then: tuple, now: tuple) -> bool:
    """Whether figures computed at fingerprint ``then`` still hold at ``now`` (see above)."""
    if then == now:
        return True
    if connection.vendor != "postgresql" or len(then) != len(now):
        return False
    return then[:-1] == now[:-1] and _writers(then[-1]) <= _writers(now[-1])
