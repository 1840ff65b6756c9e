"""Open data on the site: the page of prebuilt files, the files themselves, and exports.

The full files are built by the ``open_data`` job (``services.opendata``); a
request here only reads them from storage, so no download depends on how long
a worker may take. A file that was never built, or an xlsx over the sheet
limit, answers with the page and a sentence saying why, not an error.
"""

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView, View

from . import exports, spreadsheets, stats
from .services import opendata

TEMPLATE = "tracker/open_data.html"
# Browsers and proxies may keep a file this long, then ask again (ETag) whether it changed.
FILE_MAX_AGE = 300
TABLE_TITLES = {
    "projects": (_lazy("项目"), _lazy("每个公开项目一行，含合作方与来源文章、原文引述。")),
    "partners": (_lazy("合作方"), _lazy("参与公开项目或主办活动的机构，含其公开项目数。")),
    "events": (
        _lazy("招商活动"),
        _lazy("活动公布的签约、推介数字与本站逐项列明的项目数分列，互不相加。"),
    ),
    "progress": (
        _lazy("区县年度进展"),
        _lazy(
            "各区县每年签约、开工、投产的公开项目数，口径同考核与排名；到位资金仅在公开汇总时列出。"
        ),
    ),
}


def _tables(manifest: dict | None) -> list[dict]:
    """One entry per table: title, rows and its files (Chinese first), from the manifest."""
    files = manifest["files"] if manifest else []
    entries = []
    for name in opendata.TABLES:
        title, description = TABLE_TITLES[name]
        mine = [f for f in files if f["table"] == name]
        for item in mine:
            item["url"] = reverse("tracker:open_data_file", args=[item["name"]])
        entries.append(
            {
                "name": name,
                "title": title,
                "description": description,
                "rows": next((f["rows"] for f in mine if f["language"] == exports.LANGUAGE), None),
                "languages": [
                    [f for f in mine if f["language"] == language] for language in exports.LANGUAGES
                ],
            }
        )
    return entries


def _context(manifest: dict | None, **extra) -> dict:
    as_of = parse_datetime(manifest["data_as_of"]) if manifest else None
    return {
        "manifest": manifest,
        "tables": _tables(manifest),
        "data_as_of": as_of,
        "xlsx_max_rows": exports.XLSX_MAX_ROWS,
        "licence": getattr(settings, "OPEN_DATA_LICENCE", "")
        or _("数据可自由下载、复制和再利用，请注明来源“招商项目台账”及原始报道。"),
        **extra,
    }


class OpenDataView(TemplateView):
    """``/data/``: every prebuilt file with its rows, size and "数据截至" time."""

    template_name = TEMPLATE

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, **_context(opendata.open_data_manifest()))


def _notice_page(request, notice: str, *, status: int, csv_url: str = "") -> TemplateResponse:
    context = _context(opendata.open_data_manifest(), notice=notice, csv_url=csv_url)
    return TemplateResponse(request, TEMPLATE, context, status=status)


class OpenDataFileView(View):
    """``/data/<name>``: one prebuilt file from storage, with the headers a cache needs."""

    def get(self, request, name: str):
        manifest = opendata.open_data_manifest()
        listed = {f["name"]: f for f in manifest["files"]} if manifest else {}
        item = listed.get(name)
        if item is None:
            return self._missing(request, name, manifest)
        path = opendata.storage_path(name)
        try:
            modified = default_storage.get_modified_time(path)
            stream = default_storage.open(path, "rb")
        except (FileNotFoundError, OSError):
            return self._missing(request, name, None)
        etag = f'"{item["size"]:x}-{int(modified.timestamp()):x}"'
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=int(modified.timestamp())
        )
        if not_modified is not None:
            stream.close()
            response = not_modified
        else:
            # FileResponse sends the file in blocks and sets Content-Length from its size.
            response = FileResponse(
                stream,
                as_attachment=True,
                filename=f"zhaoshang-{name}",
                content_type=spreadsheets.CONTENT_TYPES[f".{item['format']}"],
            )
            response["Last-Modified"] = http_date(modified.timestamp())
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=FILE_MAX_AGE)
        return response

    def _missing(self, request, name: str, manifest):
        table, _dot, fmt = name.partition(".")
        table = table.removesuffix("-en")
        csv_name = name.removesuffix(".xlsx") + ".csv"
        rows = manifest and manifest.get("rows", {}).get(table)
        if manifest and fmt == "xlsx" and rows is not None and rows > exports.XLSX_MAX_ROWS:
            notice = _(
                "该表共 %(rows)s 行，超过 Excel 单表上限 %(max)s 行，没有生成 Excel 文件。"
                "请下载 CSV（Excel 也能打开）。"
            ) % {"rows": f"{rows:,}", "max": f"{exports.XLSX_MAX_ROWS:,}"}
            return _notice_page(
                request,
                notice,
                status=404,
                csv_url=reverse("tracker:open_data_file", args=[csv_name]),
            )
        if manifest is None:
            notice = _("开放数据文件尚未生成：首次生成完成后即可在此下载，请稍后再来。")
        else:
            notice = _("没有名为“%(name)s”的数据文件。请从下表选择。") % {"name": name}
        return _notice_page(request, notice, status=404)


def export_response(request, queryset, fmt: str):
    """A filtered export of the project list: CSV streams; XLSX only when it fits one sheet."""
    language = exports.export_language(request.GET.get("lang"))
    if fmt != "xlsx":
        return exports.csv_response(queryset, language=language)
    response = exports.xlsx_response(queryset, language=language)
    if response is not None:
        return response
    count = stats.count(queryset)
    notice = _(
        "筛选结果共 %(rows)s 行，超过 Excel 单表上限 %(max)s 行，无法生成 Excel。"
        "请缩小筛选范围，或下载 CSV。"
    ) % {"rows": f"{count:,}", "max": f"{exports.XLSX_MAX_ROWS:,}"}
    params = urlencode(request.GET, doseq=True)
    csv_url = reverse("tracker:project_export_csv") + (f"?{params}" if params else "")
    return _notice_page(request, notice, status=400, csv_url=csv_url)
