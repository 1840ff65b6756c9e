"""The import preview's filters in a real browser: they appear only with JavaScript and hide
rows without reloading the page."""

import pytest

from tests.factories import (
    PASSWORD,
    add_partner,
    ledger_row,
    make_project,
    make_user,
    make_world,
    xlsx_bytes,
)

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(transactional_db):
    return make_world()


def test_the_filters_show_only_errors_or_only_changes_without_a_reload(open_page, world):
    make_user("boss", superuser=True)
    kept = make_project(world, code="JZ-2020-0001", name="不变的项目")
    add_partner(kept, world.mudu)
    data = xlsx_bytes(
        [
            ledger_row(code="JZ-2020-0001", name="不变的项目"),
            ledger_row(name="新的项目"),
            ledger_row(name="错的项目", region="火星"),
        ]
    )
    page = open_page()
    page.goto("/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto("/admin/tracker/project/import/")
    page.set_input_files(
        "input[name=import_file]", files=[{"name": "台账.xlsx", "mimeType": XLSX, "buffer": data}]
    )
    page.click("form[enctype='multipart/form-data'] input[type=submit]")
    rows = page.locator("#ledger-preview tbody tr")
    assert rows.count() == 3
    assert page.locator("[data-ledger-filter]").is_visible()

    def visible_names():
        return [row.locator("td").nth(3).inner_text() for row in rows.all() if row.is_visible()]

    assert visible_names() == ["错的项目", "新的项目", "不变的项目"]
    page.evaluate("window.stillThisPage = true")  # a reload would lose it
    page.click("[data-ledger-filter] button[data-show=error]")
    assert visible_names() == ["错的项目"]
    page.click("[data-ledger-filter] button[data-show=change]")
    assert visible_names() == ["新的项目"]
    assert page.locator("button[data-show=change]").get_attribute("aria-pressed") == "true"
    screenshot(page, "ledger-preview-only-changes")
    page.click("[data-ledger-filter] button[data-show=all]")
    assert len(visible_names()) == 3
    assert page.evaluate("window.stillThisPage === true")  # no reload, no navigation
