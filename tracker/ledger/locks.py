"""Ledger imports take turns, so that each one plans on the data the previous one wrote.

Every import plans (reads) and then writes. Two imports of the same data that
plan at the same time both see the old rows and both write: duplicate history
and stage-timeline rows, or a unique-code clash (a 500). A lock on the
ImportBatch row does not help, because two previews of one file are two rows,
and a command-line import has no preview at all.

- SQLite: ``BEGIN IMMEDIATE`` (settings) already makes every writer take
  turns; a second import waits for the busy timeout, then plans afresh.
- PostgreSQL: a transaction-scoped advisory lock, taken by imports only, so
  readers and ordinary saves never wait for it.
"""

from django.db import connection

# Any fixed 64-bit number no other code uses for an advisory lock.
_IMPORT_LOCK = 0x7A685F6C65646772  # "zh_ledgr"


def import_turn(*, wait: bool) -> bool:
    """Take the import lock until the current transaction ends.

    With ``wait`` false, answer False at once when another import holds it.
    Must run inside ``transaction.atomic``.
    """
    if connection.vendor != "postgresql":
        return True  # the transaction's own write lock is the turn
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [_IMPORT_LOCK])
        return wait or bool(cursor.fetchone()[0])
