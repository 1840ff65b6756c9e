"""The English catalogue: English pages read English, data stays as written.

msgids are the Chinese source strings, so a missing or stale entry shows up as
Chinese UI text on an English page. Data (project, region and partner names)
stays Chinese in every language; the assertions below only look at UI labels.
"""

import ast
import gettext
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from tracker.choices import RegionKind, Stage
from tracker.ledger.importer import plan_import
from tracker.ledger.parsers import CellError, parse_amount, parse_date
from tracker.ledger.reader import Table
from tracker.models import Event, Industry, Organization, Project, Region
from tracker.views import event_figures_sentence

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
HAN = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")


@pytest.fixture(autouse=True)
def _reset_language():
    """LocaleMiddleware leaves a request's language active in the thread: put Chinese back."""
    yield
    translation.deactivate()


# --- Small factories (this module builds its own data) -------------------------------------


def make_region(name="测试市", slug="i18n-city", kind=RegionKind.CITY, parent=None):
    return Region.objects.create(name=name, slug=slug, kind=kind, parent=parent)


def make_project(region, code="JZ-2020-0901", name="碳纤维产业园项目", **extra):
    values = {"stage": Stage.SIGNED, "signed_on": date(2020, 10, 12), "is_public": True}
    values.update(extra)
    return Project.objects.create(code=code, name=name, region=region, **values)


@pytest.fixture
def world(db):
    city = make_region()
    district = make_region("测试区", "i18n-district", RegionKind.DISTRICT, parent=city)
    industry = Industry.objects.create(name="新材料", slug="i18n-materials")
    make_project(district, investment=Decimal("50000"), industry=industry)
    make_project(district, code="JZ-2020-0902", name="未公布金额的项目")
    return {"city": city, "district": district, "industry": industry}


@pytest.fixture
def english(client):
    # The admin reads the language cookie; public pages are English under /en/.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def visible_text(html: str) -> str:
    """The page's text without scripts, styles and tags."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"<[^>]+>", " ", html)


# --- The catalogue itself ------------------------------------------------------------------


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: ``msgctxt``, ``msgid``, ``msgid_plural``, ``msgstr`` / ``msgstr[n]``, flags."""
    entries, entry, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def test_catalogue_is_complete_and_compiled():
    """Every entry translated, none fuzzy, and the committed .mo says what the .po says."""
    entries = read_po(CATALOGUE / "django.po")
    assert len(entries) > 400
    header, entries = entries[0], entries[1:]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in entries:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        if "msgid_plural" in entry:
            forms = [entry["msgstr[0]"], entry["msgstr[1]"]]
            assert all(forms), entry["msgid"]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == forms[0]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) == forms[1]
        else:
            assert entry["msgstr"], entry["msgid"]
            compiled_text = (
                compiled.pgettext(entry["msgctxt"], entry["msgid"])
                if "msgctxt" in entry
                else compiled.gettext(entry["msgid"])
            )
            assert compiled_text == entry["msgstr"], (
                "stale django.mo: run manage.py compilemessages -l en"
            )
            # Placeholders survive translation.
            assert sorted(PLACEHOLDER.findall(entry["msgid"])) == sorted(
                PLACEHOLDER.findall(entry["msgstr"])
            ), entry["msgid"]


def test_english_choices_and_verbose_names():
    with translation.override("en"):
        assert str(Stage.LEAD.label) == "Lead"
        assert str(Stage.SIGNED.label) == "Signed"
        assert str(Stage.OPERATING.label) == "In operation"
        assert str(Project._meta.get_field("leader").verbose_name) == "Responsible leader"
        assert str(Project._meta.get_field("responsible_unit").verbose_name) == "Responsible unit"
        assert str(Project._meta.get_field("stage").verbose_name) == "Stage"
        assert str(Organization._meta.verbose_name_plural) == "Partners"
    with translation.override("zh-hans"):
        assert str(Stage.LEAD.label) == "线索"


# --- Public pages --------------------------------------------------------------------------


@pytest.mark.django_db
def test_overview_in_english(world, english):
    response = english.get("/en/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    for label in ("Overview", "Projects", "Events", "Partners", "Regions"):
        assert f">{label}</a>" in html, label
    assert "Investment Promotion Project Ledger" in html
    assert "Disclosed investment" in html
    assert "Latest signings" in html
    # Amounts read in yuan, the undisclosed one is counted, and no UI label is left in Chinese.
    assert "500 million yuan" in html
    assert "Investment undisclosed for another 1 project<" in html  # one, not "1 projects"
    text = visible_text(html)
    for chinese in ("概览", "已披露投资额", "最新签约", "未披露", "查看数据表", "个"):
        assert chinese not in text, chinese
    # What Chinese remains is data: names of projects, regions and industries.
    leftovers = set(HAN.findall(text))
    data = "".join(
        [
            *Project.objects.values_list("name", flat=True),
            *Region.objects.values_list("name", flat=True),
            *Industry.objects.values_list("name", flat=True),
            "简体中文",  # the language switch names each language in itself
            settings.SITE_PUBLISHER,  # the footer's 主办单位 is a name, as set
        ]
    )
    assert leftovers <= set(data), sorted(leftovers - set(data))


@pytest.mark.django_db
def test_project_list_in_english(world, english):
    response = english.get("/en/projects/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Filters", "Signing date", "Investment", "Stage", "Download results"):
        assert label in html, label
    assert "Undisclosed" in html  # JZ-2020-0902 has no amount
    assert "October 12, 2020" in html
    text = visible_text(html)
    assert re.search(r"2\s*projects; disclosed investment totals\s*500 million yuan", text)
    for chinese in ("未披露", "筛选条件", "签约日期", "项目名称", "共"):
        assert chinese not in text, chinese
    # The data itself is not translated.
    assert "碳纤维产业园项目" in html


@pytest.mark.django_db
def test_language_switch_links_to_the_english_page(world, client):
    html = client.get("/projects/").content.decode()
    assert 'href="/en/projects/" lang="en"' in html
    assert ">Projects</a>" in client.get("/en/projects/").content.decode()


@pytest.mark.django_db
def test_english_is_chosen_by_the_url_not_by_accept_language(world, client):
    assert ">Overview</a>" in client.get("/en/").content.decode()
    assert ">概览</a>" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.django_db
def test_chinese_stays_default(world, client):
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert ">概览</a>" in html
    assert "Overview" not in html


@pytest.mark.django_db
def test_region_and_detail_pages_in_english(world, english):
    project = Project.objects.get(code="JZ-2020-0902")
    district_url, project_url = world["district"].get_absolute_url(), project.get_absolute_url()
    html = english.get("/en" + district_url).content.decode()
    assert "Public projects" in html and "Projects by stage" in html
    html = english.get("/en" + project_url).content.decode()
    assert "Project details" in html
    assert "Reports did not announce this project’s investment separately" in html


# --- Admin ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_login_in_english(english):
    response = english.get("/admin/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Investment Promotion Project Ledger" in html
    assert "Username" in html and "Password" in html and "Log in" in html
    assert "招商项目台账" not in html


# --- Validation and import messages --------------------------------------------------------


def clean_errors(project) -> dict[str, list[str]]:
    """``full_clean``'s messages, read while English is active (they are lazy)."""
    with pytest.raises(ValidationError) as caught:
        project.full_clean()
    return {
        field: [str(m) for m in messages] for field, messages in caught.value.message_dict.items()
    }


@pytest.mark.django_db
def test_model_clean_messages_in_english(world):
    zero = Project(code="JZ-2020-0903", name="x", region=world["city"], investment=Decimal("0"))
    band = Project(
        code="JZ-2020-0904",
        name="x",
        region=world["city"],
        investment_low=Decimal("10"),
        investment_high=Decimal("5"),
    )
    with translation.override("en"):
        assert clean_errors(zero)["investment"] == [
            "Total investment must be greater than 0; leave it blank if undisclosed."
        ]
        assert clean_errors(band)["investment_high"] == [
            "The investment upper limit cannot be less than the lower limit."
        ]
        loop = world["city"]
        loop.parent = world["district"]
        with pytest.raises(ValidationError) as caught:
            loop.clean()
        assert [str(m) for m in caught.value.message_dict["parent"]] == [
            "The parent region cannot be the region itself or one of its subordinate areas."
        ]
    with translation.override("zh-hans"):
        assert clean_errors(zero)["investment"] == ["总投资必须大于 0；未披露请留空。"]


def test_parser_messages_in_english():
    with translation.override("en"):
        with pytest.raises(CellError) as caught:
            parse_amount("三千块")
        message = caught.value.message
        assert message.startswith("The amount “三千块” cannot be recognised")
        with pytest.raises(CellError) as caught:
            parse_date("2020-02-30")
        assert caught.value.message == "This date does not exist."


@pytest.mark.django_db
def test_import_plan_errors_in_english(world):
    table = Table(
        headers=("项目编号", "项目名称", "所属区域", "总投资（万元）"),
        rows=iter(
            [(2, ("JZ-2020-0905", "", "测试市", "5亿元")), (3, ("bad", "某项目", "不存在区", "-5"))]
        ),
    )
    with translation.override("en"):
        plan = plan_import(table)
        messages = [message for row in plan.rows for _column, message in row.errors]
    assert "The project name cannot be empty." in messages
    assert any(m.startswith("The project code must look like JZ-2020-0007") for m in messages)
    assert any(m.startswith("No entry named “不存在区” exists") for m in messages)
    assert "The amount cannot be negative." in messages
    for message in messages:
        # Only quoted data (the cell's value, region names) may stay Chinese.
        assert not HAN.search(re.sub(r"“[^”]*”|: .*$", "", message)), message


@pytest.mark.django_db
def test_missing_columns_message_in_english(db):
    with translation.override("en"):
        plan = plan_import(Table(headers=("项目编号",), rows=iter([])))
    assert plan.file_errors and plan.file_errors[0].startswith("Required columns are missing: ")
    assert "项目名称, 所属区域" in plan.file_errors[0]  # an English list, not 、


@pytest.mark.django_db
def test_event_figures_sentence_uses_the_readers_punctuation(world):
    event = Event.objects.create(
        name="测试签约会",
        slug="i18n-signing",
        kind="signing",
        declared_signed_count=14,
        declared_signed_investment=Decimal("1420000"),
        declared_promoted_count=10,
    )
    Project.objects.filter(code="JZ-2020-0902").update(event=event)
    totals = Project.objects.public().filter(event=event).totals()
    with translation.override("en"):
        english = event_figures_sentence(event, totals)
    with translation.override("zh-hans"):
        chinese = event_figures_sentence(event, totals)
    assert english == (
        "Announced 14 signed projects with total investment of 14.2 billion yuan; "
        "Announced 10 promoted projects; 1 itemised here, with no individual amounts disclosed."
    )
    assert (
        chinese
        == "公布签约项目 14 个、总投资 142亿元；公布推介项目 10 个；已列明 1 个，金额未逐项披露。"
    )


def test_bad_export_filters_are_explained_in_english(client):
    response = client.get("/en/projects/export.csv", {"year": "abc"})
    assert response.status_code == 400
    text = response.content.decode()
    assert text.startswith("Invalid filters: ")
    assert not HAN.search(text), text


def test_the_english_admin_names_one_record_in_the_singular(admin_client):
    response = admin_client.get("/admin/tracker/project/add/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Add Project" in html
    assert "Add Projects" not in html


def test_the_admin_project_list_reads_amounts_in_the_readers_language(world, admin_client):
    url = "/admin/tracker/project/"
    english = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "500 million yuan" in english
    assert "5亿元" not in english
    chinese = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "5亿元" in chinese
