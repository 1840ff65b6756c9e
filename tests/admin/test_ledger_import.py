"""Importing from the admin: upload → stored preview → confirm exactly what was previewed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import (
    csv_bytes,
    ledger_row,
    make_project,
    make_user,
    xlsx_bytes,
)
from tracker.ledger import safety
from tracker.models import ImportBatch, Organization, Project
from tracker.permissions import READER_GROUP

IMPORT = "admin:tracker_project_import"
CONFIRM = "admin:tracker_project_process_import"


def upload(client, data, name="台账.xlsx"):
    return client.post(reverse(IMPORT), {"import_file": SimpleUploadedFile(name, data)})


def test_the_import_page_offers_the_template(staff):
    page = staff.get(reverse(IMPORT)).content.decode()
    assert reverse("admin:tracker_project_ledger_template") in page
    assert "总投资（万元）" in page


def test_upload_shows_a_preview_per_row_and_writes_nothing_until_confirmed(staff, world, boss):
    make_project(world, code="JZ-2020-0001", name="旧名")
    data = xlsx_bytes(
        [
            ledger_row(code="JZ-2020-0001", name="新名"),
            ledger_row(name="全新项目", partners="新公司丁（投资方）"),
        ]
    )
    response = upload(staff, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "旧名 → 新名" in page
    assert "全新项目" in page and "新建合作方：新公司丁" in page
    assert "确认导入" in page
    batch = response.context["batch"]
    assert (batch.status, batch.user, batch.file_name) == ("previewed", boss, "台账.xlsx")
    assert bytes(batch.content) == data
    assert Project.objects.count() == 1
    assert not Organization.objects.filter(name="新公司丁").exists()

    confirmed = staff.post(reverse(CONFIRM), {"token": str(batch.token)}, follow=True)
    assert "导入完成" in confirmed.content.decode()
    assert Project.objects.get(code="JZ-2020-0001").name == "新名"
    assert Project.objects.filter(name="全新项目").exists()
    batch.refresh_from_db()
    assert (batch.status, batch.content, batch.created_count, batch.updated_count) == (
        "applied",
        None,
        1,
        1,
    )


def test_a_batch_is_applied_only_once(staff, world):
    batch = upload(staff, xlsx_bytes([ledger_row(name="只导一次")])).context["batch"]
    staff.post(reverse(CONFIRM), {"token": str(batch.token)})
    again = staff.post(reverse(CONFIRM), {"token": str(batch.token)}, follow=True)
    assert "已于 " in again.content.decode() and "没有重复写入" in again.content.decode()
    assert Project.objects.filter(name="只导一次").count() == 1


def test_confirm_refuses_when_the_data_changed_after_the_preview(staff, world):
    project = make_project(world, code="JZ-2020-0001", name="旧名")
    batch = upload(staff, xlsx_bytes([ledger_row(code="JZ-2020-0001", name="新名")])).context[
        "batch"
    ]
    Project.objects.filter(pk=project.pk).update(name="别人刚改的名字")
    response = staff.post(reverse(CONFIRM), {"token": str(batch.token)}, follow=True)
    assert "预览之后数据已有变化" in response.content.decode()
    project.refresh_from_db()
    assert project.name == "别人刚改的名字"


def test_confirm_refuses_when_a_previewed_code_was_taken_meanwhile(staff, world):
    batch = upload(staff, xlsx_bytes([ledger_row(name="新项目")])).context["batch"]
    make_project(world, code="JZ-2020-0001")
    response = staff.post(reverse(CONFIRM), {"token": str(batch.token)}, follow=True)
    assert "预览之后数据已有变化" in response.content.decode()
    assert not Project.objects.filter(name="新项目").exists()


def test_a_preview_with_errors_lists_them_offers_no_confirm_and_keeps_no_file(staff, world):
    response = upload(staff, xlsx_bytes([ledger_row(name="好"), ledger_row(region="火星")]))
    page = response.content.decode()
    assert "第 3 行 · 所属区域：没有名为“火星”的区域" in page
    assert "确认导入" not in page
    batch = response.context["batch"]
    assert (batch.status, batch.content, batch.error_count) == ("rejected", None, 1)
    assert Project.objects.count() == 0


def test_discarding_a_preview_writes_nothing(staff, world):
    batch = upload(staff, xlsx_bytes([ledger_row(name="放弃")])).context["batch"]
    staff.post(reverse(CONFIRM), {"token": str(batch.token), "discard": "1"})
    batch.refresh_from_db()
    assert (batch.status, batch.content) == ("discarded", None)
    assert not Project.objects.exists()


def test_another_users_preview_cannot_be_confirmed(client, staff, world):
    batch = upload(staff, xlsx_bytes([ledger_row(name="别人的")])).context["batch"]
    other = make_user("other", superuser=True)
    client.force_login(other)
    response = client.post(reverse(CONFIRM), {"token": str(batch.token)}, follow=True)
    assert "找不到待确认的导入" in response.content.decode()
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("fake.xlsx", b"%PDF-1.7 not a workbook", "内容是 PDF"),
        ("big.csv", b"x" * (safety.MAX_BYTES + 1), "上限为 10 MB"),
        ("t.csv", csv_bytes([["a"]], headers=["项目名称"]), "缺少必需的列"),
    ],
)
def test_refused_files_come_back_with_a_message(staff, world, name, data, message):
    page = upload(staff, data, name=name).content.decode()
    assert message in page
    assert not Project.objects.exists()


def test_a_gbk_csv_from_excel_imports(staff, world):
    data = csv_bytes(
        [ledger_row(name="GBK项目", partners="木铎（广州）教育科技有限公司")], encoding="gbk"
    )
    batch = upload(staff, data, name="台账.csv").context["batch"]
    staff.post(reverse(CONFIRM), {"token": str(batch.token)})
    assert Project.objects.get(name="GBK项目").partners.get() == world.mudu


def test_import_needs_its_own_permission(client, world):
    reader = make_user("reader", group=READER_GROUP)
    client.force_login(reader)
    assert client.get(reverse("admin:tracker_project_changelist")).status_code == 200
    assert client.get(reverse(IMPORT)).status_code == 403
    assert (
        client.post(reverse(CONFIRM), {"token": "00000000-0000-0000-0000-000000000000"}).status_code
        == 403
    )
    assert client.get(reverse("admin:tracker_project_export")).status_code == 403
    assert ImportBatch.objects.count() == 0


def test_the_resource_speaks_the_same_ledger_through_import_export(world):
    import tablib

    from benchmarks.ledger_baseline import LedgerResource

    make_project(world, code="JZ-2020-0001", name="旧名")
    resource = LedgerResource()
    dataset = resource.export()
    assert dataset.headers[0] == "项目编号" and dataset[0][0] == "JZ-2020-0001"
    dataset = tablib.Dataset(
        ledger_row(code="JZ-2020-0001", name="新名"),
        ledger_row(name="另一个"),
        headers=dataset.headers,
    )
    result = resource.import_data(dataset, dry_run=True)
    assert [row.import_type for row in result.rows] == ["update", "new"]
    assert not result.has_validation_errors()
    assert Project.objects.get(code="JZ-2020-0001").name == "旧名"
    bad = tablib.Dataset(ledger_row(region="火星"), headers=dataset.headers)
    result = resource.import_data(bad, dry_run=False)
    assert result.has_validation_errors()
    assert "火星" in str(result.invalid_rows[0].error_dict)


def test_a_preview_expires_after_a_day(staff, world):
    import time_machine
    from django.utils import timezone

    batch = upload(staff, xlsx_bytes([ledger_row(name="过期")])).context["batch"]
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=25)):
        response = staff.post(reverse(CONFIRM), {"token": str(batch.token)}, follow=True)
    assert "预览已超过 24 小时" in response.content.decode()
    batch.refresh_from_db()
    assert (batch.status, batch.content) == ("discarded", None)
    assert not Project.objects.exists()


def test_stale_previews_give_their_bytes_back_on_the_next_upload(staff, world):
    import time_machine
    from django.utils import timezone

    stale = upload(staff, xlsx_bytes([ledger_row(name="旧预览")])).context["batch"]
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=25)):
        fresh = upload(staff, xlsx_bytes([ledger_row(name="新预览")])).context["batch"]
    stale.refresh_from_db()
    assert (stale.status, stale.content) == ("discarded", None)
    assert fresh.status == "previewed" and fresh.content


def test_the_preview_in_english_joins_column_and_message_the_english_way(staff, world):
    staff.cookies["django_language"] = "en"
    page = upload(staff, xlsx_bytes([ledger_row(region="火星")])).content.decode()
    assert "Row 2 · 所属区域: No entry named “火星”" in page
    assert "所属区域：" not in page
    assert "Existing entries: 山阳区, 焦作市" in page
