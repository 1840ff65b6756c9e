"""A list's selection is compiled to SQL once per process, filters and data (tracker.paging).

The SQL keys the selection's remembered totals; its next page, another ordering or
another reader reuse it, and a different filter or the next write does not.
"""

import pytest
from django.db.models.sql.query import Query

from tests import factories as make
from tracker import stats
from tracker.models import Project

pytestmark = pytest.mark.django_db
PROJECTS = "/api/projects/"


@pytest.fixture
def compiled(monkeypatch):
    """How many times a selection's identity was compiled (not found in this process)."""
    calls = []
    real = Query.sql_with_params

    def counted(self):
        calls.append(self.model)
        return real(self)

    monkeypatch.setattr(Query, "sql_with_params", counted)
    return calls


def test_the_next_page_and_another_ordering_reuse_the_selections_sql(client, compiled):
    ledger = make.build_ledger()
    first = client.get(PROJECTS, {"region": ledger.jiefang.slug}).json()
    assert len(compiled) == 1
    again = client.get(PROJECTS, {"region": ledger.jiefang.slug, "ordering": "name", "_": "x"})
    assert len(compiled) == 1
    assert again.json()["count"] == first["count"]


def test_another_filter_is_its_own_selection(client, compiled):
    ledger = make.build_ledger()
    whole = client.get(PROJECTS).json()["count"]
    district = client.get(PROJECTS, {"region": ledger.jiefang.slug}).json()["count"]
    assert len(compiled) == 2
    assert whole == Project.objects.public().count()
    assert district == Project.objects.public().in_region(ledger.jiefang).count() < whole


def test_a_write_compiles_the_selection_again_and_counts_it_anew(client, compiled):
    ledger = make.build_ledger()
    before = client.get(PROJECTS, {"region": ledger.jiefang.slug}).json()["count"]
    make.project(region=ledger.jiefang)
    after = client.get(PROJECTS, {"region": ledger.jiefang.slug}).json()["count"]
    assert after == before + 1
    assert len(compiled) == 2


def test_a_fresh_process_knows_no_selection(client, compiled):
    make.build_ledger()
    client.get(PROJECTS)
    stats.forget_local()
    client.get(PROJECTS)
    assert len(compiled) == 2
