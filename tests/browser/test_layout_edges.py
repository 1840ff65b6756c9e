"""Layout edges a reader meets (issue 17): the project list fits 1366 px in both languages
with a readable name column, the English header stays on two lines on a phone, and the
regions table turns into cards there."""

import pytest

from tests import factories as make

from .conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 900}
TABLE_FIT = """() => {
  const d = document.documentElement, w = document.querySelector('.table-wrap');
  const name = document.querySelector('table.projects tbody th');
  return {doc: [d.scrollWidth, d.clientWidth], wrap: [w.scrollWidth, w.clientWidth],
          name: name.getBoundingClientRect().width};
}"""


@pytest.fixture
def ledger(transactional_db):
    return make.build_ledger()


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_project_list_has_no_sideways_scroll_at_1366_px(open_page, ledger, prefix):
    page = open_page(viewport=LAPTOP)
    page.goto(f"{prefix}/projects/")
    fit = page.evaluate(TABLE_FIT)
    assert fit["doc"][0] <= fit["doc"][1], fit
    assert fit["wrap"][0] <= fit["wrap"][1], fit
    assert fit["name"] >= 180, fit  # the name column no longer shrinks to 90–120 px
    screenshot(page, f"list{prefix.replace('/', '-') or '-zh'}-1366")


def test_english_header_takes_at_most_two_lines_on_a_phone(open_page, ledger):
    page = open_page(viewport=PHONE)
    page.goto("/en/")
    brand = page.locator(".brand span")
    line = float(brand.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert brand.bounding_box()["height"] <= 2 * line + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The compact switch still carries the language's name for assistive technology.
    assert page.get_by_role("link", name="简体中文").is_visible()


def test_regions_table_becomes_cards_on_a_phone(open_page, ledger):
    page = open_page(viewport=PHONE)
    page.goto("/en/regions/")
    row = page.locator("table.regions tbody tr").first
    assert row.evaluate("e => getComputedStyle(e).display") == "grid"
    assert (
        page.locator("table.regions thead").evaluate("e => getComputedStyle(e).position")
        == "absolute"
    )
    wrap = page.evaluate(
        "(() => { const w = document.querySelector('.table-wrap');"
        " return [w.scrollWidth, w.clientWidth]; })()"
    )
    assert wrap[0] <= wrap[1]


def test_labels_are_at_least_12_px_on_a_phone(open_page, ledger):
    page = open_page(viewport=PHONE)
    sizes = []
    for path in ("/", "/projects/", "/regions/", "/projects/JZ-2020-0001/"):
        page.goto(path)
        sizes.append(
            page.evaluate(
                """() => Math.min(...[...document.querySelectorAll('body *')]
                  .filter(e => e.offsetWidth > 1 && e.childNodes.length
                    && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
                    && !e.closest('.visually-hidden, .skip-link'))
                  .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
            )
        )
    assert min(sizes) >= 12, sizes
