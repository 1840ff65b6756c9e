"""Every file the app writes is safe to open: one walk over every export route and command.

A poisoned world (formula-looking names, control characters in several text
fields) is exported through every route the admin site offers — discovered
from its registry, so a new export admin is walked without a change here —
and through the public exports and the commands. Each file must come back
with status 200, open with openpyxl (xlsx), hold no formula cell and no text
cell starting with an unescaped ``= + - @``, tab or CR, and still carry the
poison, escaped (so a file that lost the record cannot pass).
"""

import csv
import html
import io
import json
import re
from datetime import date

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from import_export.admin import ExportMixin
from openpyxl import load_workbook

from tests.factories import add_partner, make_project
from tracker import spreadsheets
from tracker.jobs.testing import run_queued_jobs
from tracker.models import Event, Industry, Job, Organization, Region

# Spelled out here, not imported: a change to the rule must fail these tests.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("https://example.invalid","点我")'
# Characters openpyxl refuses in a cell (XML 1.0 forbids them).
CONTROL = ("\x01", "\x0b", "\x1f")


@pytest.fixture
def poisoned(world):
    """A district, an industry, a partner, an event and a project, each with poisoned text."""
    district = Region.objects.create(
        name="+1+2区",
        slug="poison-district",
        kind="district",
        parent=world.city,
        description="说明\x0b第二行",
    )
    # The ledger template's example row takes the first industry.
    Industry.objects.filter(pk=world.digital.pk).update(name="-2+3产业")
    partner = Organization.objects.create(
        name=HYPERLINK, short_name="@SUM(A1)", note="备注\x01", city="\t=1+1"
    )
    event = Event.objects.create(
        name="@签约活动",
        slug="poison-event",
        kind="signing",
        venue="=1+1",
        summary="活动\x1f摘要",
    )
    project = make_project(
        world,
        code="JZ-2020-0666",
        region=district,
        event=event,
        name="\x01=1+1项目",
        summary="建设\x0b内容",
        leader="@张三",
        responsible_unit="-单位\x01",
        signed_on=date(2020, 1, 1),
    )
    add_partner(project, partner, role="investor")
    return project


# --- What a safe file looks like --------------------------------------------------------------


def _escaped_poison(cells) -> list[str]:
    return [c for c in cells if c[:1] == "'" and c[1:].startswith(FORMULA_PREFIXES)]


def assert_safe_cells(cells: list[str]) -> None:
    assert [c for c in cells if c.startswith(FORMULA_PREFIXES)] == []
    assert _escaped_poison(cells), "the poisoned record is missing from the file"


def assert_safe_csv(text: str, delimiter: str = ",") -> None:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter)
    assert_safe_cells([cell for row in reader for cell in row])


def assert_safe_xlsx(data: bytes) -> None:
    book = load_workbook(io.BytesIO(data))  # opening it is half the test
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert [t for t in texts if any(c in t for c in CONTROL)] == []
    assert_safe_cells(texts)


def _body(response) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_safe_response(response, kind: str) -> None:
    body = _body(response)
    if kind == "xlsx":
        assert_safe_xlsx(body)
    else:
        assert_safe_csv(body.decode("utf-8"))


# --- Admin exports, discovered from the admin site ---------------------------------------------


def _export_admins():
    return [ma for ma in admin.site._registry.values() if hasattr(ma, "has_export_permission")]


def _library_export_admins():
    """Admins whose export page is django-import-export's own (format picked from a list)."""
    return [ma for ma in _export_admins() if type(ma).export_action is ExportMixin.export_action]


def _library_routes():
    """(admin, resource index, format index) for every resource and format each admin offers."""
    for model_admin in _library_export_admins():
        for r, resource in enumerate(model_admin.get_export_resource_classes(None)):
            for f, fmt in enumerate(model_admin.get_export_formats()):
                name = f"{model_admin.opts.model_name}-{resource.__name__}-{fmt().get_extension()}"
                yield pytest.param(model_admin, r, f, id=name)


def test_every_export_admin_is_walked():
    """The library's export page is walked generically; any other export page is named here."""
    custom = {ma.opts.label_lower for ma in _export_admins()} - {
        ma.opts.label_lower for ma in _library_export_admins()
    }
    assert custom == {"tracker.project"}  # walked by the ledger tests below
    assert {ma.opts.model_name for ma in _library_export_admins()} >= {
        "region",
        "industry",
        "organization",
        "event",
    }


def test_reference_exports_offer_csv_and_xlsx_and_write_spreadsheets_through_the_one_rule():
    for model_admin in _library_export_admins():
        extensions = [fmt().get_extension() for fmt in model_admin.get_export_formats()]
        assert {"csv", "xlsx"} <= set(extensions), model_admin
        for fmt in model_admin.get_export_formats():
            assert issubclass(fmt, spreadsheets.SafeExportFormat) or fmt().get_extension() == "json"


@pytest.mark.parametrize(("model_admin", "r", "f"), list(_library_routes()))
def test_reference_table_export_is_safe_to_open(staff, poisoned, model_admin, r, f):
    fmt = model_admin.get_export_formats()[f]()
    resource = model_admin.get_export_resource_classes(None)[r]
    data = {"format": f, "resource": r}
    data.update(
        {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    )
    opts = model_admin.opts
    response = staff.post(reverse(f"admin:{opts.app_label}_{opts.model_name}_export"), data)
    body, extension = _body(response), fmt.get_extension()
    if extension == "json":  # data, not a spreadsheet: kept verbatim
        assert json.loads(body)
    elif extension == "xlsx":
        assert_safe_xlsx(body)
    elif extension == "html":
        cells = [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", body.decode(), re.S)]
        assert_safe_cells(cells)
    else:
        assert_safe_csv(body.decode("utf-8"), delimiter="\t" if extension == "tsv" else ",")


# --- The ledger pages of the project admin --------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_ledger_export_is_safe_to_open(staff, poisoned, kind):
    response = staff.post(reverse("admin:tracker_project_export"), {"format": kind})
    assert_safe_response(response, kind)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_ledger_template_is_safe_to_open(staff, poisoned, kind):
    response = staff.get(reverse("admin:tracker_project_ledger_template"), {"format": kind})
    assert_safe_response(response, kind)


def test_export_selected_action_is_safe_to_open(staff, poisoned):
    response = staff.post(
        reverse("admin:tracker_project_changelist"),
        {"action": "export_selected", "_selected_action": [poisoned.pk]},
    )
    assert_safe_response(response, "xlsx")


def test_performance_xlsx_is_safe_to_open(staff, poisoned):
    staff.post(reverse("admin:tracker_project_performance"))
    run_queued_jobs()
    job = Job.objects.get(kind=Job.Kind.PERFORMANCE_REPORT, status=Job.Status.SUCCEEDED)
    response = staff.get(reverse("admin:tracker_job_download", args=[job.pk]))
    assert_safe_response(response, "xlsx")


# --- Public open data and the API ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_public_export_is_safe_to_open(client, poisoned, kind):
    response = client.get(reverse(f"tracker:project_export_{kind}"))
    assert_safe_response(response, kind)


def test_api_writes_json_only(client, poisoned):
    response = client.get("/api/projects/")
    assert response["Content-Type"].startswith("application/json")
    assert [p["name"] for p in response.json()["results"]] == [poisoned.name]  # verbatim
    assert client.get("/api/projects/", {"format": "csv"}).status_code == 404


# --- Commands ----------------------------------------------------------------------------------------


def test_project_alerts_csv_is_safe_to_open(poisoned):
    out = io.StringIO()
    call_command("project_alerts", "--format", "csv", "--date", "2026-01-10", stdout=out)
    assert_safe_csv(out.getvalue())


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_ledger_command_is_safe_to_open(poisoned, tmp_path, kind):
    path = tmp_path / f"ledger.{kind}"
    call_command("export_ledger", str(path), stdout=io.StringIO())
    if kind == "xlsx":
        assert_safe_xlsx(path.read_bytes())
    else:
        assert_safe_csv(path.read_text(encoding="utf-8-sig"))


def test_export_all_writes_no_spreadsheet_and_keeps_text_verbatim(poisoned, tmp_path):
    call_command("export_all", str(tmp_path), stdout=io.StringIO())
    assert {p.suffix for p in tmp_path.iterdir()} == {".json"}
    dump = json.loads((tmp_path / "data.json").read_text(encoding="utf-8"))
    names = {row["fields"].get("name") for row in dump if row["model"] == "tracker.project"}
    assert poisoned.name in names  # a backup, not a spreadsheet: nothing escaped or dropped


# --- The rule itself -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_run_gets_a_leading_apostrophe(text):
    assert spreadsheets.csv_value(text) == "'" + text
    assert spreadsheets.xlsx_value(text) == "'" + text


def test_escaping_twice_changes_nothing():
    once = spreadsheets.csv_value("=1+1")
    assert spreadsheets.csv_value(once) == once


def test_xlsx_drops_control_characters_before_escaping():
    # "\x01=1+1" only starts with "=" once the control character is gone.
    assert spreadsheets.xlsx_value("\x01=1+1\x0b项目") == "'=1+1项目"
    assert spreadsheets.xlsx_value("换行\n制表\t保留") == "换行\n制表\t保留"


def test_csv_keeps_control_characters_and_non_text_values():
    assert spreadsheets.csv_value("a\x01b") == "a\x01b"
    assert spreadsheets.xlsx_value(-5) == -5
    assert spreadsheets.xlsx_value(None) is None


def test_illegal_characters_are_the_ones_openpyxl_refuses():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    assert spreadsheets.ILLEGAL_CHARACTERS_RE.pattern == ILLEGAL_CHARACTERS_RE.pattern
