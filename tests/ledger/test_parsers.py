"""Cell parsers: every accepted way of writing a ledger cell, and every refusal with its message."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from tracker.ledger.parsers import (
    WAN,
    YI,
    Amount,
    CellError,
    escape_formula,
    parse_amount,
    parse_bool,
    parse_date,
    parse_partners,
    parse_text,
    unescape_formula,
)

D = Decimal


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("5亿元", D("50000")),
        ("10.5亿", D("105000")),
        ("1000万元", D("1000")),
        ("1,000万", D("1000")),
        ("1，000万元", D("1000")),
        ("142 亿元", D("1420000")),
        ("¥5亿", D("50000")),
        ("￥5亿", D("50000")),
        ("人民币5亿元", D("50000")),
        ("500000000元", D("50000")),
        ("5千万元", D("5000")),
        ("１０．５亿", D("105000")),
        ("1000", D("1000")),
        ("0.5", D("0.5")),
    ],
)
def test_amount_cell_with_or_without_its_own_unit_is_read_in_wan(cell, expected):
    assert parse_amount(cell) == Amount(investment=expected)


def test_bare_number_takes_the_headers_unit():
    assert parse_amount("10.5", unit=YI).investment == D("105000")
    assert parse_amount("10.5", unit=WAN).investment == D("10.5")
    assert parse_amount("3万元", unit=YI).investment == D("3")


@pytest.mark.parametrize(
    ("cell", "unit", "expected"),
    [
        (10.5, YI, D("105000")),
        (0.1, YI, D("1000")),
        (142, YI, D("1420000")),
        (1000, WAN, D("1000")),
        (1234.5678, WAN, D("1234.5678")),
    ],
)
def test_excel_numeric_cells_become_exact_decimals(cell, unit, expected):
    amount = parse_amount(cell, unit=unit).investment
    assert amount == expected
    assert isinstance(amount, Decimal)


@pytest.mark.parametrize(
    ("cell", "low", "high"),
    [
        ("1000万元至1亿元", D("1000"), D("10000")),
        ("1000万-1亿", D("1000"), D("10000")),
        ("1-2亿", D("10000"), D("20000")),
        ("1000～5000万元", D("1000"), D("5000")),
    ],
)
def test_a_band_fills_low_and_high_and_leaves_the_figure_undisclosed(cell, low, high):
    assert parse_amount(cell) == Amount(investment=None, low=low, high=high)


def test_one_sided_bands_as_the_export_writes_them():
    assert parse_amount("不低于1000万元") == Amount(low=D("1000"))
    assert parse_amount("不超过1亿元") == Amount(high=D("10000"))


@pytest.mark.parametrize("cell", [None, "", "  ", "未披露", "未公开", "不详", "-", "—"])
def test_empty_or_undisclosed_is_none_never_zero(cell):
    assert parse_amount(cell) == Amount()


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("0", "总投资必须大于 0"),
        (0, "总投资必须大于 0"),
        ("0亿元", "总投资必须大于 0"),
        ("-5亿", "金额不能为负数"),
        (-3, "金额不能为负数"),
        ("5亿美元", "只接受人民币金额"),
        ("大约五亿", "无法识别的金额"),
        ("2亿-1亿", "下限大于上限"),
        ("1.23456万元", "精确到元"),
        ("99999999999999亿", "金额过大"),
    ],
)
def test_bad_amounts_are_refused_with_a_message(cell, message):
    with pytest.raises(CellError) as error:
        parse_amount(cell)
    assert message in error.value.message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2020-10-12", (date(2020, 10, 12), "day")),
        ("2020/10/12", (date(2020, 10, 12), "day")),
        ("2020.10.12", (date(2020, 10, 12), "day")),
        ("2020年10月12日", (date(2020, 10, 12), "day")),
        ("2020-10-12 00:00:00", (date(2020, 10, 12), "day")),
        ("2020年10月", (date(2020, 10, 1), "month")),
        ("2020-10", (date(2020, 10, 1), "month")),
        ("2020年", (date(2020, 1, 1), "year")),
        (datetime(2020, 10, 12), (date(2020, 10, 12), "day")),
        (date(2020, 10, 12), (date(2020, 10, 12), "day")),
        (2020, (date(2020, 1, 1), "year")),
        ("", (None, "day")),
        (None, (None, "day")),
    ],
)
def test_signing_dates_keep_their_precision(cell, expected):
    assert parse_date(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("2020-02-30", "日期不存在"),
        ("2020年13月", "日期不存在"),
        ("去年十月", "无法识别的日期"),
        ("1800年", "1900 至 2100"),
        (45000, "无法识别的日期"),
    ],
)
def test_bad_dates_are_refused_with_a_message(cell, message):
    with pytest.raises(CellError) as error:
        parse_date(cell)
    assert message in error.value.message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("是", True),
        ("否", False),
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        (True, True),
        ("", None),
    ],
)
def test_public_flag(cell, expected):
    assert parse_bool(cell) is expected


def test_a_public_flag_that_is_neither_yes_nor_no_is_refused():
    with pytest.raises(CellError, match="应填“是”或“否”"):
        parse_bool("也许")


def test_partners_split_on_every_separator_with_roles_in_chinese_or_code():
    cell = "甲公司（投资方）、乙大学(research_partner)；丙集团;丁研究院\n戊协会（运营方）"
    assert parse_partners(cell) == [
        ("甲公司", "investor"),
        ("乙大学", "research_partner"),
        ("丙集团", "signatory"),
        ("丁研究院", "signatory"),
        ("戊协会", "operator"),
    ]


def test_a_trailing_bracket_that_is_not_a_role_belongs_to_the_name():
    assert parse_partners("木铎（广州）教育科技有限公司") == [
        ("木铎（广州）教育科技有限公司", "signatory")
    ]
    assert parse_partners("某某（集团）") == [("某某（集团）", "signatory")]
    assert parse_partners("某某（集团）（投资方）") == [("某某（集团）", "investor")]


def test_the_same_partner_in_the_same_role_twice_counts_once():
    assert parse_partners("甲公司、甲公司（签约方）") == [("甲公司", "signatory")]


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_escaped_and_the_escape_is_undone_on_import(cell):
    escaped = escape_formula(cell)
    assert escaped == "'" + cell
    assert unescape_formula(escaped) == cell
    assert parse_text(escaped) == cell


def test_ordinary_text_and_ordinary_quotes_are_left_alone():
    assert escape_formula("焦作市") == "焦作市"
    assert parse_text("'引号开头") == "'引号开头"


def test_text_longer_than_the_field_is_refused():
    with pytest.raises(CellError, match="最多 50 字"):
        parse_text("长" * 51, max_length=50)


def test_messages_follow_the_active_language_with_chinese_as_the_source():
    with translation.override("zh-hans"), pytest.raises(CellError) as error:
        parse_amount("-1")
    assert error.value.message == "金额不能为负数。"
