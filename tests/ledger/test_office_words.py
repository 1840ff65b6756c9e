"""One vocabulary: the header and stage/status synonyms the import reads are the ones the
template's 填写说明 sheet and docs/staff.md show."""

import io
import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from tracker.ledger import columns, render
from tracker.verbs import LEDGER_STATUS_WORDS, ledger_stage_words

STAFF_DOC = Path(settings.BASE_DIR) / "docs" / "staff.md"


def doc_table(heading: str, first_column: str) -> dict[str, str]:
    """The two-column table under ``heading`` whose header starts with ``first_column``."""
    text = STAFF_DOC.read_text(encoding="utf-8").split(heading, 1)[1]
    table = text.split(f"| {first_column} |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", table, re.M)
    return {left: right for left, right in rows if not left.startswith("---")}


def grouped(labels: dict[str, str], words: dict[str, str]) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for word, code in words.items():
        if word != labels.get(code):
            found.setdefault(labels[code], []).append(word)
    return {label: "、".join(items) for label, items in found.items()}


def test_the_staff_guide_shows_the_header_synonyms_the_import_reads():
    assert doc_table("### 各区报来的台账", "列") == dict(columns.synonym_rows())


def test_the_staff_guide_shows_the_stage_and_status_words_the_import_reads():
    expected = grouped(render.stage_labels(), ledger_stage_words())
    expected |= grouped(render.status_labels(), LEDGER_STATUS_WORDS)
    assert doc_table("各区的说法", "选项") == expected


def test_the_templates_notes_sheet_shows_the_synonyms(staff, world):
    response = staff.get(reverse("admin:tracker_project_ledger_template"))
    notes = load_workbook(io.BytesIO(response.content))["填写说明"]
    text = "\n".join(
        " ".join(str(c) for c in row if c) for row in notes.iter_rows(values_only=True)
    )
    assert "签约日期 签约时间、签约日、签订时间" in text
    assert "在建/落地：入驻、落地、开工、在建" in text
    assert "停滞：暂停、搁置、停工" in text
