"""Factories for the staff-workspace tests (ledger, admin, permissions, history).

Plain functions, not fixtures; ``tests/conftest.py`` wraps the common ones
(``world``, ``boss``, ``staff``). These tests never depend on the article
fixtures, so a change to an article's data cannot break them.
"""

import csv
import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tracker.ledger.columns import HEADERS
from tracker.models import (
    Event,
    Industry,
    Organization,
    Project,
    ProjectPartner,
    Region,
    RegionAssignment,
)

PASSWORD = "pw-for-tests-only"


def make_world() -> SimpleNamespace:
    """A city with two districts (one with a park), two industries, one event, one partner."""
    city = Region.objects.create(name="焦作市", slug="jiaozuo", kind="city")
    jiefang = Region.objects.create(name="解放区", slug="jiefang", kind="district", parent=city)
    park = Region.objects.create(
        name="焦作市5G产业园", slug="jiaozuo-5g-park", kind="park", parent=jiefang
    )
    shanyang = Region.objects.create(name="山阳区", slug="shanyang", kind="district", parent=city)
    digital = Industry.objects.create(name="数字经济", slug="digital-economy")
    materials = Industry.objects.create(name="新材料", slug="new-materials")
    fair = Event.objects.create(
        name="焦作市首届院（校）地科技合作洽谈会", slug="2020-fair", kind="fair"
    )
    mudu = Organization.objects.create(name="木铎（广州）教育科技有限公司")
    return SimpleNamespace(
        city=city,
        jiefang=jiefang,
        park=park,
        shanyang=shanyang,
        digital=digital,
        materials=materials,
        fair=fair,
        mudu=mudu,
    )


def make_project(world, code="JZ-2020-0001", **fields) -> Project:
    values = {
        "name": f"项目{code}",
        "region": world.jiefang,
        "industry": world.digital,
        "stage": "signed",
        "status": "on_track",
        "investment": Decimal("50000"),
        "signed_on": date(2020, 10, 12),
        "summary": "建设内容",
        "leader": "张三",
        "responsible_unit": "解放区商务局",
        "is_public": True,
    }
    values.update(fields)
    return Project.objects.create(code=code, **values)


def add_partner(project, organization, role="signatory") -> ProjectPartner:
    return ProjectPartner.objects.create(project=project, organization=organization, role=role)


def make_user(username, *, group=None, regions=(), superuser=False, staff=True):
    user = get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        is_staff=staff,
        is_superuser=superuser,
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    for region in regions:
        RegionAssignment.objects.create(user=user, region=region)
    return user


def ledger_row(**cells) -> list:
    """A ledger row in canonical column order; keyword names are the column keys."""
    defaults = {
        "code": "",
        "name": "新项目",
        "region": "解放区",
        "industry": "数字经济",
        "stage": "已签约",
        "status": "正常",
        "investment": "5亿元",
        "signed_on": "2020-10-12",
        "event": "",
        # Creating a project at 已签约 needs a partner (rules by stage).
        "partners": "木铎（广州）教育科技有限公司",
        "summary": "建设内容",
        "leader": "张三",
        "unit": "解放区商务局",
        "public": "是",
    }
    unknown = set(cells) - set(defaults)
    assert not unknown, unknown
    defaults.update(cells)
    return list(defaults.values())


def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    """An xlsx as Excel would save it (values keep their Python types: numbers, dates)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# The project change form's inlines, posted with no rows in them.
NO_INLINE_ROWS = {
    f"{inline}-{count}": 0
    for inline in ("project_partners", "citations", "stage_changes", "progress_reports")
    for count in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def project_change_form(project, **changes) -> dict:
    """What the admin's change form posts for ``project`` as it is, with ``changes`` applied."""
    return {
        "code": project.code,
        "name": project.name,
        "region": project.region_id,
        "stage": project.stage,
        "status": project.status,
        "is_public": "on",
        "signed_on": project.signed_on.isoformat() if project.signed_on else "",
        "signed_on_precision": "day",
        "started_on_precision": "day",
        "operating_on_precision": "day",
        **NO_INLINE_ROWS,
        **changes,
    }
