"""The admin's daily friction (issue 12, item 9): dates, codes, amounts, defaults, commands, bulk messages."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import NO_INLINE_ROWS, ledger_row, make_project, xlsx_bytes
from tracker.admin.forms import ProgressReportForm, ProjectForm
from tracker.ledger.reader import read_upload
from tracker.models import Project
from tracker.services.ledger import project_import

ADD = "admin:tracker_project_add"


def new_project_form(world, **changes) -> dict:
    """What the add page posts for a signed project in 解放区, with ``changes`` applied."""
    return {
        "code": "",
        "name": "新签约项目",
        "region": world.jiefang.pk,
        "stage": "lead",
        "status": "on_track",
        "signed_on": "",
        "signed_on_precision": "day",
        "started_on_precision": "day",
        "operating_on_precision": "day",
        **NO_INLINE_ROWS,
        **changes,
    }


# --- dates a browser's date input keeps


def test_the_progress_report_date_is_prefilled_in_the_iso_form_a_date_input_keeps(db):
    html = str(ProgressReportForm()["reported_on"])
    assert 'type="date"' in html
    assert f'value="{date.today().isoformat()}"' in html


def test_the_change_effective_date_redisplays_in_the_iso_form(world):
    project = make_project(world)
    form = ProjectForm(instance=project, initial={"change_effective_on": date(2026, 3, 5)})
    assert 'value="2026-03-05"' in str(form["change_effective_on"])


def test_the_progress_page_opens_with_an_iso_date(staff, world):
    project = make_project(world)
    page = staff.get(reverse("admin:tracker_project_progress", args=[project.pk])).content.decode()
    assert 'type="date"' in page
    assert "/" not in page.split('name="reported_on"')[1].split(">")[0]


# --- project codes


def test_a_blank_code_on_the_add_page_is_assigned_by_signing_year(staff, world):
    make_project(world, code="JZ-2021-0003")
    response = staff.post(reverse(ADD), new_project_form(world, signed_on="2021-05-06"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Project.objects.filter(name="新签约项目").get().code == "JZ-2021-0004"


def test_a_blank_code_without_a_signing_date_takes_this_year(staff, world):
    response = staff.post(reverse(ADD), new_project_form(world))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Project.objects.get(name="新签约项目").code == f"JZ-{date.today().year}-0001"


@pytest.mark.parametrize("code", ["我的项目", "jz-2020-1", "JZ 2020 0001", "../admin"])
def test_a_typed_code_must_have_the_code_format(staff, world, code):
    response = staff.post(reverse(ADD), new_project_form(world, code=code))
    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.errors
    assert not Project.objects.filter(name="新签约项目").exists()


def test_a_typed_code_in_the_format_is_kept(staff, world):
    response = staff.post(reverse(ADD), new_project_form(world, code="JZ-2019-0042"))
    assert response.status_code == 302
    assert Project.objects.get(name="新签约项目").code == "JZ-2019-0042"


# --- amounts typed with units


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("5亿", Decimal("50000")),
        ("5亿元", Decimal("50000")),
        ("1000万", Decimal("1000")),
        ("300", Decimal("300")),
    ],
)
def test_the_total_investment_accepts_amounts_with_units(staff, world, typed, stored):
    response = staff.post(reverse(ADD), new_project_form(world, investment=typed))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Project.objects.get(name="新签约项目").investment == stored


def test_a_band_typed_into_the_total_investment_fills_the_low_and_high(staff, world):
    response = staff.post(reverse(ADD), new_project_form(world, investment="1000万至1亿"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    project = Project.objects.get(name="新签约项目")
    assert (project.investment, project.investment_low, project.investment_high) == (
        None,
        Decimal("1000"),
        Decimal("10000"),
    )


def test_an_unreadable_amount_is_an_error_not_a_guess(staff, world):
    response = staff.post(reverse(ADD), new_project_form(world, investment="五个亿"))
    assert response.status_code == 200
    assert "investment" in response.context["adminform"].form.errors


def test_the_change_page_shows_the_stored_amount_it_will_save_back(staff, world):
    project = make_project(world, investment=Decimal("50000"))
    page = staff.get(reverse("admin:tracker_project_change", args=[project.pk])).content.decode()
    assert 'name="investment" value="50000"' in page


# --- new projects are not public until published


def test_a_new_project_is_not_public_until_someone_publishes_it(staff, world):
    response = staff.post(reverse(ADD), new_project_form(world))
    assert response.status_code == 302
    assert Project.objects.get(name="新签约项目").is_public is False


def test_the_model_default_is_not_public(world):
    assert Project._meta.get_field("is_public").default is False


# --- commands take region names


def test_project_alerts_accepts_a_region_name(world):
    make_project(world, code="JZ-2020-0001", stage="signed", signed_on=date(2020, 1, 1))
    by_slug, by_name = io.StringIO(), io.StringIO()
    call_command("project_alerts", "--region", "jiefang", "--date", "2026-12-01", stdout=by_slug)
    call_command("project_alerts", "--region", "解放区", "--date", "2026-12-01", stdout=by_name)
    assert "JZ-2020-0001" in by_name.getvalue()
    assert by_name.getvalue() == by_slug.getvalue()


# --- bulk messages say what happened


def test_the_bulk_message_counts_changed_unchanged_and_refused(staff, world):
    # Entering 在建/落地 needs a start date (tracker.requirements).
    changed = make_project(world, code="JZ-2020-0001", stage="signed", started_on=date(2021, 3, 1))
    same = make_project(world, code="JZ-2020-0002", stage="construction")
    refused = make_project(world, code="JZ-2020-0003", stage="operating")  # back needs a reason
    response = staff.post(
        reverse("admin:tracker_project_changelist"),
        {
            "action": "set_stage",
            "stage": "construction",
            "_selected_action": [changed.pk, same.pk, refused.pk],
        },
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    summary = texts[0]
    assert "1 个项目已更新" in summary
    assert "1 个本来如此" in summary
    assert "1 个未更改" in summary
    assert "其余本来如此" not in " ".join(texts)


@pytest.mark.parametrize(("cell", "public"), [("", False), ("是", True), ("否", False)])
def test_a_new_ledger_row_is_public_only_when_its_column_says_so(world, boss, cell, public):
    data = xlsx_bytes([ledger_row(name="台账新项目", public=cell)])
    project_import(rows=read_upload("台账.xlsx", data), file_name="台账.xlsx", user=boss)
    assert Project.objects.get(name="台账新项目").is_public is public


def test_typing_about_on_the_admin_form_ticks_the_approximate_box(staff, world):
    response = staff.post(reverse(ADD), new_project_form(world, investment="约5亿"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    project = Project.objects.get(name="新签约项目")
    assert (project.investment, project.investment_approximate) == (Decimal("50000"), True)
    page = staff.get(reverse("admin:tracker_project_change", args=[project.pk]))
    assert 'name="investment_approximate"' in page.content.decode()
