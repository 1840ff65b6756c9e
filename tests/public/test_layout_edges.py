"""The reader's edges (issue 17): a footer that says who publishes the site, and a page
that prints with its URL, print date and 数据截至 instead of navigation and filters."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from tests import factories as make

pytestmark = pytest.mark.django_db

PRINT_CSS = Path(settings.BASE_DIR) / "static" / "tracker" / "css" / "print.css"


@pytest.fixture
def ledger():
    return make.build_ledger()


def footer(client, url="/") -> str:
    html = client.get(url).content.decode()
    return html[html.index('<footer class="site-footer">') :]


@override_settings(
    SITE_PUBLISHER="焦作市测试主办单位", SITE_CONTACT="0391-1234567", SITE_ICP="豫ICP备12345678号"
)
@pytest.mark.parametrize("url", ["/", "/projects/", "/en/regions/"])
def test_footer_shows_publisher_contact_and_icp_from_settings(client, ledger, url):
    text = footer(client, url)
    assert "焦作市测试主办单位" in text
    assert "0391-1234567" in text
    assert (
        '<a class="icp" href="https://beian.miit.gov.cn/" rel="noopener">豫ICP备12345678号</a>'
        in text
    )


@override_settings(SITE_CONTACT="", SITE_ICP="")
def test_footer_leaves_out_contact_and_icp_when_they_are_empty(client, ledger):
    text = footer(client)
    assert "beian.miit.gov.cn" not in text
    assert 'class="icp"' not in text
    assert "联系方式" not in text
    assert "主办单位：" in text  # the publisher stays


def test_default_publisher_is_marked_as_a_placeholder():
    assert settings.SITE_PUBLISHER.endswith("（示例）")


def test_every_public_page_links_the_print_stylesheet_for_print_only(client, ledger):
    for url in ("/", "/projects/", "/projects/JZ-2020-0001/", "/regions/", "/en/events/"):
        html = client.get(url).content.decode()
        assert 'href="/static/tracker/css/print.css" media="print"' in html, url
        assert "tracker/js/print-stamp.js" in html, url


def test_print_stamp_carries_the_page_url_and_data_as_of(client, ledger):
    text = footer(client, "/projects/?region=jiefang")
    stamp = text[text.index('<div class="print-stamp"') :]
    assert "本页地址：http://testserver/projects/?region=jiefang" in stamp
    assert "打印时间：<span data-print-date></span>" in stamp
    assert "数据截至 20" in stamp


def test_print_css_hides_navigation_and_filters_and_shows_the_stamp():
    css = PRINT_CSS.read_text()
    hidden = css[: css.index("{ display: none !important; }")]
    for selector in (".site-header", ".filters", ".pagination", ".downloads", ".site-footer nav"):
        assert selector in hidden, selector
    assert ".print-stamp {\n  display: flex !important;" in css
    # On screen the stamp stays hidden.
    site = (PRINT_CSS.parent / "site.css").read_text()
    assert ".print-stamp { display: none; }" in site


# --- The year chart --------------------------------------------------------------------


def test_year_chart_counts_every_public_project_with_an_undated_bar(ledger):
    from tracker import stats
    from tracker.models import Project

    public = Project.objects.public()
    undated = public.filter(signed_on__isnull=True).count()
    make.project("尚未签约的测试项目", region=ledger.shanyang, signed_on=None, investment=500)
    bars = stats.overview()["by_year"]
    assert sum(b.count for b in bars) == public.count()
    last = bars[-1]
    assert (str(last.label), last.key, last.url) == ("无签约日期", "undated", "")
    assert last.count == undated + 1
    assert last.amount is not None and last.amount >= 500  # the amount of undated projects too
    assert [b.key for b in bars[:-1]] == sorted(b.key for b in bars[:-1])  # years in order


def test_overview_year_chart_shows_count_and_amount_per_year(client, ledger):
    html = client.get("/").content.decode()
    section = html[html.index('aria-labelledby="year-title"') :]
    section = section[: section.index("</section>")]
    assert "无签约日期" in section
    assert '<li class="amount">已披露投资额</li>' in section  # the amount bar beside the count
    assert "10.5亿元" in section  # 2020's 智慧教室设备生产线


# --- The city apart from its districts ----------------------------------------------------


def test_regions_page_shows_the_city_as_the_whole_not_as_a_table_row(client, ledger):
    html = client.get("/regions/").content.decode()
    figures = html[html.index('<dl class="figures city-figures">') : html.index("</dl>")]
    assert "焦作市" in figures and "全市公开项目" in figures
    assert "<dd>5<small>" in figures  # every public project of the city
    assert "11.6亿元" in figures
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    assert "焦作市" not in table
    assert "解放区" in table and "山阳区" in table and "5G产业园" in table


def test_overview_district_chart_shows_city_level_projects_apart_and_last(ledger):
    from tracker import stats

    make.project("市级测试项目", region=ledger.city, investment=100000)
    bars = stats.overview()["by_district"]
    assert [str(b.label) for b in bars] == ["解放区", "山阳区", "市级（未落到区县）"]
    assert (bars[-1].key, bars[-1].count, bars[-1].url) == ("city", 1, "")
    assert "焦作市" not in [str(b.label) for b in bars]  # the city is not one of its districts
