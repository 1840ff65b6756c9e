"""History: every create, change and delete records who, when and which fields."""

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import (
    NO_INLINE_ROWS,
    add_partner,
    ledger_row,
    make_project,
    xlsx_bytes,
)
from tracker.ledger.reader import read_upload
from tracker.models import Citation, Project, ProjectPartner, RegionAssignment, Source
from tracker.services.ledger import project_import
from tracker.services.projects import projects_bulk_set


def changed_fields(record):
    return sorted(change.field for change in record.diff_against(record.prev_record).changes)


def test_an_admin_edit_records_the_user_and_the_changed_fields(client, world, boss):
    # Entering 在建/落地 needs a start date (tracker.requirements): the project has one.
    project = make_project(world, started_on=date(2021, 3, 1))
    client.force_login(boss)
    url = reverse("admin:tracker_project_change", args=[project.pk])
    data = {
        "code": project.code,
        "name": "改过的名字",
        "region": world.jiefang.pk,
        "industry": world.digital.pk,
        "stage": "construction",
        "status": "on_track",
        "is_public": "on",
        "investment": "50000",
        "signed_on": "2020-10-12",
        "signed_on_precision": "day",
        "started_on": "2021-03-01",
        "started_on_precision": "day",
        "operating_on_precision": "day",
        "summary": "建设内容",
        "leader": "张三",
        "responsible_unit": "解放区商务局",
        **NO_INLINE_ROWS,
        "project_partners-TOTAL_FORMS": 1,
        "project_partners-0-organization": world.mudu.pk,
        "project_partners-0-role": "investor",
    }
    assert client.post(url, data).status_code == 302
    record = project.history.first()
    assert (record.history_type, record.history_user) == ("~", boss)
    assert changed_fields(record) == ["name", "stage"]
    link = ProjectPartner.history.get()
    assert (link.history_type, link.history_user, link.role) == ("+", boss, "investor")


def test_an_admin_delete_is_recorded(client, world, boss):
    project = make_project(world)
    add_partner(project, world.mudu)
    client.force_login(boss)
    client.post(reverse("admin:tracker_project_delete", args=[project.pk]), {"post": "yes"})
    assert not Project.objects.exists()
    deleted = Project.history.filter(history_type="-").get()
    assert (deleted.code, deleted.history_user) == (project.code, boss)
    assert ProjectPartner.history.filter(history_type="-").count() == 1


def test_an_import_records_one_batch_with_user_fields_and_file(world, boss):
    # It carries its 开工/投产 dates already (a move into 已投产 needs them).
    project = make_project(
        world,
        code="JZ-2020-0001",
        name="旧名",
        started_on=date(2021, 3, 1),
        operating_on=date(2022, 3, 1),
    )
    data = xlsx_bytes(
        [ledger_row(code="JZ-2020-0001", name="新名", stage="已投产"), ledger_row(name="新项目")]
    )
    outcome = project_import(
        rows=read_upload("六月台账.xlsx", data), file_name="六月台账.xlsx", user=boss
    )
    record = project.history.first()
    assert record.import_batch == outcome.batch
    assert record.history_user == boss
    assert record.history_change_reason == f"台账导入 #{outcome.batch.pk}：六月台账.xlsx"
    assert changed_fields(record) == ["name", "stage"]
    created = Project.objects.get(name="新项目").history.get()
    assert (created.history_type, created.import_batch) == ("+", outcome.batch)


def test_the_history_page_names_the_import_batch(client, world, boss):
    data = xlsx_bytes([ledger_row(name="导入的")])
    outcome = project_import(rows=read_upload("t.xlsx", data), file_name="t.xlsx", user=boss)
    project = Project.objects.get(name="导入的")
    client.force_login(boss)
    page = client.get(reverse("admin:tracker_project_history", args=[project.pk])).content.decode()
    assert "导入批次" in page
    assert str(outcome.batch) in page
    assert "boss" in page


def test_bulk_changes_write_one_history_row_per_changed_project(world, boss):
    a = make_project(world, code="JZ-2020-0001", status="on_track")
    b = make_project(world, code="JZ-2020-0002", status="delayed")
    changed = projects_bulk_set(
        projects=Project.objects.all(), user=boss, reason="批量：设为滞后", status="delayed"
    )
    assert changed == 1
    record = a.history.first()
    assert (record.history_user, record.history_change_reason) == (boss, "批量：设为滞后")
    assert changed_fields(record) == ["status"]
    assert b.history.count() == 1


def test_bulk_set_refuses_fields_it_does_not_manage(world, boss):
    with pytest.raises(ValueError):
        projects_bulk_set(projects=Project.objects.all(), user=boss, name="x")
    with pytest.raises(ValueError):
        projects_bulk_set(projects=Project.objects.all(), user=boss, stage="flying")


def test_sources_citations_and_assignments_have_history(world, boss):
    source = Source.objects.create(file="000.txt", title="解放区招商")
    project = make_project(world)
    citation = Citation.objects.create(source=source, quote="签约", project=project)
    citation.quote = "签约仪式"
    citation.save()
    RegionAssignment.objects.create(user=boss, region=world.jiefang)
    assert source.history.count() == 1
    assert [h.history_type for h in citation.history.all()] == ["~", "+"]
    assert RegionAssignment.history.count() == 1
