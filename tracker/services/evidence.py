"""Evidence uploads: what a file really is (by its content, not its name), then storing it.

``evidence_check`` reads the file's first bytes and, for docx/xlsx, the zip
central directory and the first kilobytes of each XML part — never the whole
unpacked document — with the same limits as ledger uploads
(``tracker.ledger.safety``): a renamed executable, a PDF called .jpg, a zip
bomb, a macro document or an XML part with a DTD is refused with a message
the uploader can act on. ``evidence_attach`` stores a checked file through
``default_storage`` with its size and SHA-256. ``evidence_delete`` removes
one: a 区域录入员 their regions' files, except those an approved claim relied
on, which only a 招商管理员 may delete (recorded in the evidence's history).
"""

import hashlib
import zipfile
import zlib
from io import BytesIO
from pathlib import PurePath

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from ..ledger import safety
from ..models import REVIEW_PERMISSION, ChangeRequest, Evidence
from ..permissions import can_edit_region

MAX_BYTES = 20 * 1024 * 1024

PDF, JPEG, PNG, DOCX, XLSX = "pdf", "jpg", "png", "docx", "xlsx"
CONTENT_TYPES = {
    PDF: "application/pdf",
    JPEG: "image/jpeg",
    PNG: "image/png",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SUFFIXES = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".docx": DOCX, ".xlsx": XLSX}
ACCEPT = ",".join(SUFFIXES)

_MAGIC = [
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"PK\x03\x04", "zip"),
]
_DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCM_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"


class BadEvidence(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _sniff(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def evidence_check(name: str, data: bytes) -> str:
    """The kind of an acceptable evidence file (``pdf`` … ``xlsx``); raises ``BadEvidence``."""
    if len(data) > MAX_BYTES:
        raise BadEvidence(
            _("文件过大（%(size)s MB）；凭证上限为 20 MB。") % {"size": f"{len(data) / 2**20:.1f}"}
        )
    if not data:
        raise BadEvidence(_("文件是空的。"))
    claimed = SUFFIXES.get(PurePath(name or "").suffix.lower())
    if claimed is None:
        raise BadEvidence(_("只接受 PDF、JPG、PNG、Word（.docx）或 Excel（.xlsx）文件。"))
    actual = _sniff(data)
    if actual is None:
        raise BadEvidence(
            _("文件内容不是 PDF、JPG、PNG、docx 或 xlsx（扩展名可能被改过），已拒绝。")
        )
    if actual == "zip":
        if claimed not in (DOCX, XLSX):
            raise BadEvidence(_("文件内容是压缩包或 Office 文档，与扩展名不符，已拒绝。"))
        if claimed == XLSX:
            try:
                safety.check_xlsx(data)
            except safety.UnsafeFile as exc:
                raise BadEvidence(exc.message) from None
        else:
            _check_docx(data)
        return claimed
    if actual != claimed:
        raise BadEvidence(
            _("文件内容是 %(actual)s，与扩展名不符，已拒绝。") % {"actual": actual.upper()}
        )
    return actual


def _check_docx(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise BadEvidence(_("docx 文件已损坏或不完整。")) from None
    with archive:
        members = archive.infolist()
        if len(members) > safety.MAX_MEMBERS:
            raise BadEvidence(_("docx 文件结构异常（包含的部件过多）。"))
        total = 0
        for member in members:
            if member.flag_bits & 0x1:
                raise BadEvidence(_("docx 文件已加密；请取消密码保护后再上传。"))
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > safety.RATIO_FLOOR and ratio > safety.MAX_RATIO:
                raise BadEvidence(_("docx 文件解压后异常膨胀（疑似压缩炸弹），已拒绝。"))
        if total > safety.MAX_UNCOMPRESSED:
            raise BadEvidence(_("docx 文件解压后过大（疑似压缩炸弹），已拒绝。"))
        names = {m.filename for m in members}
        if "[Content_Types].xml" not in names or "word/document.xml" not in names:
            raise BadEvidence(_("这不是有效的 docx 文件（缺少文档正文）。"))
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise BadEvidence(_("不接受含宏的文档（.docm）；请另存为 .docx。"))
        try:
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as stream:
                        head = stream.read(safety.PROLOG_LIMIT).upper()
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise BadEvidence(_("docx 文件含有 DTD 或实体声明，已拒绝。"))
            types = archive.read("[Content_Types].xml")
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, zlib.error):
            raise BadEvidence(_("docx 文件已损坏或不完整。")) from None
        if _DOCM_TYPE.encode() in types:
            raise BadEvidence(_("不接受含宏的文档（.docm）；请另存为 .docx。"))
        if _DOCX_TYPE.encode() not in types:
            raise BadEvidence(_("这不是有效的 docx 文件（不是 Word 文档）。"))


def evidence_can_view(user, project) -> bool:
    """Managers, superusers and 只读 see every project's evidence; a 区域录入员 their regions'."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return False
    if not user.has_perm("tracker.view_evidence"):
        return False
    if user.has_perm("tracker.change_project") or user.has_perm("tracker.add_project"):
        return can_edit_region(user, project.region_id)
    return True


@transaction.atomic
def evidence_attach(
    *,
    project,
    user,
    kind: str,
    title: str,
    name: str,
    data: bytes,
    document_on=None,
    stage_change=None,
) -> Evidence:
    """Check and store one file as evidence of ``project``; raises ``BadEvidence``."""
    if user is not None and not can_edit_region(user, project.region_id):
        raise PermissionDenied
    file_kind = evidence_check(name, data)
    evidence = Evidence(
        project=project,
        stage_change=stage_change,
        kind=kind,
        title=title or PurePath(name).stem[:200],
        document_on=document_on,
        original_name=PurePath(name).name[:255],
        content_type=CONTENT_TYPES[file_kind],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=user,
    )
    evidence.file.save(PurePath(name).name, ContentFile(data), save=False)
    evidence._history_user = user
    # A failed save must not leave the stored file behind.
    stored = evidence.file.name
    try:
        evidence.save()
    except Exception:
        evidence.file.storage.delete(stored)
        raise
    return evidence


def evidence_relied_on(evidence) -> list[int]:
    """The ids of the approved claims that relied on ``evidence``."""
    approved = evidence.change_requests.filter(status=ChangeRequest.Status.APPROVED)
    return sorted(approved.values_list("pk", flat=True))


def evidence_can_delete(user, evidence) -> bool:
    """Whether ``user`` may delete ``evidence`` (``None``: a command may).

    Only inside the user's regions (never another district's, whatever the
    URL); what an approved claim relied on only by a reviewer (招商管理员).
    """
    if user is None:
        return True
    if not user.has_perm("tracker.delete_evidence"):
        return False
    if not can_edit_region(user, evidence.project.region_id):
        return False
    return user.has_perm(REVIEW_PERMISSION) or not evidence_relied_on(evidence)


@transaction.atomic
def evidence_delete(*, evidence, user) -> None:
    """Delete ``evidence`` and, once committed, its stored file; raises ``PermissionDenied``.

    A file an approved claim relied on leaves a history row that says which.
    """
    if not evidence_can_delete(user, evidence):
        raise PermissionDenied
    relied_on = evidence_relied_on(evidence)
    evidence._history_user = user
    if relied_on:
        evidence._change_reason = (
            _("删除审核依据（审核申请 %(ids)s 据此通过）")
            % {"ids": "、".join(f"#{pk}" for pk in relied_on)}
        )[:100]
    stored, storage = evidence.file.name, evidence.file.storage
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(stored))
