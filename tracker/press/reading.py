"""From newspaper text to sentences: line breaks, full-width spacing, headlines, .docx.

Newspaper columns break lines mid-word and pad with full-width or ASCII spaces
("10 月\n16 日", "院 （校） 地"). A quote keeps every printed character except
that white space, the same rule the fixtures' citations follow, so a quote the
extractor proposes is found verbatim in the article once white space is dropped.
"""

import io
import re
import zipfile
from dataclasses import dataclass

from defusedxml import ElementTree

# What a clerk may upload, and how big: a press report is a few pages of text.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_TEXT_CHARS = 200_000
# A .docx is a zip; its document part is read within this budget (a zip bomb stops here).
MAX_DOCX_XML_BYTES = 8 * 1024 * 1024

_WS = re.compile(r"\s+")
_END = "。！？；"
_CLOSERS = "”’」』）)"
# A block (between blank lines) this short with no closing punctuation is a headline.
_HEADLINE_CHARS = 40
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class UploadError(ValueError):
    """Why an upload cannot be read (shown to the clerk as is)."""


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str  # as printed, white space dropped
    headline: str  # the story's headline as printed, or ""
    is_headline: bool = False


def squash(text: str) -> str:
    """``text`` with every white space (line breaks, full-width spaces) dropped."""
    return _WS.sub("", text)


def read_upload(name: str, data: bytes) -> str:
    """The text of an uploaded .txt (UTF-8 or GB18030) or .docx; ``UploadError`` otherwise."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB。")
    lower = name.lower()
    if lower.endswith(".txt"):
        if b"\x00" in data:
            raise UploadError("文件不是纯文本。")
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return _capped(data.decode(encoding))
            except UnicodeDecodeError:
                continue
        raise UploadError("无法识别文件编码（请用 UTF-8 或 GB18030）。")
    if lower.endswith(".docx"):
        return _capped(_docx_text(data))
    raise UploadError("只接受 .txt 或 .docx 文件。")


def _capped(text: str) -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise UploadError(f"文本超过 {MAX_TEXT_CHARS} 字。")
    return text


def _docx_text(data: bytes) -> str:
    """Paragraphs of word/document.xml, one a line, blank lines between (no python-docx needed)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        info = archive.getinfo("word/document.xml")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise UploadError("不是有效的 .docx 文件。") from exc
    if info.file_size > MAX_DOCX_XML_BYTES:
        raise UploadError("文档内容过大。")
    with archive.open(info) as part:
        xml = part.read(MAX_DOCX_XML_BYTES + 1)
    if len(xml) > MAX_DOCX_XML_BYTES:
        raise UploadError("文档内容过大。")
    try:
        root = ElementTree.fromstring(xml)
    except Exception as exc:  # defusedxml raises several kinds; each means "not readable"
        raise UploadError("文档内容无法解析。") from exc
    paragraphs = []
    for para in root.iter(f"{_W}p"):
        parts = []
        for node in para.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag in (f"{_W}br", f"{_W}tab"):
                parts.append("\n" if node.tag == f"{_W}br" else " ")
        paragraphs.append("".join(parts))
    return "\n\n".join(p for p in paragraphs if p.strip())


def _blocks(text: str) -> list[list[str]]:
    """Runs of non-blank lines."""
    blocks, current = [], []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _is_headline(block: list[str]) -> bool:
    flat = squash("".join(block)).lstrip("#").strip()
    return (
        0 < len(flat) <= _HEADLINE_CHARS
        and flat[-1] not in _END + "，、：:" + _CLOSERS
        and len(block) <= 2
        and not flat.endswith("摄")
    )


def sentences(text: str) -> list[Sentence]:
    """The text's sentences in order, each knowing the headline of the story it is in.

    A block that does not end a sentence runs on into the next one (a column
    break), unless it is short and unpunctuated: then it is a headline. A
    headline printed after its story's lead paragraph (as in file 001) still
    names the story that follows it; a reader checks it on the preview.
    """
    out: list[Sentence] = []
    headline = ""
    pending = ""
    for block in _blocks(text):
        if _is_headline(block) and not pending:
            headline = squash("".join(block)).lstrip("#").strip()
            out.append(Sentence(len(out), headline, headline, is_headline=True))
            continue
        pending += squash("".join(block))
        pieces = _split(pending)
        if pending and pending[-1] not in _END + _CLOSERS:
            pending = pieces.pop() if pieces else ""
        else:
            pending = ""
        for piece in pieces:
            out.append(Sentence(len(out), piece, headline))
    for piece in _split(pending):
        out.append(Sentence(len(out), piece, headline))
    return out


def _split(flat: str) -> list[str]:
    pieces, start, i = [], 0, 0
    while i < len(flat):
        if flat[i] in _END:
            j = i + 1
            while j < len(flat) and flat[j] in _CLOSERS:
                j += 1
            pieces.append(flat[start:j])
            start = i = j
            continue
        i += 1
    if start < len(flat):
        pieces.append(flat[start:])
    return [p for p in pieces if p.strip()]
