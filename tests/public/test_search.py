"""Substring search (``q``) from its index: it follows every write and matches literally."""

import pytest
from django.db import connection

from tests import factories as make
from tracker.filtersets import ProjectFilterSet
from tracker.models import Organization, Project
from tracker.search import organization_named

pytestmark = pytest.mark.django_db
URL = "/projects/"


@pytest.fixture
def ledger():
    return make.build_ledger()


def found(client, term: str) -> list[str]:
    response = client.get(URL, {"q": term})
    assert response.status_code == 200, response.content.decode()[:500]
    return sorted(p.code for p in response.context["rows"])


@pytest.mark.parametrize(
    "term",
    ["钛", "钛箔", "极薄宽幅钛箔"],
    ids=["one character", "two characters", "six characters"],
)
def test_search_follows_an_insert_a_rename_and_a_delete(client, ledger, term):
    project = make.project("极薄宽幅钛箔材加工基地", region=ledger.jiefang, code="JZ-2022-0100")
    assert found(client, term) == ["JZ-2022-0100"]

    project.name = "卡巴铝合金轮毂基地"
    project.save()
    assert found(client, term) == []
    assert found(client, "铝合金轮毂") == ["JZ-2022-0100"]

    project.delete()
    assert found(client, "铝合金轮毂") == []


def test_search_sees_a_bulk_update_that_sends_no_signal(client, ledger):
    Project.objects.filter(code="JZ-2021-0002").update(
        summary="建设年产千吨级氢燃料电池膜电极生产线"
    )
    assert found(client, "膜电极") == ["JZ-2021-0002"]


def test_search_ignores_latin_case(client, ledger):
    assert found(client, "jz-2021-0002") == ["JZ-2021-0002"]


@pytest.mark.parametrize(
    "term",
    ['"', '""引号', "%%%", "5%_纯", "a*", "NEAR(a b)", "OR", "碳纤维 AND 腾讯", "(", "^碳"],
)
def test_search_matches_special_characters_literally(client, ledger, term):
    assert found(client, term) == []


def test_search_finds_quotes_and_percent_signs_as_written(client, ledger):
    make.project('含"引号"与100%国产化的项目', region=ledger.jiefang, code="JZ-2022-0101")
    assert found(client, '"引号"') == ["JZ-2022-0101"]
    assert found(client, "100%国产") == ["JZ-2022-0101"]
    assert found(client, "0%") == ["JZ-2022-0101"]


def plans(term: str) -> tuple[str, str]:
    """The query plans of a project search and of its partner-name part."""
    projects = ProjectFilterSet({"q": term}, queryset=Project.objects.public()).qs
    partners = Organization.objects.filter(organization_named(term))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On tables this small a scan is cheaper; forbid scans to see that an index fits.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
        return projects.explain(), partners.explain()


TRIGRAMS = {
    "postgresql": ("project_name_trgm_idx", "organization_name_trgm_idx"),
    "sqlite": ("tracker_project_search VIRTUAL TABLE", "tracker_organization_search VIRTUAL TABLE"),
}
SHORT_SUBSTRINGS = {
    "postgresql": ("project_short_grams_idx", "organization_short_grams_idx"),
    "sqlite": ("tracker_project_chars VIRTUAL TABLE", "tracker_organization_chars VIRTUAL TABLE"),
}


@pytest.mark.parametrize(
    ("term", "indexes"),
    [("碳纤维", TRIGRAMS), ("钛", SHORT_SUBSTRINGS), ("腾讯", SHORT_SUBSTRINGS)],
    ids=["three characters: trigrams", "one character", "two characters"],
)
def test_search_reads_the_index_made_for_the_terms_length(ledger, term, indexes):
    projects, partners = plans(term)
    for_projects, for_partners = indexes[connection.vendor]
    assert for_projects in projects
    assert for_partners in partners


def test_partner_search_follows_a_rename_and_a_bulk_update(client, ledger):
    hpu = ledger.hpu
    hpu.name = "焦作大学工程技术研究院"
    hpu.save()
    assert found(client, "河南理工") == []
    assert found(client, "工程技术研究院") == ["JZ-2020-0001", "JZ-2021-0002"]

    Organization.objects.filter(pk=hpu.pk).update(short_name="焦大工研")
    assert found(client, "焦大工研") == ["JZ-2020-0001", "JZ-2021-0002"]


def test_partner_list_search_reads_the_same_index(client, ledger):
    names = [o.name for o in client.get("/partners/", {"q": "腾讯计算机"}).context["rows"]]
    assert names == ["深圳市腾讯计算机系统有限公司"]


def test_short_terms_match_characters_side_by_side_only(client, ledger):
    make.project(
        "5G智慧园区项目",
        region=ledger.jiefang,
        code="JZ-2022-0102",
        summary="由开发区引进，主要建设园区。",
    )
    assert found(client, "5g") == ["JZ-2022-0102"]
    assert found(client, "区引") == ["JZ-2022-0102"]
    assert found(client, "进主") == []  # "进" and "主" are apart: a comma stands between
    assert found(client, "园5") == []
