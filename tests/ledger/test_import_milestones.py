"""开工日期 and 投产日期 in the ledger drive the stage timeline, so 推进效率 is right after a historical import."""

from datetime import date

from tests.factories import add_partner, csv_bytes, ledger_row, make_project
from tracker.choices import Stage
from tracker.ledger import exporter
from tracker.ledger.reader import read_upload
from tracker.models import Project, StageChange
from tracker.services.ledger import project_import


def run(table, user=None):
    outcome = project_import(
        rows=read_upload("台账.csv", csv_bytes(table)), file_name="台账.csv", user=user
    )
    assert outcome.applied, [row.errors for row in outcome.plan.rows]
    return outcome


def test_a_historical_start_is_dated_by_its_ledger_date_not_the_import_day(world, boss):
    run(
        [
            ledger_row(
                name="老项目",
                stage="在建",
                signed_on="2021-01-10",
                started_on="2021年5月1日",
                planned_operation_on="2023年6月",
            )
        ],
        user=boss,
    )
    project = Project.objects.get(name="老项目")
    assert project.started_on == date(2021, 5, 1)
    assert project.planned_operation_on == date(2023, 6, 1)
    into = StageChange.objects.get(project=project, to_stage=Stage.CONSTRUCTION)
    assert into.effective_on == date(2021, 5, 1)
    row = Project.objects.with_durations().get(pk=project.pk)
    assert row.days_to_construction == 111  # 2021-01-10 → 2021-05-01


def test_an_update_into_operation_is_dated_by_the_operation_date(world, boss):
    project = make_project(world, code="JZ-2021-0001", stage="construction")
    add_partner(project, world.mudu)
    run(
        [
            ledger_row(
                code="JZ-2021-0001",
                name=project.name,
                stage="已投产",
                operating_on="2022年3月",
            )
        ],
        user=boss,
    )
    project.refresh_from_db()
    assert (project.operating_on, project.operating_on_precision) == (date(2022, 3, 1), "month")
    change = StageChange.objects.get(project=project, to_stage=Stage.OPERATING)
    assert change.effective_on == date(2022, 3, 1)


def test_a_blank_start_date_keeps_the_stored_one(world, boss):
    project = make_project(
        world, code="JZ-2021-0002", stage="construction", started_on=date(2021, 4, 2)
    )
    add_partner(project, world.mudu)
    run([ledger_row(code="JZ-2021-0002", name="改了名", stage="在建")], user=boss)
    project.refresh_from_db()
    assert project.name == "改了名" and project.started_on == date(2021, 4, 2)


def test_a_start_date_typed_on_the_form_counts_in_the_report(world):
    project = make_project(world, code="JZ-2021-0003", stage="construction")
    StageChange.objects.create(
        project=project, to_stage=Stage.CONSTRUCTION, effective_on=date(2026, 12, 1)
    )
    Project.objects.filter(pk=project.pk).update(started_on=date(2020, 12, 1))
    row = Project.objects.with_durations().get(pk=project.pk)
    assert row.construction_date == date(2020, 12, 1)
    assert row.days_to_construction == 50  # signed 2020-10-12 in the factory


def test_the_dates_are_exported_at_their_precision_and_import_back_unchanged(world, boss):
    make_project(
        world,
        code="JZ-2021-0004",
        stage="operating",
        started_on=date(2021, 5, 1),
        started_on_precision="month",
        operating_on=date(2022, 8, 18),
        planned_operation_on=date(2022, 9, 1),
    )
    (row,) = list(exporter.ledger_rows(Project.objects.all(), native=False))
    assert row[-3:] == ["2021年5月", "2022-08-18", "2022-09-01"]
    before = Project.history.count()
    outcome = project_import(
        rows=read_upload("台账.csv", csv_bytes([row])), file_name="台账.csv", user=boss
    )
    assert outcome.plan.counts["unchanged"] == 1 and Project.history.count() == before
