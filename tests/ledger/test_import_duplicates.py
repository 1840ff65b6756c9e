"""A code-less row that names an existing project of its district updates it; doubtful ones wait."""

from tests.factories import add_partner, csv_bytes, ledger_row, make_project
from tracker.ledger.freshness import plan_is_current, reference_version
from tracker.ledger.importer import plan_import
from tracker.ledger.reader import read_upload
from tracker.models import Project
from tracker.services.ledger import project_import


def run(table, dry_run=False):
    return project_import(
        rows=read_upload("台账.csv", csv_bytes(table)), file_name="台账.csv", dry_run=dry_run
    )


def errors(outcome):
    return [(row.number, message) for row in outcome.plan.rows for _c, message in row.errors]


def test_importing_one_file_twice_never_doubles_a_project(world):
    table = [ledger_row(name="智能装备产业园项目"), ledger_row(name="新材料项目", region="山阳区")]
    first = run(table)
    assert first.applied and Project.objects.count() == 2
    second = run(table)
    assert second.applied, errors(second)
    assert Project.objects.count() == 2
    assert second.plan.counts["unchanged"] == 2
    codes = sorted(Project.objects.values_list("code", flat=True))
    assert all(code in " ".join(second.plan.warnings) for code in codes)


def test_the_name_is_compared_without_width_spaces_or_case(world):
    project = make_project(world, code="JZ-2020-0001", name="5G（智慧）工厂 项目")
    add_partner(project, world.mudu)
    outcome = run([ledger_row(name="5g(智慧)工厂项目", leader="李四")])
    assert outcome.applied, errors(outcome)
    assert Project.objects.count() == 1
    project.refresh_from_db()
    assert project.leader == "李四"


def test_a_project_in_a_park_is_found_from_its_district(world):
    make_project(world, code="JZ-2020-0001", name="园区项目", region=world.park)
    outcome = run([ledger_row(name="园区项目", region="解放区")], dry_run=True)
    assert outcome.plan.rows[0].code == "JZ-2020-0001"


def test_the_same_name_in_another_district_is_another_project(world):
    make_project(world, code="JZ-2020-0001", name="智能装备产业园项目", region=world.shanyang)
    outcome = run([ledger_row(name="智能装备产业园项目", region="解放区")])
    assert outcome.applied and Project.objects.count() == 2


def test_phases_are_not_matched(world):
    make_project(world, code="JZ-2020-0001", name="碳纤维产业园一期")
    outcome = run([ledger_row(name="碳纤维产业园二期")])
    assert outcome.applied and Project.objects.count() == 2


def test_two_projects_of_that_name_hold_the_row_back_with_their_codes(world):
    make_project(world, code="JZ-2020-0001", name="同名项目")
    make_project(world, code="JZ-2020-0002", name="同名项目")
    outcome = run([ledger_row(name="同名项目")])
    assert not outcome.applied
    [(number, message)] = errors(outcome)
    assert number == 2 and "JZ-2020-0001" in message and "JZ-2020-0002" in message


def test_two_code_less_rows_of_one_name_in_a_file_are_both_held_back(world):
    outcome = run([ledger_row(name="重复的行"), ledger_row(name="重复的行 ")])
    assert not outcome.applied
    assert [number for number, _m in errors(outcome)] == [2, 3]
    assert not Project.objects.exists()


def test_a_row_naming_a_project_another_row_updates_by_code_is_held_back(world):
    project = make_project(world, code="JZ-2020-0001", name="已有项目")
    add_partner(project, world.mudu)
    outcome = run([ledger_row(code="JZ-2020-0001", name="已有项目"), ledger_row(name="已有项目")])
    assert not outcome.applied
    [(number, message)] = errors(outcome)
    assert number == 3 and "第 2 行" in message


def test_a_project_created_after_planning_makes_the_plan_stale(world):
    version = reference_version()
    plan = plan_import(read_upload("台账.csv", csv_bytes([ledger_row(name="后来者")])))
    assert plan.ok and plan_is_current(plan, version=version)
    make_project(world, code="JZ-2019-0001", name="后来者")  # another year: codes still free
    assert not plan_is_current(plan, version=version)
