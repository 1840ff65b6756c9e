"""Every field the stage table requires, through every write route: service, admin form, bulk action."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import add_partner, make_project, make_user
from tracker.choices import Stage
from tracker.models import Project, StageChange
from tracker.permissions import EDITOR_GROUP
from tracker.requirements import (
    FIELD_NEEDS,
    OPERATING_ON,
    PARTNERS,
    SIGNED_ON,
    STAGE_REQUIREMENTS,
    STARTED_ON,
    EvidenceKind,
    crossed,
    next_stage_needs,
)
from tracker.rules import stage_change_problems
from tracker.services.projects import project_stage_change, projects_bulk_set

from .helpers import change_form

pytestmark = pytest.mark.django_db

# (stage to enter, the stage just before it, the field left empty)
CASES = [
    (r.stage, Stage.values[Stage.rank(r.stage) - 1], key)
    for r in STAGE_REQUIREMENTS
    for key in r.fields
]
COMPLETE = {
    "signed_on": date(2025, 1, 10),
    "started_on": date(2025, 3, 1),
    "operating_on": date(2025, 12, 1),
}


def project_before(world, stage, missing, **extra):
    """A project one stage below ``stage`` that carries everything but ``missing``."""
    values = {key: value for key, value in COMPLETE.items() if key != missing}
    values = {key: values.get(key) for key in COMPLETE}
    project = make_project(world, stage=stage, **values, **extra)
    if missing != PARTNERS:
        add_partner(project, world.mudu)
    return project


def test_the_table_names_the_fields_and_evidence_of_each_counted_stage():
    table = {r.stage: (r.fields, r.evidence) for r in STAGE_REQUIREMENTS}
    assert table == {
        "signed": ((SIGNED_ON, PARTNERS), (EvidenceKind.CONTRACT,)),
        "construction": ((STARTED_ON,), (EvidenceKind.PERMIT, EvidenceKind.PHOTO)),
        "operating": ((OPERATING_ON,), (EvidenceKind.LICENCE, EvidenceKind.PHOTO)),
    }
    # Jumping stages needs what every crossed stage needs.
    assert [r.stage for r in crossed("negotiating", "operating")] == [
        "signed",
        "construction",
        "operating",
    ]
    assert crossed("construction", "construction") == []


@pytest.mark.parametrize(("stage", "before", "missing"), CASES)
def test_the_pure_rule_names_each_missing_field(stage, before, missing):
    dates = {key: (None if key == missing else value) for key, value in COMPLETE.items()}
    problems = stage_change_problems(
        old_stage=before,
        old_status="on_track",
        new_stage=stage,
        new_status="on_track",
        has_partner=missing != PARTNERS,
        **dates,
    )
    assert [p.key for p in problems] == [missing]


def test_callers_that_do_not_pass_the_new_dates_are_not_asked_for_them():
    problems = stage_change_problems(
        old_stage="signed", old_status="on_track", new_stage="operating", new_status="on_track"
    )
    assert problems == []


@pytest.mark.parametrize(("stage", "before", "missing"), CASES)
def test_the_service_refuses_each_missing_field(world, boss, stage, before, missing):
    project = project_before(world, before, missing)
    with pytest.raises(ValidationError) as exc:
        project_stage_change(
            project=project, stage=stage, effective_on=date(2025, 12, 1), user=boss
        )
    assert list(exc.value.message_dict) == [missing]
    assert Project.objects.get(pk=project.pk).stage == before
    assert not StageChange.objects.exists()


@pytest.mark.parametrize(("stage", "before", "missing"), CASES)
def test_the_admin_form_refuses_each_missing_field(staff, world, stage, before, missing):
    project = project_before(world, before, missing)
    data = change_form(project, stage=stage)
    if missing != PARTNERS:
        data.update(
            {
                "project_partners-TOTAL_FORMS": 1,
                "project_partners-INITIAL_FORMS": 1,
                "project_partners-0-id": project.project_partners.get().pk,
                "project_partners-0-project": project.pk,
                "project_partners-0-organization": world.mudu.pk,
                "project_partners-0-role": "signatory",
            }
        )
    response = staff.post(reverse("admin:tracker_project_change", args=[project.pk]), data)
    assert response.status_code == 200
    label = Stage(stage).label
    expected = {
        SIGNED_ON: "须填写签约日期",
        PARTNERS: "须至少有一个合作方",
        STARTED_ON: "须填写开工日期",
        OPERATING_ON: "须填写投产日期",
    }[missing]
    assert f"项目进入“{label}”阶段{expected}" in response.content.decode()
    assert Project.objects.get(pk=project.pk).stage == before


@pytest.mark.parametrize(("stage", "before", "missing"), CASES)
def test_the_admin_form_saves_once_every_field_is_there(staff, world, stage, before, missing):
    project = project_before(world, before, missing=None)
    data = change_form(project, stage=stage)
    data.update(
        {
            "project_partners-TOTAL_FORMS": 1,
            "project_partners-INITIAL_FORMS": 1,
            "project_partners-0-id": project.project_partners.get().pk,
            "project_partners-0-project": project.pk,
            "project_partners-0-organization": world.mudu.pk,
            "project_partners-0-role": "signatory",
        }
    )
    response = staff.post(reverse("admin:tracker_project_change", args=[project.pk]), data)
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).stage == stage


@pytest.mark.parametrize(("stage", "before", "missing"), CASES)
def test_the_bulk_action_refuses_each_missing_field(world, boss, stage, before, missing):
    project = project_before(world, before, missing)
    refused = []
    changed = projects_bulk_set(projects=[project], user=boss, refused=refused, stage=stage)
    assert changed == 0
    assert [p.key for p in refused[0][1]] == [missing]
    assert Project.objects.get(pk=project.pk).stage == before


def test_the_bulk_action_in_the_admin_reports_the_missing_start_date(staff, world):
    project = project_before(world, "signed", STARTED_ON)
    response = staff.post(
        reverse("admin:tracker_project_changelist"),
        {"action": "set_stage", "stage": "construction", "_selected_action": [project.pk]},
        follow=True,
    )
    assert "须填写开工日期" in response.content.decode()
    assert Project.objects.get(pk=project.pk).stage == "signed"


def test_an_editor_cannot_bulk_move_projects_into_a_counted_stage(world):
    editor = make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang])
    project = project_before(world, "agreed", missing=None)
    refused = []
    assert projects_bulk_set(projects=[project], user=editor, refused=refused, stage="signed") == 0
    assert "提交审核" in refused[0][1][0].message
    # Moves that count for nothing are still theirs to make.
    early = make_project(world, code="JZ-2020-0002", stage="promoted")
    assert projects_bulk_set(projects=[early], user=editor, stage="negotiating") == 1


def test_next_stage_needs_lists_missing_fields_and_evidence(world):
    needs = next_stage_needs(
        stage="agreed", values={"signed_on": None}, has_partner=False, kinds=[]
    )
    assert needs.stage == "signed"
    assert [f.key for f in needs.fields] == [SIGNED_ON, PARTNERS]
    assert [r.stage for r in needs.evidence] == ["signed"]
    done = next_stage_needs(
        stage="signed", values={"started_on": date(2025, 1, 1)}, has_partner=True, kinds=["photo"]
    )
    assert done.complete
    assert next_stage_needs(stage="operating", values={}, has_partner=True, kinds=[]) is None
    # 拟签约 asks for nothing: from 洽谈 the page looks ahead to 已签约.
    ahead = next_stage_needs(stage="negotiating", values={}, has_partner=True, kinds=[])
    assert ahead.stage == "signed" and [f.key for f in ahead.fields] == [SIGNED_ON]


def test_the_change_page_shows_what_the_next_stage_still_needs_with_links(staff, world):
    project = make_project(world, stage="signed", started_on=None)
    page = staff.get(reverse("admin:tracker_project_change", args=[project.pk])).content.decode()
    assert "进入下一阶段（在建/落地）还需" in page
    assert f'href="#{FIELD_NEEDS[STARTED_ON].anchor}"' in page
    assert "施工许可或现场照片" in page
