"""Realistic synthetic projects for benchmarks and for trying the public site on a full ledger.

Everything is written with ``bulk_create`` in one transaction, so 100,000 projects take
seconds, not hours. Existing regions and industries (the article fixtures) are reused;
an empty database gets a small city of districts, zones and parks. Generated rows carry
no history and no citations: they are not facts, only load.
"""

import random
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker.choices import (
    DatePrecision,
    EventKind,
    OrganizationKind,
    PartnerRole,
    RegionKind,
    Stage,
    Status,
)
from tracker.models import (
    Event,
    Industry,
    Organization,
    Project,
    ProjectPartner,
    Region,
)
from tracker.text import normalize_name

BATCH = 2000

# A city when the database has none: (slug, name, kind, [(park slug, park name)]).
CITY = ("gen-city", "焦作市", RegionKind.CITY)
DISTRICTS = [
    (
        "gen-jiefang",
        "解放区",
        RegionKind.DISTRICT,
        ["5G产业园", "地理信息产业园", "建筑科技产业园"],
    ),
    ("gen-shanyang", "山阳区", RegionKind.DISTRICT, ["火马双创生态谷", "金源企业资源配置中心"]),
    ("gen-zhongzhan", "中站区", RegionKind.DISTRICT, ["新材料产业园"]),
    ("gen-macun", "马村区", RegionKind.DISTRICT, ["装备制造产业园"]),
    ("gen-shifanqu", "示范区（高新区）", RegionKind.ZONE, ["中原工业设计城", "科技总部新城"]),
    ("gen-xiuwu", "修武县", RegionKind.DISTRICT, ["文旅康养园"]),
    ("gen-wuzhi", "武陟县", RegionKind.DISTRICT, ["食品产业园", "装备制造园"]),
    ("gen-wenxian", "温县", RegionKind.DISTRICT, ["生物医药产业园"]),
    ("gen-qinyang", "沁阳市", RegionKind.DISTRICT, []),
    ("gen-mengzhou", "孟州市", RegionKind.DISTRICT, ["产业集聚区"]),
]
INDUSTRIES = [
    ("education-equipment", "教育装备"),
    ("digital-economy", "数字经济"),
    ("new-materials", "新材料"),
    ("equipment-manufacturing", "装备制造"),
    ("biomedicine", "生物医药"),
    ("food", "食品加工"),
    ("tech-services", "科技服务"),
    ("ict", "新一代信息技术"),
    ("health", "大健康"),
    ("modern-services", "现代服务业"),
]
# What a project builds, by industry keyword; the fallback fits any sector.
PRODUCTS = {
    "教育装备": ["智慧教室设备生产线", "教育装备产业园", "实验教学仪器生产基地"],
    "数字经济": ["数字经济产业园", "大数据中心", "工业互联网平台", "智慧城市运营中心"],
    "新材料": ["年产{n}万吨高性能碳纤维", "锂电池负极材料", "特种合金材料生产线"],
    "装备制造": ["智能装备制造基地", "新能源汽车零部件", "高端数控机床生产线"],
    "生物医药": ["创新药研发生产基地", "医疗器械产业园", "中药饮片加工"],
    "食品": ["年产{n}万吨食品加工", "冷链物流中心", "中央厨房"],
    "信息": ["5G通信器材生产线", "软件开发基地", "智能传感器生产线"],
    "健康": ["康养综合体", "健康管理中心"],
    "服务": ["总部经济大厦", "人力资源服务产业园", "商贸物流园"],
}
FALLBACK_PRODUCTS = ["产业园", "研发中心", "生产基地", "产业化"]
CITIES = [
    ("广东", "深圳"), ("广东", "广州"), ("上海", "上海"), ("北京", "北京"), ("浙江", "杭州"),
    ("江苏", "苏州"), ("河南", "郑州"), ("河南", "焦作"), ("湖北", "武汉"), ("四川", "成都"),
    ("山东", "青岛"), ("陕西", "西安"), ("福建", "厦门"), ("天津", "天津"),
]  # fmt: skip
BRAND_CHARS = "华创科信达中鑫瑞恒泰新宏远天联润安嘉博盛和兴通明亿金凯隆德辰"
TRADES = ["科技", "智能科技", "新材料", "教育科技", "信息技术", "装备制造", "生物科技",
          "实业", "投资", "数字科技", "能源", "环保科技"]  # fmt: skip
STAGE_WEIGHTS = {
    Stage.LEAD: 14, Stage.PROMOTED: 14, Stage.NEGOTIATING: 16, Stage.AGREED: 8,
    Stage.SIGNED: 20, Stage.CONSTRUCTION: 17, Stage.OPERATING: 11,
}  # fmt: skip
STATUS_WEIGHTS = {
    Status.ON_TRACK: 80, Status.DELAYED: 8, Status.STALLED: 5, Status.CANCELLED: 4, Status.LOST: 3,
}  # fmt: skip
EVENT_KINDS = [
    (EventKind.SIGNING, "重点项目集中签约仪式"),
    (EventKind.PROMOTION, "招商推介会"),
    (EventKind.FAIR, "院（校）地合作洽谈会"),
    (EventKind.MATCHMAKING, "产业对接会"),
    (EventKind.OUTBOUND_VISIT, "赴外招商活动"),
]
WAN_PER_YI = Decimal(10000)
RANK = {code: i for i, code in enumerate(Stage.values)}


def _weighted(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _amount(rng) -> Decimal:
    """A total investment as articles state one: 500万元 … 200亿元, round to how people say it."""
    wan = 10 ** rng.uniform(2.7, 6.3)
    step = 1000 if wan >= 10000 else 100  # 0.1亿元 above 1亿元, 100万元 below
    return Decimal(max(step, round(wan / step) * step))


def district_of(region: Region) -> Region:
    return region.parent if region.kind == RegionKind.PARK and region.parent else region


def _precise(rng, day: date) -> tuple[date, str]:
    precision = rng.choices(
        [DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR], weights=[70, 22, 8]
    )[0]
    if precision == DatePrecision.MONTH:
        return day.replace(day=1), precision
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1), precision
    return day, precision


class Command(BaseCommand):
    help = (
        "生成逼真的合成项目数据（区域、园区、合作方、招商活动、各阶段、未披露金额），用于性能测试。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000, help="项目数（默认 1000）")
        parser.add_argument("--seed", type=int, default=2024, help="随机种子，相同种子生成相同数据")
        parser.add_argument(
            "--private-share",
            type=float,
            default=0.05,
            help="不公开项目的比例（默认 0.05）",
        )

    def handle(self, *args, count, seed, private_share, **options):
        if count < 1:
            raise CommandError("--count 必须大于 0")
        started = time.perf_counter()
        with transaction.atomic():
            made = Generator(random.Random(seed), private_share=private_share).run(count)
        elapsed = time.perf_counter() - started
        summary = "，".join(f"{label} {n}" for label, n in made.items())
        self.stdout.write(self.style.SUCCESS(f"已生成：{summary}（用时 {elapsed:.1f} 秒）"))


class Generator:
    def __init__(self, rng: random.Random, *, private_share: float):
        self.rng = rng
        self.private_share = private_share
        self.made = Counter()

    def run(self, count: int) -> Counter:
        regions = self.regions()
        industries = self.industries()
        organizations = self.organizations(max(30, count // 4))
        plans = [self.plan_project(regions, industries) for _ in range(count)]
        events = self.events(plans, regions)
        self.projects(plans, events)
        self.project_partners(plans, organizations)
        return self.made

    # --- reference data -----------------------------------------------------------

    def regions(self) -> list[Region]:
        """Regions projects land in: every district, zone and park (parks twice as likely)."""
        if not Region.objects.exists():
            city = Region.objects.create(slug=CITY[0], name=CITY[1], kind=CITY[2])
            for slug, name, kind, parks in DISTRICTS:
                district = Region.objects.create(slug=slug, name=name, kind=kind, parent=city)
                for i, park in enumerate(parks, 1):
                    Region.objects.create(
                        slug=f"{slug}-park-{i}", name=park, kind=RegionKind.PARK, parent=district
                    )
            self.made["区域"] = Region.objects.count()
        places = list(Region.objects.exclude(kind=RegionKind.CITY))
        return places + [r for r in places if r.kind == RegionKind.PARK]

    def industries(self) -> list[Industry]:
        if not Industry.objects.exists():
            Industry.objects.bulk_create(Industry(slug=s, name=n) for s, n in INDUSTRIES)
            self.made["产业类别"] = len(INDUSTRIES)
        return list(Industry.objects.all())

    def organizations(self, count: int) -> list[Organization]:
        rng = self.rng
        taken = set(Organization.objects.values_list("name_key", flat=True))
        rows = []
        while len(rows) < count:
            province, city = rng.choice(CITIES)
            roll = rng.random()
            if roll < 0.06:
                name = f"{city}{rng.choice(['理工', '科技', '师范', '工业'])}大学"
                kind = OrganizationKind.UNIVERSITY
            elif roll < 0.1:
                name = f"{city}{rng.choice(['先进制造', '新材料', '信息技术'])}研究院"
                kind = OrganizationKind.RESEARCH_INSTITUTE
            elif roll < 0.15:
                name = f"{city}{''.join(rng.sample(BRAND_CHARS, 2))}产业投资基金"
                kind = OrganizationKind.INVESTMENT_BODY
            else:
                brand = "".join(rng.sample(BRAND_CHARS, 2))
                form = rng.choice(["有限公司", "股份有限公司", "集团有限公司"])
                name = f"{city}{brand}{rng.choice(TRADES)}{form}"
                kind = OrganizationKind.ENTERPRISE
            key = normalize_name(name)
            if key in taken:
                continue
            taken.add(key)
            rows.append(
                Organization(
                    name=name,
                    kind=kind,
                    province=province,
                    city=city,
                    note="合成数据：内部备注不得公开",
                )
            )
        created = Organization.objects.bulk_create(rows, batch_size=BATCH)
        self.made["合作方"] = len(created)
        return created

    # --- projects --------------------------------------------------------------------

    def plan_project(self, regions, industries) -> dict:
        rng = self.rng
        stage = _weighted(rng, STAGE_WEIGHTS)
        industry = rng.choice(industries) if rng.random() > 0.08 else None
        year = rng.choice(range(2016, 2026))
        day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        plan = {
            "year": year,
            "stage": stage,
            "status": _weighted(rng, STATUS_WEIGHTS),
            "region": rng.choice(regions),
            "industry": industry,
            "is_public": rng.random() >= self.private_share,
            "investment": None,
            "investment_low": None,
            "investment_high": None,
            "dates": {},
            "event": None,
        }
        roll = rng.random()
        if roll < 0.62:
            plan["investment"] = _amount(rng)
        elif roll < 0.68:
            low = _amount(rng)
            plan["investment_low"], plan["investment_high"] = low, low * rng.choice([2, 5, 10])
        rank = RANK[stage]
        if rank >= RANK[Stage.SIGNED]:
            plan["dates"]["signed_on"] = _precise(rng, day)
        if rank >= RANK[Stage.CONSTRUCTION]:
            plan["dates"]["started_on"] = _precise(
                rng, day + timedelta(days=rng.randrange(30, 300))
            )
        if rank >= RANK[Stage.OPERATING]:
            plan["dates"]["operating_on"] = _precise(
                rng, day + timedelta(days=rng.randrange(300, 900))
            )
        products = next(
            (v for k, v in PRODUCTS.items() if industry and k in industry.name), FALLBACK_PRODUCTS
        )
        product = rng.choice(products).format(n=rng.choice([1, 2, 3, 5, 10, 20]))
        plan["name"] = f"{''.join(rng.sample(BRAND_CHARS, 2))}{product}项目"
        return plan

    def events(self, plans: list[dict], regions: list[Region]) -> list[Event]:
        """Events by year; about a third of projects past negotiation were signed at one."""
        rng = self.rng
        by_year = defaultdict(list)
        for plan in plans:
            if RANK[plan["stage"]] >= RANK[Stage.PROMOTED] and rng.random() < 0.35:
                by_year[plan["year"]].append(plan)
        per_event = 250
        taken = set(Event.objects.values_list("slug", flat=True))
        events = []
        for year, members in sorted(by_year.items()):
            n = max(1, len(members) // per_event)
            year_events = []
            for i in range(n):
                kind, label = EVENT_KINDS[i % len(EVENT_KINDS)]
                province, city = rng.choice(CITIES)
                slug = f"gen-{year}-{i + 1:03d}"
                while slug in taken:
                    slug = f"{slug}x"
                taken.add(slug)
                start = date(year, 1, 1) + timedelta(days=rng.randrange(360))
                year_events.append(
                    Event(
                        name=f"{year}年焦作（{city}）{label}（第{i + 1}场）",
                        slug=slug,
                        kind=kind,
                        city=city,
                        region=district_of(rng.choice(regions)),
                        start_date=start,
                        end_date=start + timedelta(days=rng.choice([0, 0, 1, 2])),
                        summary=f"{year}年在{city}举办的{label}。",
                        note="合成数据：内部备注不得公开",
                    )
                )
            for plan in members:
                plan["event"] = rng.choice(year_events)
            events.extend(year_events)
        # Declared figures are the event's own announcement: usually more than it itemises.
        members_of = defaultdict(list)
        for plan in plans:
            if plan["event"] is not None:
                members_of[id(plan["event"])].append(plan)
        for event in events:
            members = members_of[id(event)]
            disclosed = sum((p["investment"] or 0 for p in members), Decimal(0))
            event.declared_signed_count = len(members) + rng.choice([0, 0, 1, 2, 5])
            if rng.random() < 0.8:
                event.declared_signed_investment = max(
                    WAN_PER_YI, (disclosed * Decimal("1.3") / WAN_PER_YI).quantize(1) * WAN_PER_YI
                )
        created = Event.objects.bulk_create(events, batch_size=BATCH)
        self.made["招商活动"] = len(created)
        return created

    def projects(self, plans: list[dict], events: list[Event]):
        rng = self.rng
        prefix = settings.PROJECT_CODE_PREFIX
        next_seq = Counter()
        for code in Project.objects.filter(code__startswith=f"{prefix}-").values_list(
            "code", flat=True
        ):
            parts = code.split("-")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                next_seq[int(parts[1])] = max(next_seq[int(parts[1])], int(parts[2]))
        rows = []
        for plan in plans:
            next_seq[plan["year"]] += 1
            amount = plan["investment"]
            summary = f"项目由{plan['region'].name}引进，主要建设{plan['name'][2:-2]}及配套设施"
            summary += f"，总投资{amount / WAN_PER_YI:g}亿元。" if amount else "。"
            project = Project(
                code=f"{prefix}-{plan['year']}-{next_seq[plan['year']]:04d}",
                name=plan["name"],
                summary=summary,
                region=plan["region"],
                industry=plan["industry"],
                stage=plan["stage"],
                status=plan["status"],
                investment=amount,
                investment_low=plan["investment_low"],
                investment_high=plan["investment_high"],
                event=plan["event"],
                is_public=plan["is_public"],
                leader=rng.choice(["王副区长", "李副县长", "张主任"]),
                responsible_unit=rng.choice(["区商务局", "县发改委", "园区管委会"]),
                note="合成数据：内部备注不得公开",
            )
            for field, (day, precision) in plan["dates"].items():
                setattr(project, field, day)
                setattr(project, f"{field}_precision", precision)
            plan["project"] = project
            rows.append(project)
        Project.objects.bulk_create(rows, batch_size=BATCH)
        self.made["项目"] = len(rows)
        self.made["其中不公开"] = sum(not p.is_public for p in rows)

    def project_partners(self, plans: list[dict], organizations: list[Organization]):
        rng = self.rng
        second_roles = [
            PartnerRole.LOCAL_COUNTERPART,
            PartnerRole.RESEARCH_PARTNER,
            PartnerRole.OPERATOR,
            PartnerRole.INTERMEDIARY,
        ]
        rows = []
        for plan in plans:
            orgs = rng.sample(organizations, rng.choice([1, 1, 2, 2, 3]))
            roles = [rng.choice([PartnerRole.SIGNATORY, PartnerRole.INVESTOR])]
            roles += [rng.choice(second_roles) for _ in orgs[1:]]
            rows.extend(
                ProjectPartner(project=plan["project"], organization=org, role=role)
                for org, role in zip(orgs, roles, strict=True)
            )
        ProjectPartner.objects.bulk_create(rows, batch_size=BATCH)
        self.made["项目合作方"] = len(rows)
