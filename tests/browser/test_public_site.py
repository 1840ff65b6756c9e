"""The public site in a real browser: filter, open, follow, switch language, download, phone."""

import csv
import io

import pytest

from tests import factories as make

from .conftest import ARTIFACTS, PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ledger(transactional_db):
    return make.build_ledger()


def test_filter_by_district_and_stage_then_open_a_project_and_follow_a_partner(open_page, ledger):
    page = open_page()
    page.goto("/projects/")
    assert page.locator("tbody tr").count() == 5
    page.select_option("#id_region", "jiefang")
    page.get_by_label("已签约").check()
    page.get_by_label("已投产").check()
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/projects/?*")
    assert "region=jiefang" in page.url and "stage=signed" in page.url
    assert page.locator("tbody tr").count() == 2
    assert "共 2 个项目" in page.locator(".summary-line").inner_text()
    assert page.locator("#id_region").input_value() == "jiefang"  # the filter keeps its value
    assert page.get_by_label("已签约").is_checked()
    screenshot(page, "projects-filtered")

    page.get_by_role("link", name="智慧教室设备生产线").click()
    page.wait_for_url("**/projects/JZ-2020-0001/")
    assert page.locator("h1").inner_text() == "智慧教室设备生产线"
    assert "10.5亿元" in page.locator(".big-amount").inner_text()
    screenshot(page, "project-detail")

    page.get_by_role("link", name="河南理工大学").click()
    page.wait_for_url(f"**/partners/{ledger.hpu.pk}/")
    assert page.locator("h1").inner_text() == "河南理工大学"
    assert page.locator("tbody tr").count() == 2
    screenshot(page, "partner-detail")


def test_switch_to_english_and_back(open_page, ledger):
    page = open_page()
    page.goto("/projects/?region=jiefang")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/en/projects/?region=jiefang")  # same page, same filters
    assert "1.16 billion yuan" in page.locator(".summary-line").inner_text()
    screenshot(page, "projects-english")
    page.get_by_role("link", name="简体中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "11.6亿元" in page.locator(".summary-line").inner_text()


def test_download_the_csv_export_of_the_filtered_list(open_page, ledger):
    page = open_page()
    page.goto("/projects/?region=jiefang&ordering=-amount")
    with page.expect_download() as info:
        page.locator(".downloads").get_by_role("link", name="CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("zhaoshang-projects-")
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "projects.csv"
    download.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert [(r["项目编号"], r["总投资（万元）"]) for r in rows] == [
        ("JZ-2020-0001", "105000"),
        ("JZ-2021-0002", "10000"),
        ("JZ-2019-0005", "1000"),
    ]


def test_overview_on_a_phone(open_page, ledger):
    page = open_page(viewport=PHONE)
    page.goto("/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    figures = page.locator(".figure dd")
    assert figures.first.inner_text().startswith("5")
    assert figures.nth(1).inner_text() == "11.6亿元"
    funnel = page.locator(".funnel li")
    assert funnel.count() == 7 and funnel.first.is_visible()
    page.get_by_text("查看数据表").first.click()
    assert page.locator("details.data-table table").first.is_visible()
    screenshot(page, "overview-phone")


def test_project_list_on_a_phone_shows_results_before_the_folded_filters(open_page, ledger):
    page = open_page(viewport=PHONE)
    page.goto("/projects/?stage=signed")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    panel = page.locator("details.filter-panel")
    assert panel.get_attribute("open") is None
    assert "已启用 1 项" in panel.locator("> summary").inner_text()
    assert page.locator("tbody tr").first.is_visible()
    panel.locator("> summary").click()
    assert page.locator("#id_region").is_visible()
    screenshot(page, "projects-phone")


def test_every_page_loads_without_errors_or_outside_requests(open_page, ledger, live_server):
    page = open_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else problems.append(r.url),
    )
    for path in (
        "/",
        "/projects/",
        ledger.classroom.get_absolute_url(),
        "/events/",
        ledger.fair.get_absolute_url(),
        "/partners/",
        "/regions/",
        ledger.jiefang.get_absolute_url(),
    ):
        response = page.goto(path)
        assert response.status == 200, path
        screenshot(page, "page" + path.replace("/", "_").rstrip("_"))
    assert problems == []
