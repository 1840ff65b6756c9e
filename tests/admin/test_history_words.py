"""The project history page in words: labels, 是/否, amounts as written, partner changes, Chinese headers."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import add_partner, make_project


@pytest.fixture
def project(world):
    return make_project(world, stage="signed", investment=Decimal("50000"), is_public=False)


def history_page(client, project) -> str:
    response = client.get(reverse("admin:tracker_project_history", args=[project.pk]))
    assert response.status_code == 200
    return response.content.decode()


def changes_cell(page) -> str:
    """The changes column, where values are shown, not the rest of the page."""
    return page.split('id="change-history"')[1].split("</table>")[0]


def test_a_stage_change_reads_in_labels_not_codes(staff, project):
    project.stage = "construction"
    project.save()
    cell = changes_cell(history_page(staff, project))
    assert "已签约" in cell and "在建/落地" in cell
    assert "signed" not in cell and "construction" not in cell


def test_a_yes_no_change_reads_shi_fou(staff, project):
    project.is_public = True
    project.save()
    cell = changes_cell(history_page(staff, project))
    assert "否" in cell and "是" in cell
    assert "False" not in cell and "True" not in cell


def test_an_amount_change_reads_as_people_write_it(staff, project):
    project.investment = Decimal("100000")
    project.save()
    cell = changes_cell(history_page(staff, project))
    assert "5亿元" in cell and "10亿元" in cell
    assert "50000.0000" not in cell


def test_an_emptied_value_reads_as_a_dash(staff, project):
    project.leader = ""
    project.investment = None
    project.save()
    cell = changes_cell(history_page(staff, project))
    assert "张三" in cell and "—" in cell
    assert "None" not in cell


def test_the_history_headers_are_in_chinese(staff, project):
    page = history_page(staff, project)
    for english in ("Date/time", "Changed by", "Change reason", "Changes", "Comment"):
        assert f">{english}<" not in page, english
    assert "修改人" in page


def test_partner_links_added_and_removed_show_on_the_projects_history(staff, world, project):
    link = add_partner(project, world.mudu, role="investor")
    link.delete()
    other = make_project(world, code="JZ-2020-0009")
    add_partner(other, world.hpu if hasattr(world, "hpu") else world.mudu, role="signatory")
    page = history_page(staff, project)
    partners = page.split('id="partner-history"')[1].split("</table>")[0]
    assert partners.count("木铎（广州）教育科技有限公司") == 2  # added, then removed
    assert "投资方" in partners and "investor" not in partners
    assert "新增" in partners and "删除" in partners
    assert "签约方" not in partners  # another project's partner is not this page's


def test_the_history_page_reads_in_english_for_an_english_reader(staff, world, project):
    project.stage = "construction"
    project.save()
    add_partner(project, world.mudu, role="investor")
    page = staff.get(
        reverse("admin:tracker_project_history", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Changed by" in page and "修改人" not in page
    assert "Signed" in changes_cell(page)
    partners = page.split('id="partner-history"')[1].split("</table>")[0]
    assert "added" in partners and "新增" not in partners
