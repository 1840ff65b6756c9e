"""On PostgreSQL the data fingerprint is a statement prepared once per session.

Planning its twenty subqueries took about a millisecond of every public request.
"""

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from tracker import fingerprint

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared on PostgreSQL only"),
]


def test_a_new_session_prepares_the_fingerprint_in_its_first_query_then_only_executes_it(
    articles,
):
    session = connections.create_connection("default")  # as a new gunicorn worker's
    try:
        with CaptureQueriesContext(session) as queries:
            first = fingerprint._read_fingerprint(session)
            again = fingerprint._read_fingerprint(session)
        sql = [query["sql"] for query in queries]
        assert len(sql) == 2
        assert sql[0].startswith("PREPARE tracker_fingerprint AS SELECT")
        assert sql[0].endswith("EXECUTE tracker_fingerprint")
        assert sql[1] == "EXECUTE tracker_fingerprint"
        assert first == again
        with session.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            [(statement,)] = cursor.fetchall()
        assert "MAX(history_id)" in statement and "pg_locks" in statement
    finally:
        session.close()


def test_the_prepared_fingerprint_reads_what_the_statement_reads(articles):
    with connection.cursor() as cursor:
        cursor.execute(fingerprint._fingerprint_sql())
        plain = tuple(cursor.fetchone())
    assert (
        fingerprint._read_fingerprint()[0] == plain[: -fingerprint._date_columns(connection.vendor)]
    )
