"""Open data: full files built by a job, served from storage, rebuilt when public data changes."""

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from tests import factories as make
from tracker import exports
from tracker.choices import Stage
from tracker.formatting import plain_decimal
from tracker.jobs.testing import run_queued_jobs
from tracker.models import Event, Job, Organization, Project, ProjectPartner
from tracker.services import opendata

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_files_yet():
    """Built files live in storage, which outlives each test's rolled-back rows."""
    directory = Path(settings.MEDIA_ROOT) / opendata.DIRECTORY
    shutil.rmtree(directory, ignore_errors=True)
    yield
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def ledger():
    world = make.build_ledger()
    # A second source for one public project.
    classroom = Project.objects.get(code="JZ-2020-0001")
    make.citation(classroom, "签约总投资10.5亿元", source_=make.source("专题招商"))
    return world


def read_csv(name: str) -> list[list[str]]:
    with default_storage.open(opendata.storage_path(name), "rb") as stream:
        raw = stream.read().decode("utf-8")
    assert raw.startswith("\ufeff")  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(raw.removeprefix("\ufeff"))))


def manifest() -> dict:
    with default_storage.open(opendata.MANIFEST, "rb") as stream:
        return json.load(stream)


def public_partner_count() -> int:
    """Counted apart from the selectors: partners of public projects, plus organisers."""
    ids = set(
        ProjectPartner.objects.filter(project__is_public=True).values_list(
            "organization", flat=True
        )
    )
    ids |= set(Event.organisers.through.objects.values_list("organization_id", flat=True))
    return len(ids)


# --- The files -------------------------------------------------------------------------


def test_built_files_hold_every_public_row_and_the_manifest_says_so(ledger):
    built = opendata.open_data_build()
    public = Project.objects.filter(is_public=True).count()
    assert public == 5 and Project.objects.count() == 6
    assert len(read_csv("projects.csv")) - 1 == public
    assert len(read_csv("partners.csv")) - 1 == public_partner_count()
    assert len(read_csv("events.csv")) - 1 == Event.objects.count()
    assert built == manifest()
    assert manifest()["rows"] == {
        "projects": public,
        "partners": public_partner_count(),
        "events": Event.objects.count(),
        "progress": len(read_csv("progress.csv")) - 1,  # tests/overview check its figures
    }
    for item in manifest()["files"]:
        assert default_storage.size(opendata.storage_path(item["name"])) == item["size"]
    # Nothing half-written is left beside the files.
    _dirs, names = default_storage.listdir(opendata.DIRECTORY)
    assert not [n for n in names if n.endswith(".tmp")]
    book = load_workbook(default_storage.open(opendata.storage_path("projects.xlsx"), "rb"))
    assert book.active.max_row - 1 == public


def test_project_file_carries_its_sources_and_partners(ledger):
    opendata.open_data_build(languages=["zh-hans"])
    header, *rows = read_csv("projects.csv")
    for column in ("来源文章", "来源报道", "来源媒体", "来源日期", "原文引述", "合作方（角色）"):
        assert column in header
    row = dict(zip(header, next(r for r in rows if r[0] == "JZ-2020-0001"), strict=True))
    # Two sources, one per line, the n-th line of each source column belonging together.
    titles, dates, quotes = (row[c].split("\n") for c in ("来源文章", "来源日期", "原文引述"))
    assert "专题招商" in titles and len(titles) == len(dates) == len(quotes) == 2
    mine = titles.index("专题招商")
    assert dates[mine] == "2020-10"  # at the source's precision
    assert quotes[mine].endswith("签约总投资10.5亿元")
    assert "深圳市腾讯计算机系统有限公司（投资方）" in row["合作方（角色）"]


def test_formula_looking_cells_are_escaped_in_csv_and_xlsx(ledger):
    formula = make.project(
        region=make.region(), name="=1+1", summary="@SUM(A1)", code="JZ-2020-0600"
    )
    make.citation(formula, "-2+3 是原文")
    opendata.open_data_build(languages=["zh-hans"])
    header, *rows = read_csv("projects.csv")
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert by_code["JZ-2020-0600"]["项目名称"] == "'=1+1"
    assert by_code["JZ-2020-0600"]["建设内容"] == "'@SUM(A1)"
    assert by_code["JZ-2020-0600"]["原文引述"] == "'-2+3 是原文"
    sheet = load_workbook(default_storage.open(opendata.storage_path("projects.xlsx"), "rb")).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=1+1" in names


def test_non_public_projects_and_their_only_partners_are_absent(ledger):
    opendata.open_data_build()
    everything = "".join(
        default_storage.open(opendata.storage_path(item["name"]), "rb").read().decode("utf-8")
        for item in manifest()["files"]
        if item["format"] == "csv"
    )
    hidden = Project.objects.get(is_public=False)
    assert hidden.code not in everything
    assert make.SECRET not in everything  # neither its texts nor its internal-only partner
    assert Organization.objects.filter(name__contains=make.SECRET).exists()


def test_headers_and_labels_are_the_same_whatever_the_active_language(ledger):
    translation.activate("en")
    opendata.open_data_build()
    english_first = read_csv("projects.csv")
    translation.activate("zh-hans")
    opendata.open_data_build()
    chinese_first = read_csv("projects.csv")
    assert english_first == chinese_first
    assert english_first[0][:2] == ["项目编号", "项目名称"]
    with translation.override("zh-hans"):
        assert {r[5] for r in chinese_first[1:]} <= {str(label) for _c, label in Stage.choices}
    # The English variant is its own file, asked for by name.
    assert read_csv("projects-en.csv")[0][:2] == ["Project code", "Project name"]


def test_events_keep_declared_figures_apart_from_itemised_projects(ledger):
    opendata.open_data_build(languages=["zh-hans"])
    header, *rows = read_csv("events.csv")
    (row,) = [dict(zip(header, r, strict=True)) for r in rows]
    fair = Event.objects.get()
    assert row["公布签约项目数"] == str(fair.declared_signed_count or "")
    assert row["本站列明公开项目数"] == str(
        Project.objects.filter(is_public=True, event=fair).count()
    )
    # In the workbook the declared amount stays a number in 万元 (the same rows feed both).
    sheet = load_workbook(default_storage.open(opendata.storage_path("events.xlsx"), "rb")).active
    header, first = list(sheet.values)[:2]
    declared = first[header.index("公布签约总投资（万元）")]
    assert declared == fair.declared_signed_investment and isinstance(declared, int | float)
    assert row["公布签约总投资（万元）"] == plain_decimal(fair.declared_signed_investment)


def test_an_xlsx_over_the_sheet_limit_is_not_built_and_the_page_offers_csv(
    client, ledger, monkeypatch
):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    opendata.open_data_build(languages=["zh-hans"])
    names = {item["name"] for item in manifest()["files"]}
    assert "projects.csv" in names and "projects.xlsx" not in names
    response = client.get(reverse("tracker:open_data_file", args=["projects.xlsx"]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "超过 Excel 单表上限" in page
    assert reverse("tracker:open_data_file", args=["projects.csv"]) in page


# --- Serving ---------------------------------------------------------------------------


def test_the_file_view_sends_the_stored_file_with_cache_headers(client, ledger):
    opendata.open_data_build(languages=["zh-hans"])
    url = reverse("tracker:open_data_file", args=["projects.csv"])
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming  # read from storage in blocks, not built here
    body = b"".join(response.streaming_content)
    size = default_storage.size(opendata.storage_path("projects.csv"))
    assert int(response["Content-Length"]) == size == len(body)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="zhaoshang-projects.csv"'
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert response["Last-Modified"] and response["ETag"]
    again = client.get(url, headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304
    since = client.get(url, headers={"if-modified-since": response["Last-Modified"]})
    assert since.status_code == 304


def test_before_the_first_build_the_page_and_files_say_so_in_chinese(client, db):
    page = client.get(reverse("tracker:open_data"))
    assert page.status_code == 200
    assert "开放数据文件尚未生成" in page.content.decode()
    missing = client.get(reverse("tracker:open_data_file", args=["projects.csv"]))
    assert missing.status_code == 404
    assert "开放数据文件尚未生成" in missing.content.decode()


def test_the_page_lists_each_file_with_rows_size_and_time(client, ledger):
    opendata.open_data_build()
    page = client.get(reverse("tracker:open_data")).content.decode()
    assert "数据截至" in page
    for item in manifest()["files"]:
        assert reverse("tracker:open_data_file", args=[item["name"]]) in page
    assert "请注明来源" in page  # the licence line


def test_a_name_not_in_the_manifest_is_refused(client, ledger):
    opendata.open_data_build(languages=["zh-hans"])
    for name in ("manifest.json", "..%2Fdb.sqlite3", ".projects.csv.tmp"):
        assert client.get(f"/data/{name}").status_code == 404


def test_the_list_links_the_prebuilt_file_unfiltered_and_streams_filtered(client, ledger):
    page = client.get(reverse("tracker:project_list")).content.decode()
    assert reverse("tracker:open_data_file", args=["projects.csv"]) in page
    filtered = client.get(reverse("tracker:project_list"), {"stage": "signed"}).content.decode()
    assert reverse("tracker:project_export_csv") + "?stage=signed" in filtered


def test_a_filtered_csv_is_chinese_unless_english_is_asked_for_by_name(client, ledger):
    url = reverse("tracker:project_export_csv")
    browser_english = client.get(url, headers={"accept-language": "en"})
    header = b"".join(browser_english.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header.startswith("项目编号,项目名称")
    asked = client.get(url, {"lang": "en"})
    header = b"".join(asked.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Project code,Project name")
    assert asked["Content-Disposition"].endswith('-en.csv"')


def test_a_filtered_xlsx_over_the_limit_shows_the_page_with_a_csv_link(client, ledger, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 1)
    response = client.get(
        reverse("tracker:project_export_xlsx"), {"stage": ["signed", "operating"]}
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "stage=signed&amp;stage=operating" in response.content.decode()


# --- Rebuilding ------------------------------------------------------------------------


def open_data_jobs():
    return Job.objects.filter(kind=Job.Kind.OPEN_DATA)


def test_a_change_enqueues_one_rebuild_however_many_rows_and_commits(
    ledger, django_capture_on_commit_callbacks
):
    region = make.region()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        make.project(region=region, code="JZ-2020-0700")
        make.project(region=region, code="JZ-2020-0701")
    assert open_data_jobs().count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        Project.objects.filter(code="JZ-2020-0700").get().save()
    # The first is still queued: the second change is folded into it.
    (job,) = open_data_jobs()
    assert (job.status, job.dedupe_key) == (Job.Status.QUEUED, "open_data")


def test_a_rolled_back_change_enqueues_nothing(ledger, django_capture_on_commit_callbacks):
    captured = django_capture_on_commit_callbacks(execute=True)
    with captured, pytest.raises(RuntimeError), transaction.atomic():
        make.project(region=make.region(), code="JZ-2020-0702")
        raise RuntimeError
    assert not open_data_jobs().exists()


def test_the_queued_rebuild_runs_as_a_job_and_publishes_the_files(transactional_db):
    # Committed for real: the worker closes and reopens connections as a deployed one does.
    make.build_ledger()
    Job.objects.all().delete()
    make.project(region=make.region(), code="JZ-2020-0703")  # commits, so it queues the job
    run_queued_jobs()
    job = open_data_jobs().get()
    assert job.status == Job.Status.SUCCEEDED, job.error
    public = Project.objects.filter(is_public=True).count()
    assert job.result["rows"]["projects"] == public == len(read_csv("projects.csv")) - 1
    assert job.done == job.total > 0


def test_a_change_during_a_build_makes_it_build_again(ledger, monkeypatch):
    counted = opendata._expected_rows
    passes = []

    def a_change_while_building():
        passes.append(1)
        if len(passes) == 1:  # after the build read its fingerprint, before it wrote a row
            make.project(region=make.region(), code="JZ-2020-0704")
        return counted()

    monkeypatch.setattr(opendata, "_expected_rows", a_change_while_building)
    built = opendata.open_data_build(languages=["zh-hans"])
    assert built["passes"] == 2
    public = Project.objects.filter(is_public=True).count()
    codes = [row[0] for row in read_csv("projects.csv")[1:]]
    assert built["rows"]["projects"] == public == len(codes) and "JZ-2020-0704" in codes
