"""Files that are not what they claim are refused, with a message, before any heavy parsing."""

import io
import zipfile
from unittest import mock

import pytest

from tests.factories import csv_bytes, ledger_row, xlsx_bytes
from tracker.ledger import safety
from tracker.ledger.columns import HEADERS
from tracker.ledger.reader import read_table, read_upload
from tracker.ledger.safety import UnsafeFile, check_upload


def _refused(name, data) -> str:
    with pytest.raises(UnsafeFile) as error:
        table = read_upload(name, data)
        list(table.rows)
    return error.value.message


def _rezip(data: bytes, replace: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, content in replace.items():
            if name not in source.namelist():
                target.writestr(name, content)
    return out.getvalue()


@pytest.fixture
def good_xlsx():
    return xlsx_bytes([ledger_row()])


def test_a_genuine_xlsx_and_csv_pass(good_xlsx):
    assert check_upload("台账.xlsx", good_xlsx) == "xlsx"
    assert check_upload("台账.csv", csv_bytes([ledger_row()])) == "csv"


def test_a_file_over_ten_megabytes_is_refused_before_reading():
    assert "上限为 10 MB" in _refused("big.csv", b"a" * (safety.MAX_BYTES + 1))


def test_a_pdf_renamed_to_xlsx_is_refused():
    assert "内容是 PDF" in _refused("ledger.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")


def test_random_bytes_named_xlsx_are_refused():
    assert "不是有效的 xlsx" in _refused("ledger.xlsx", b"hello, not a workbook")


def test_a_truncated_xlsx_is_refused(good_xlsx):
    assert "损坏或不完整" in _refused("ledger.xlsx", good_xlsx[: len(good_xlsx) // 2])


def test_a_zip_without_workbook_parts_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert "缺少工作簿或工作表" in _refused("ledger.xlsx", out.getvalue())


def test_a_zip_bomb_is_refused_from_the_directory_without_inflating_it(good_xlsx):
    bomb = _rezip(good_xlsx, {"xl/worksheets/sheet1.xml": b"<a>" + b"0" * 16_000_000 + b"</a>"})
    assert len(bomb) < safety.MAX_BYTES
    with mock.patch.object(zipfile.ZipFile, "read", side_effect=AssertionError("inflated")):
        assert "压缩炸弹" in _refused("bomb.xlsx", bomb)


def test_an_archive_that_unpacks_too_large_in_total_is_refused(good_xlsx):
    with mock.patch.object(safety, "MAX_UNCOMPRESSED", 1000):
        assert "解压后过大" in _refused("ledger.xlsx", good_xlsx)


@pytest.mark.parametrize(
    "prolog",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        b'<?xml version="1.0"?><!-- a comment --><!DOCTYPE x SYSTEM "http://evil.example/x.dtd">',
        b'<?xml version="1.0"?><!-- <a> --><!ENTITY e "boom">',
    ],
)
def test_an_xlsx_with_a_dtd_or_external_entities_is_refused(good_xlsx, prolog):
    source = zipfile.ZipFile(io.BytesIO(good_xlsx))
    sheet = source.read("xl/worksheets/sheet1.xml")
    body = sheet[sheet.index(b"<worksheet") :]
    evil = _rezip(good_xlsx, {"xl/worksheets/sheet1.xml": prolog + body})
    assert "DTD 或外部实体" in _refused("evil.xlsx", evil)


def test_entities_in_the_content_types_are_refused(good_xlsx):
    source = zipfile.ZipFile(io.BytesIO(good_xlsx))
    types = source.read("[Content_Types].xml")
    evil_types = types.replace(b"<Types", b'<!DOCTYPE t [<!ENTITY x "y">]><Types', 1)
    evil = _rezip(good_xlsx, {"[Content_Types].xml": evil_types})
    assert "DTD 或外部实体" in _refused("evil.xlsx", evil)


def test_a_macro_workbook_is_refused(good_xlsx):
    assert "含宏" in _refused("ledger.xlsm", good_xlsx)


def test_an_old_binary_xls_is_refused_with_advice():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    assert "另存为 .xlsx" in _refused("ledger.xls", ole)
    assert "另存为 .xlsx" in _refused("ledger.xlsx", ole)


def test_other_file_types_are_refused():
    assert "只接受 .xlsx 或 .csv" in _refused("ledger.pdf", b"%PDF-1.7")


def test_binary_content_named_csv_is_refused(good_xlsx):
    assert "不是 CSV" in _refused("ledger.csv", good_xlsx)
    assert "二进制" in _refused("ledger.csv", b"abc\x00\x01\x02")


def test_more_than_fifty_thousand_rows_are_refused():
    rows = [[f"第{i}"] for i in range(safety.MAX_ROWS + 1)]
    data = csv_bytes(rows, headers=["项目名称"])
    assert "超过 50,000 行" in _refused("big.csv", data)


def test_exactly_fifty_thousand_rows_are_read():
    rows = [[f"第{i}"] for i in range(safety.MAX_ROWS)]
    table = read_upload("big.csv", csv_bytes(rows, headers=["项目名称"]))
    assert sum(1 for _ in table.rows) == safety.MAX_ROWS


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk_is_read(encoding):
    data = csv_bytes(
        [ledger_row(name="焦作市数字经济产业服务中心", partners="木铎（广州）")], encoding=encoding
    )
    table = read_table(data, check_upload("台账.csv", data))
    assert table.headers == HEADERS
    rows = list(table.rows)
    assert rows[0][0] == 2
    assert rows[0][1][1] == "焦作市数字经济产业服务中心"


def test_a_csv_in_no_known_encoding_is_refused():
    data = "项目名称\n".encode("utf-8-sig") + b"\xff\xfe\xfa\n"
    assert "无法识别 CSV 文件的编码" in _refused("bad.csv", data)


def test_blank_rows_are_skipped_and_row_numbers_stay_the_spreadsheets(good_xlsx):
    data = xlsx_bytes([ledger_row(name="甲"), [None] * 14, ledger_row(name="乙")])
    rows = list(read_upload("t.xlsx", data).rows)
    assert [(number, cells[1]) for number, cells in rows] == [(2, "甲"), (4, "乙")]
