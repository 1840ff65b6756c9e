"""The full open-data files, built by a background job and served as they are.

``open_data_build_job`` (the ``open_data`` job kind) writes every public table —
projects with their sources, partners, events, and each district's progress by
year (``progress_table``) — as CSV (UTF-8 with BOM) and,
where it fits the sheet limit, XLSX, in Chinese and in English, into default
storage under ``open-data/``, plus ``manifest.json`` saying each file's rows,
size and the time the data was read ("数据截至"). A visitor's download is then
a file read from storage: no request builds anything, so no timeout can cut it.

Each file is written under a temporary name and moved into place only when the
whole build is done, so a reader (or a worker killed mid-build) never sees half
a file, and the manifest is written last: what it lists is there.

Consistency: the build remembers the data fingerprint (``stats.data_fingerprint``)
it started from and reads it again at the end. If it moved, something changed
while the files were being written, so their row counts may not belong to one
moment: the build runs again (a change during a build is never lost, even though
the change's own enqueue found this job already running and was folded into it).
Only a build the data did not move under is published.
"""

import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import exports, stats, trends
from ..models import Project, RegionTree

DIRECTORY = "open-data"
MANIFEST = f"{DIRECTORY}/manifest.json"
# A build the data keeps moving under is tried this many times, then the job fails
# (and is retried by the runner): better no new files than files from no one moment.
MAX_PASSES = 5
TABLES = ("projects", "partners", "events", "progress")


@dataclass(frozen=True)
class Built:
    name: str  # "projects-en.xlsx"
    table: str
    language: str
    format: str
    rows: int
    size: int
    temporary: str  # where it waits until the build is published


def file_name(table: str, language: str, fmt: str) -> str:
    suffix = "" if language == exports.LANGUAGE else f"-{language}"
    return f"{table}{suffix}.{fmt}"


def storage_path(name: str) -> str:
    return f"{DIRECTORY}/{name}"


def _table(name: str) -> exports.Table:
    if name == "projects":
        return exports.projects_table(Project.objects.public().order_by("code"))
    if name == "partners":
        return exports.partners_table()
    if name == "progress":
        return progress_table()
    return exports.events_table()


def progress_table() -> exports.Table:
    """区县年度进展: per district and year, what ``/api/progress/`` answers (public projects,
    the 考核与排名 rule), read afresh rather than from the overview's cache. Funds in place
    only when the bureau publishes them in aggregate (two queries, three with funds)."""
    public = Project.objects.public()
    tree = RegionTree.load()
    funds = trends.public_funds(public, tree) if trends.funds_published() else None
    headers = [
        gettext_lazy("区县"),
        gettext_lazy("年份"),
        gettext_lazy("签约项目数"),
        gettext_lazy("签约金额（万元）"),
        gettext_lazy("其中金额未披露"),
        gettext_lazy("开工项目数"),
        gettext_lazy("投产项目数"),
    ]
    if funds is not None:
        headers.append(gettext_lazy("到位资金（万元）"))
    rows = []
    for district in trends.district_progress(trends.progress_rows(public), tree, funds):
        name = str(gettext_lazy("市级（未落到区县）")) if district["at_city"] else district["name"]
        for year, figures in district["years"].items():
            row = [name, str(year), *(figures[key] for key in trends.PROGRESS_FIGURES)]
            if funds is not None:
                row.append(figures.get("funds_amount"))
            rows.append(row)
    amounts = frozenset({3, 7} if funds is not None else {3})
    return exports.Table("progress", gettext_lazy("区县年度进展"), headers, amounts, rows)


class _Counted:
    """A table's rows, counted as they are written (the manifest's figure is what was written)."""

    def __init__(self, rows, on_row):
        self.rows, self.on_row, self.count = rows, on_row, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            self.on_row()
            yield row


def _counted(name: str, on_row) -> tuple[exports.Table, _Counted]:
    table = _table(name)
    counted = _Counted(table.rows, on_row)
    return replace(table, rows=counted), counted


def _save_temporary(name: str, write) -> tuple[str, int]:
    """``write(stream)`` to local disk, then into storage under a temporary name; (path, size)."""
    with tempfile.TemporaryFile() as local:
        write(local)
        size = local.tell()
        local.seek(0)
        path = default_storage.save(
            storage_path(f".{name}.{uuid.uuid4().hex}.tmp"), File(local, name=name)
        )
    return path, size


def _write_csv(table: exports.Table, stream) -> None:
    for piece in exports.csv_lines(table):
        stream.write(piece.encode("utf-8"))


def _build_table(name: str, language: str, on_row, expected: int) -> list[Built]:
    """CSV (always) and XLSX (when the rows fit one sheet) of one table in one language.

    A table small enough for a sheet is read once and written twice; a larger one
    streams from the database into the CSV, a chunk at a time.
    """
    built = []
    with translation.override(language):
        table, counted = _counted(name, on_row)
        if expected <= exports.XLSX_MAX_ROWS:
            table = replace(table, rows=list(counted))
        csv_name = file_name(name, language, "csv")
        path, size = _save_temporary(csv_name, lambda stream: _write_csv(table, stream))
        built.append(Built(csv_name, name, language, "csv", counted.count, size, path))
        if counted.count <= exports.XLSX_MAX_ROWS:
            if not isinstance(table.rows, list):
                table, counted = _counted(name, on_row)
            xlsx_name = file_name(name, language, "xlsx")
            path, size = _save_temporary(
                xlsx_name, lambda stream: exports.xlsx_write(table, stream)
            )
            built.append(Built(xlsx_name, name, language, "xlsx", counted.count, size, path))
    return built


def _expected_rows() -> dict[str, int]:
    """How many rows each table will have (for the progress bar only)."""
    from .. import selectors

    return {
        # A few rows per district and year: always small enough for a sheet.
        "progress": 0,
        "projects": Project.objects.public().count(),
        "partners": selectors.public_organizations().count(),
        "events": selectors.event_list().count(),
    }


def _publish(built: list[Built], manifest: dict) -> None:
    """Move every file into place, then write the manifest (a reader trusts what it lists)."""
    for item in built:
        final = storage_path(item.name)
        local = _local_path(item.temporary)
        if local is not None:
            os.replace(local, _local_path(final, must_exist=False))
        else:  # a storage without a local path (S3 …): copy, then delete the temporary
            with default_storage.open(item.temporary, "rb") as source:
                if default_storage.exists(final):
                    default_storage.delete(final)
                default_storage.save(final, File(source, name=item.name))
            default_storage.delete(item.temporary)
    content = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    temporary = default_storage.save(
        storage_path(f".manifest.{uuid.uuid4().hex}.tmp"), ContentFile(content)
    )
    local = _local_path(temporary)
    if local is not None:
        os.replace(local, _local_path(MANIFEST, must_exist=False))
    else:
        if default_storage.exists(MANIFEST):
            default_storage.delete(MANIFEST)
        default_storage.save(MANIFEST, ContentFile(content))
        default_storage.delete(temporary)


def _local_path(name: str, *, must_exist: bool = True) -> str | None:
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        return None
    if not must_exist:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def _discard(built: list[Built]) -> None:
    for item in built:
        if default_storage.exists(item.temporary):
            default_storage.delete(item.temporary)


def _sweep(*, older_than: timedelta = timedelta(hours=6)) -> None:
    """Delete temporary files a killed build left behind (never one a build is writing)."""
    try:
        _dirs, names = default_storage.listdir(DIRECTORY)
    except FileNotFoundError:
        return
    limit = timezone.now() - older_than
    for name in names:
        path = storage_path(name)
        temporary = name.startswith(".") and name.endswith(".tmp")
        if temporary and default_storage.get_modified_time(path) < limit:
            default_storage.delete(path)


class _Progress:
    def __init__(self, report, total: int):
        self.report, self.total, self.done = report, total, 0

    def tick(self):
        self.done += 1
        self.report(self.done, self.total)


def open_data_build(*, progress=None, log=None, languages=exports.LANGUAGES) -> dict:
    """Build and publish every open-data file; returns the manifest written.

    ``progress(done, total)`` counts rows written over every file; ``log(line)``
    tells what it is doing. Raises ``RuntimeError`` when the data moved under
    every one of ``MAX_PASSES`` builds.
    """
    progress = progress or (lambda done, total: None)
    log = log or (lambda line: None)
    for attempt in range(1, MAX_PASSES + 1):
        fingerprint = stats.data_fingerprint()
        read_at = timezone.now()
        started = time.monotonic()
        expected = _expected_rows()
        # Rows read, per table and language (a table that fits a sheet is read once for both).
        rows = _Progress(progress, sum(expected.values()) * len(languages))
        built: list[Built] = []
        try:
            for language in languages:
                for name in TABLES:
                    log(_("写入 %(file)s……") % {"file": file_name(name, language, "csv")})
                    built += _build_table(name, language, rows.tick, expected[name])
        except BaseException:
            _discard(built)
            raise
        if not stats.is_current(fingerprint, stats.data_fingerprint()):
            _discard(built)
            log(_("生成期间数据有变动，重新生成（第 %(n)s 次）。") % {"n": attempt + 1})
            continue
        manifest = {
            "data_as_of": timezone.localtime(read_at).isoformat(timespec="seconds"),
            "built_at": timezone.localtime().isoformat(timespec="seconds"),
            "build_seconds": round(time.monotonic() - started, 1),
            "passes": attempt,
            "fingerprint": [str(part) for part in fingerprint],
            "rows": {item.table: item.rows for item in built if item.language == exports.LANGUAGE},
            "files": [
                {
                    "name": item.name,
                    "table": item.table,
                    "language": item.language,
                    "format": item.format,
                    "rows": item.rows,
                    "size": item.size,
                }
                for item in built
            ],
        }
        _publish(built, manifest)
        _sweep()
        progress(rows.total, rows.total)
        return manifest
    raise RuntimeError(f"data changed during each of {MAX_PASSES} open-data builds")


def open_data_build_job(run, **params) -> None:
    """The ``open_data`` job: build every file, report progress, keep the manifest as the result."""
    run.log(_("开始生成开放数据文件。"))
    manifest = open_data_build(progress=run.progress, log=run.log)
    run.job.result = {
        "rows": manifest["rows"],
        "data_as_of": manifest["data_as_of"],
        "build_seconds": manifest["build_seconds"],
        "passes": manifest["passes"],
    }
    run.log(
        _(
            "已生成 %(files)s 个文件：项目 %(projects)s 行，合作方 %(partners)s 行，活动 %(events)s 行。"
        )
        % {"files": len(manifest["files"]), **manifest["rows"]}
    )


# --- Reading (the public page and the file view) -----------------------------------------


def open_data_manifest() -> dict | None:
    """The manifest of the files in place, or ``None`` when none was built yet."""
    try:
        with default_storage.open(MANIFEST, "rb") as stream:
            return json.loads(stream.read().decode("utf-8"))
    except (FileNotFoundError, OSError, ValueError):
        return None
