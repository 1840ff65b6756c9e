"""Small builders for the public-site tests: each makes one valid row with plain defaults.

Tests build exactly the data they talk about; none depends on the article fixtures.
Import ``fresh_stats`` into a test module to start every test with no cached figures.
"""

import itertools
from datetime import date
from decimal import Decimal

import pytest

from tracker import stats
from tracker.choices import DatePrecision, PartnerRole, RegionKind, Stage
from tracker.models import (
    Citation,
    Event,
    Industry,
    Organization,
    Project,
    ProjectPartner,
    Region,
    Source,
)

_seq = itertools.count(1)

# Text that only internal fields and internal projects carry; no public response may contain it.
SECRET = "内部机密"


@pytest.fixture(autouse=True)
def fresh_stats():
    """Cached figures live in process memory and outlive a test's rolled-back rows."""
    stats.clear()
    yield
    stats.clear()


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
    obj = Project.objects.create(
        code=code or f"JZ-2020-{n:04d}", name=name or f"测试项目{n}", region=region, **extra
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
