"""Files and form posts the review tests share."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import NO_INLINE_ROWS, project_change_form

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
DOCX_TYPES = (
    b'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType='
    b'"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def docx(*, bomb=False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_TYPES)
        body = b"<w:document/>" if not bomb else b"<w:document>" + b" " * (8 * 2**20)
        archive.writestr("word/document.xml", body)
    return buffer.getvalue()


def upload(name="合同.pdf", data=PDF):
    return SimpleUploadedFile(name, data)


def evidence_rows(*rows) -> dict:
    """The evidence inline's fields for new rows: (kind, title, file) each."""
    data = {"evidence-TOTAL_FORMS": len(rows), "evidence-INITIAL_FORMS": 0}
    for i, (kind, title, file) in enumerate(rows):
        data.update(
            {
                f"evidence-{i}-kind": kind,
                f"evidence-{i}-title": title,
                f"evidence-{i}-document_on": "",
                f"evidence-{i}-upload": file,
            }
        )
    return data


def change_form(project, **changes) -> dict:
    data = project_change_form(project, **changes)
    for key in ("started_on", "operating_on"):
        value = getattr(project, key)
        data.setdefault(key, value.isoformat() if value else "")
    for name in ("investment",):
        value = getattr(project, name)
        data.setdefault(name, "" if value is None else str(value))
    return data


__all__ = ["NO_INLINE_ROWS"]
