"""``spreadsheets.download_response``: every file the site hands out, named and typed one way."""

import pytest

from tracker import spreadsheets


def test_a_csv_download_streams_as_an_attachment_with_its_name():
    response = spreadsheets.download_response(
        "zhaoshang-projects-20261201.csv", lines=iter(["a,b\r\n", "1,2\r\n"])
    )
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="zhaoshang-projects-20261201.csv"'
    )
    assert b"".join(response.streaming_content) == b"a,b\r\n1,2\r\n"


def test_a_workbook_download_is_sent_whole_and_keeps_a_chinese_name():
    response = spreadsheets.download_response("项目台账模板.xlsx", write=lambda s: s.write(b"PK"))
    assert not response.streaming
    assert response.content == b"PK"
    assert response["Content-Type"] == spreadsheets.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E9%A1%B9%E7%9B%AE%E5%8F%B0%E8%B4%A6%E6%A8%A1%E6%9D%BF.xlsx"
    )


def test_a_download_takes_lines_or_a_writer_not_both():
    with pytest.raises(TypeError):
        spreadsheets.download_response("x.csv", lines=[], write=lambda s: None)
    with pytest.raises(TypeError):
        spreadsheets.download_response("x.csv")
