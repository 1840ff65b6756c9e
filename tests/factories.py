"""Builders for every test: plain functions that each make valid rows with plain defaults.

Tests build exactly the data they talk about; none depends on the article fixtures
(those load through the ``articles`` fixture). Two small worlds:

- the public site's: ``region``, ``project``, ``organization`` … one row each, and
  ``build_ledger()``, a small city with public and internal projects;
- the staff workspace's: ``make_world()`` (a city, two districts, a park, an event, a
  partner), ``make_project(world, …)``, ``make_user(…, group=…, regions=…)``, and the
  ledger file builders ``ledger_row``, ``csv_bytes``, ``xlsx_bytes``,
  ``project_change_form``.

``tests/conftest.py`` wraps the common ones as fixtures (``world``, ``boss``,
``staff``, ``ledger``, ``articles``) and clears the cached figures before each test.
"""

import csv
import io
import itertools
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tracker.choices import DatePrecision, PartnerRole, RegionKind, Stage
from tracker.ledger.columns import HEADERS
from tracker.models import (
    Citation,
    Event,
    Industry,
    Organization,
    Project,
    ProjectPartner,
    Region,
    RegionAssignment,
    Source,
)

_seq = itertools.count(1)
# Generated project codes start above every code a test writes by hand (…-0001 to …-0999).
_codes = itertools.count(1000)

# Text that only internal fields and internal projects carry; no public response may contain it.
SECRET = "内部机密"


def region(name=None, *, slug=None, kind=RegionKind.DISTRICT, parent=None, **extra) -> Region:
    n = next(_seq)
    return Region.objects.create(
        name=name or f"区域{n}", slug=slug or f"region-{n}", kind=kind, parent=parent, **extra
    )


def industry(name=None, *, slug=None) -> Industry:
    n = next(_seq)
    return Industry.objects.create(name=name or f"产业{n}", slug=slug or f"industry-{n}")


def organization(name=None, **extra) -> Organization:
    return Organization.objects.create(name=name or f"测试科技有限公司{next(_seq)}", **extra)


def event(name=None, *, slug=None, **extra) -> Event:
    n = next(_seq)
    extra.setdefault("kind", "signing")
    return Event.objects.create(name=name or f"签约活动{n}", slug=slug or f"event-{n}", **extra)


def project(name=None, *, region, partners=(), code=None, **extra) -> Project:
    """A public project; ``partners`` are organisations or (organisation, role) pairs."""
    n = next(_seq)
    for field in ("investment", "investment_low", "investment_high"):
        if isinstance(extra.get(field), int | str):
            extra[field] = Decimal(extra[field])
    extra.setdefault("stage", Stage.SIGNED)
    extra.setdefault("is_public", True)  # a new project is internal until published
    obj = Project.objects.create(
        code=code or f"JZ-2020-{next(_codes):04d}",
        name=name or f"测试项目{n}",
        region=region,
        **extra,
    )
    for partner in partners:
        org, role = partner if isinstance(partner, tuple) else (partner, PartnerRole.SIGNATORY)
        ProjectPartner.objects.create(project=obj, organization=org, role=role)
    return obj


def internal_project(*, region, **extra) -> Project:
    """An internal project whose every text field carries ``SECRET``."""
    extra.setdefault("name", f"{SECRET}项目")
    extra.setdefault("summary", f"{SECRET}建设内容")
    return project(
        region=region,
        is_public=False,
        leader=f"{SECRET}领导",
        responsible_unit=f"{SECRET}单位",
        note=f"{SECRET}备注",
        **extra,
    )


def source(title=None, **extra) -> Source:
    n = next(_seq)
    extra.setdefault("published_on", date(2020, 10, 1))
    extra.setdefault("published_on_precision", DatePrecision.MONTH)
    return Source.objects.create(file=f"test_{n}.txt", title=title or f"报道{n}", **extra)


def citation(subject, quote, *, source_=None) -> Citation:
    field = {Project: "project", Event: "event", Organization: "organization"}[type(subject)]
    return Citation.objects.create(source=source_ or source(), quote=quote, **{field: subject})


def build_ledger():
    """A small city: two districts, a park, five public projects, one internal one.

    Public totals: 5 projects, 11.6亿元 disclosed (10.5亿元 + 1亿元 + 1000万元), 2 undisclosed.
    """
    from types import SimpleNamespace

    from tracker.choices import OrganizationKind, Status

    city = region("焦作市", slug="jiaozuo", kind=RegionKind.CITY)
    jiefang = region("解放区", slug="jiefang", parent=city)
    park = region("5G产业园", slug="5g-park", kind=RegionKind.PARK, parent=jiefang)
    shanyang = region("山阳区", slug="shanyang", parent=city)
    edu = industry("教育装备", slug="education-equipment")
    materials = industry("新材料", slug="new-materials")
    tencent = organization(
        "深圳市腾讯计算机系统有限公司", short_name="腾讯", note=f"{SECRET}合作方备注"
    )
    hpu = organization("河南理工大学", kind=OrganizationKind.UNIVERSITY)
    hidden_partner = organization(f"{SECRET}投资有限公司")
    fair = event(
        "教育装备产业专题招商推介暨项目签约活动",
        slug="edu-signing",
        city="深圳",
        start_date=date(2020, 10, 12),
        declared_signed_count=14,
        declared_signed_investment=Decimal("1420000"),
        note=f"{SECRET}活动备注",
    )
    classroom = project(
        "智慧教室设备生产线",
        code="JZ-2020-0001",
        region=park,
        industry=edu,
        stage=Stage.SIGNED,
        investment=105000,
        signed_on=date(2020, 10, 12),
        event=fair,
        summary="建设智慧教室设备生产线。",
        partners=[(tencent, PartnerRole.INVESTOR), (hpu, PartnerRole.RESEARCH_PARTNER)],
    )
    fibre = project(
        "碳纤维材料基地",
        code="JZ-2021-0002",
        region=jiefang,
        industry=materials,
        stage=Stage.CONSTRUCTION,
        investment=10000,
        signed_on=date(2021, 3, 1),
        signed_on_precision=DatePrecision.MONTH,
        started_on=date(2021, 9, 1),
        started_on_precision=DatePrecision.MONTH,
        partners=[hpu],
    )
    campus = project(
        "教育装备产业园",
        code="JZ-2020-0003",
        region=shanyang,
        industry=edu,
        stage=Stage.NEGOTIATING,
        event=fair,
    )
    centre = project(
        "区域运营中心",
        code="JZ-2021-0004",
        region=shanyang,
        stage=Stage.LEAD,
        status=Status.DELAYED,
        investment_low=1000,
        investment_high=10000,
    )
    plant = project(
        "轮毂智能制造工厂",
        code="JZ-2019-0005",
        region=park,
        industry=materials,
        stage=Stage.OPERATING,
        investment=1000,
        signed_on=date(2019, 1, 1),
        signed_on_precision=DatePrecision.YEAR,
    )
    hidden = internal_project(
        code="JZ-2020-0099",
        region=park,
        industry=edu,
        stage=Stage.SIGNED,
        investment=999999,
        signed_on=date(2020, 1, 1),
        event=fair,
        partners=[hidden_partner, tencent],
    )
    article = source("教育装备签约报道", publisher="焦作日报")
    citation(classroom, "智慧教室设备生产线项目总投资10.5亿元。", source_=article)
    citation(fair, "当天现场签约项目14个，总投资142亿元。", source_=article)
    citation(hidden, f"{SECRET}引述", source_=article)
    return SimpleNamespace(**locals())


# --- The staff workspace ------------------------------------------------------------------

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
        # Blank: keeps what is stored.
        "started_on": "",
        "operating_on": "",
        "planned_operation_on": "",
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
    for inline in (
        "project_partners",
        "citations",
        "stage_changes",
        "progress_reports",
        "funds_arrivals",
        "evidence",
    )
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
