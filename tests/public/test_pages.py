"""The public pages say what the ledger holds, the way people write it."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories as make
from tracker.templatetags.tracker import band, project_amount, wan
from tracker.views import event_figures_sentence

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
    return make.build_ledger()


def text(response) -> str:
    return response.content.decode()


# --- Amounts and dates ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "reads"),
    [
        ("1420000", "142亿元"),
        ("105000", "10.5亿元"),
        ("1000", "1000万元"),
        ("0.5", "0.5万元"),
        (None, "未披露"),
    ],
)
def test_amounts_read_as_people_write_them(amount, reads):
    assert wan(None if amount is None else Decimal(amount)) == reads


def test_english_pages_read_amounts_exactly_in_yuan():
    with translation.override("en"):
        assert wan(Decimal("1420000")) == "14.2 billion yuan"
        assert wan(Decimal("105000")) == "1.05 billion yuan"
        assert wan(Decimal("1000")) == "10 million yuan"
        assert wan(Decimal("5")) == "50,000 yuan"


def test_a_project_without_its_own_amount_shows_its_band_or_undisclosed(ledger):
    assert band(ledger.centre) == "1000万元至1亿元"
    assert project_amount(ledger.centre) == "1000万元至1亿元"
    assert project_amount(ledger.campus) == "未披露"
    assert project_amount(ledger.classroom) == "10.5亿元"


# --- Overview ------------------------------------------------------------------------


def test_overview_gives_headline_figures_of_public_projects(client, ledger):
    response = client.get(reverse("tracker:overview"))
    assert response.status_code == 200
    assert response.context["totals"] == {
        "count": 5,
        "disclosed_total": Decimal("116000"),
        "undisclosed": 2,
    }
    page = text(response)
    assert "11.6亿元" in page
    assert "另有 2 个项目未披露投资额" in page
    assert response.context["partner_count"] == 2  # 腾讯 and 河南理工大学
    assert response.context["event_count"] == 1


def test_overview_charts_count_by_stage_district_industry_and_year(client, ledger):
    context = client.get(reverse("tracker:overview")).context
    stages = {bar.key: (bar.count, bar.amount) for bar in context["by_stage"]}
    assert stages["signed"] == (1, Decimal("105000"))
    assert stages["agreed"] == (0, None)
    assert [b.key for b in context["by_stage"]][0] == "lead"  # pipeline order
    districts = {bar.label: bar.count for bar in context["by_district"]}
    assert districts == {"解放区": 3, "山阳区": 2}  # the park counts for its district
    industries = {bar.label: bar.count for bar in context["by_industry"]}
    assert industries == {"教育装备": 2, "新材料": 2, "未分类": 1}
    years = {str(bar.label): bar.count for bar in context["by_year"]}
    assert years == {"2019": 1, "2020": 1, "2021": 1, "无签约日期": 2}  # none left out
    assert [p.code for p in context["latest"]] == ["JZ-2021-0002", "JZ-2020-0001", "JZ-2019-0005"]


def test_overview_charts_come_with_data_tables(client, ledger):
    page = text(client.get(reverse("tracker:overview")))
    # stage, district, map, year, quarter, cohort, status, industry
    assert page.count('<details class="data-table">') == 8
    assert "<caption" in page


def test_overview_of_an_empty_ledger_says_so(client, db):
    response = client.get(reverse("tracker:overview"))
    assert response.status_code == 200
    assert response.context["totals"]["count"] == 0
    assert "暂无数据" in text(response)


def test_saving_a_project_refreshes_the_cached_figures(client, ledger):
    client.get(reverse("tracker:overview"))
    ledger.campus.is_public = False
    ledger.campus.save()
    assert client.get(reverse("tracker:overview")).context["totals"]["count"] == 4


# --- Project detail ----------------------------------------------------------------


def test_project_page_shows_everything_public_about_the_project(client, ledger):
    response = client.get(ledger.classroom.get_absolute_url())
    assert response.status_code == 200
    page = text(response)
    for expected in (
        "智慧教室设备生产线",
        "JZ-2020-0001",
        "10.5亿元",
        "教育装备",
        "已签约",
        "2020年10月12日",
        "智慧教室设备生产线项目总投资10.5亿元。",
        "《教育装备签约报道》",
        "焦作日报",
    ):
        assert expected in page
    assert f'href="{ledger.park.get_absolute_url()}"' in page
    assert f'href="{ledger.fair.get_absolute_url()}"' in page
    assert f'href="{ledger.tencent.get_absolute_url()}"' in page
    roles = [(pp.organization.name, pp.get_role_display()) for pp in response.context["partners"]]
    assert roles == [("深圳市腾讯计算机系统有限公司", "投资方"), ("河南理工大学", "科研合作方")]


def test_project_page_gives_dates_at_the_precision_the_source_states(client, ledger):
    fibre = text(client.get(ledger.fibre.get_absolute_url()))
    assert "2021年3月" in fibre and "2021年3月1日" not in fibre
    plant = text(client.get(ledger.plant.get_absolute_url()))
    assert "2019年" in plant and "2019年1月" not in plant


def test_project_page_says_undisclosed_or_gives_the_band(client, ledger):
    assert "报道未单独公布该项目的投资额" in text(client.get(ledger.campus.get_absolute_url()))
    centre = text(client.get(ledger.centre.get_absolute_url()))
    assert "1000万元至1亿元" in centre and "滞后" in centre


def test_unknown_project_code_is_not_found(client, db):
    assert client.get(reverse("tracker:project_detail", args=["JZ-1999-0001"])).status_code == 404


# --- Events ----------------------------------------------------------------------------


def test_event_page_puts_declared_figures_beside_itemised_ones(client, ledger):
    response = client.get(ledger.fair.get_absolute_url())
    assert response.status_code == 200
    assert response.context["totals"]["count"] == 2  # the internal project is not itemised
    assert response.context["figures_sentence"] == (
        "公布签约项目 14 个、总投资 142亿元；已列明 2 个，其中 1 个列明金额、合计 10.5亿元。"
    )
    assert [p.code for p in response.context["rows"]] == ["JZ-2020-0001", "JZ-2020-0003"]


def test_event_sentence_when_no_itemised_amount_is_disclosed(db):
    fair = make.event(declared_signed_count=14, declared_signed_investment=Decimal("1420000"))
    totals = {"count": 12, "disclosed_total": None, "undisclosed": 12}
    assert event_figures_sentence(fair, totals) == (
        "公布签约项目 14 个、总投资 142亿元；已列明 12 个，金额未逐项披露。"
    )


def test_declared_totals_are_never_added_to_project_sums(client, ledger):
    response = client.get(reverse("tracker:overview"))
    assert response.context["totals"]["disclosed_total"] == Decimal("116000")
    assert "152.6亿元" not in text(response)  # 142亿元 + 10.6亿元 would be a made-up figure


def test_event_list_shows_declared_and_itemised_counts(client, ledger):
    response = client.get(reverse("tracker:event_list"))
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert row.itemised == 2
    assert "142亿元" in text(response)


def test_event_list_filters_by_year_and_name(client, ledger):
    make.event("另一场推介会", start_date=date(2019, 5, 1))
    url = reverse("tracker:event_list")
    assert [e.slug for e in client.get(url, {"year": 2019}).context["rows"]] != ["edu-signing"]
    assert [e.slug for e in client.get(url, {"q": "教育装备"}).context["rows"]] == ["edu-signing"]


# --- Partners and regions -------------------------------------------------------------


def test_partner_page_lists_its_public_projects_with_its_roles(client, ledger):
    response = client.get(ledger.hpu.get_absolute_url())
    assert response.status_code == 200
    rows = {
        p.code: [pp.get_role_display() for pp in p.roles_here] for p in response.context["rows"]
    }
    assert rows == {"JZ-2021-0002": ["签约方"], "JZ-2020-0001": ["科研合作方"]}
    assert response.context["totals"]["disclosed_total"] == Decimal("115000")


def test_partner_list_searches_names_and_counts_public_projects(client, ledger):
    response = client.get(reverse("tracker:partner_list"), {"q": "腾讯"})
    (row,) = response.context["rows"]
    assert row == ledger.tencent
    assert row.project_count == 1  # its internal project does not count


def test_partner_search_ignores_bracket_width(client, db):
    make.project(region=make.region(), partners=[make.organization("木铎(广州)教育科技有限公司")])
    rows = client.get(reverse("tracker:partner_list"), {"q": "木铎（广州）"}).context["rows"]
    assert [o.name for o in rows] == ["木铎(广州)教育科技有限公司"]


def test_region_page_totals_include_its_parks(client, ledger):
    response = client.get(ledger.jiefang.get_absolute_url())
    assert response.status_code == 200
    assert response.context["totals"] == {
        "count": 3,
        "disclosed_total": Decimal("116000"),
        "undisclosed": 0,
    }
    (child,) = response.context["children"]
    assert (child["region"], child["count"]) == (ledger.park, 2)
    assert [a.slug for a in response.context["ancestors"]] == ["jiaozuo"]


def test_region_list_rolls_parks_up_into_districts(client, ledger):
    entries = client.get(reverse("tracker:region_list")).context["entries"]
    counts = {e["region"].slug: (e["depth"], e["count"]) for e in entries}
    assert counts == {"jiaozuo": (0, 5), "jiefang": (1, 3), "5g-park": (2, 2), "shanyang": (1, 2)}


def test_unknown_region_event_and_partner_are_not_found(client, db):
    assert client.get(reverse("tracker:region_detail", args=["nowhere"])).status_code == 404
    assert client.get(reverse("tracker:event_detail", args=["nothing"])).status_code == 404
    assert client.get(reverse("tracker:partner_detail", args=[999999])).status_code == 404


# --- Language and layout ------------------------------------------------------------


def test_pages_are_chinese_by_default_and_switch_to_english(client, ledger):
    overview, projects = reverse("tracker:overview"), reverse("tracker:project_list")
    assert '<html lang="zh-hans">' in text(client.get(overview))
    page = text(client.get("/en" + projects))
    assert '<html lang="en">' in page
    assert "1.16 billion yuan" in page
    assert '<html lang="zh-hans">' in text(client.get(overview))


def test_pages_load_no_script_or_style_from_another_site(client, ledger):
    for url in (reverse("tracker:overview"), reverse("tracker:project_list")):
        page = text(client.get(url))
        assert "http://" not in page.split("<body")[0] and "https://" not in page.split("<body")[0]
        assert "<script>" not in page and "<style" not in page and " style=" not in page


def test_every_page_names_itself_in_the_navigation(client, ledger):
    page = text(client.get(reverse("tracker:event_list")))
    assert 'href="/events/" aria-current="page"' in page
