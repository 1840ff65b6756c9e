"""Enumerations of the tracker's domain. Codes are stable; labels are Chinese."""

from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    ZONE = "zone", _("功能区")
    PARK = "park", _("园区/载体")


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    UNIVERSITY = "university", _("高校")
    RESEARCH_INSTITUTE = "research_institute", _("科研院所")
    GOVERNMENT = "government", _("政府机构")
    ASSOCIATION = "association", _("行业协会")
    PARK_OPERATOR = "park_operator", _("园区运营商")
    INVESTMENT_BODY = "investment_body", _("投资机构")
    MEDIA = "media", _("媒体")


class EventKind(models.TextChoices):
    SIGNING = "signing", _("签约仪式")
    PROMOTION = "promotion", _("招商推介")
    FAIR = "fair", _("洽谈会/博览会")
    MATCHMAKING = "matchmaking", _("对接会")
    OUTBOUND_VISIT = "outbound_visit", _("外出招商")
    INBOUND_VISIT = "inbound_visit", _("客商来访")


class Stage(models.TextChoices):
    """How far a project has come. Declared in pipeline order."""

    LEAD = "lead", _("线索")
    PROMOTED = "promoted", _("推介")
    NEGOTIATING = "negotiating", _("洽谈")
    AGREED = "agreed", _("拟签约")
    SIGNED = "signed", _("已签约")
    CONSTRUCTION = "construction", _("在建/落地")
    OPERATING = "operating", _("已投产")

    @classmethod
    def rank(cls, code: str) -> int:
        return cls.values.index(code)

    @classmethod
    def rank_expression(cls, field: str = "stage"):
        """A SQL expression giving the stage's position, for ordering and comparisons."""
        return Case(
            *(When(**{field: code}, then=Value(i)) for i, code in enumerate(cls.values)),
            output_field=IntegerField(),
        )

    @classmethod
    def at_least(cls, code: str) -> list[str]:
        return cls.values[cls.rank(code) :]


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("正常")
    DELAYED = "delayed", _("滞后")
    STALLED = "stalled", _("停滞")
    CANCELLED = "cancelled", _("终止")
    LOST = "lost", _("流失")


class DatePrecision(models.TextChoices):
    """How much of a date the source states; the stored date is the period's first day."""

    DAY = "day", _("日")
    MONTH = "month", _("月")
    YEAR = "year", _("年")


class PartnerRole(models.TextChoices):
    INVESTOR = "investor", _("投资方")
    SIGNATORY = "signatory", _("签约方")
    LOCAL_COUNTERPART = "local_counterpart", _("本地承接方")
    RESEARCH_PARTNER = "research_partner", _("科研合作方")
    OPERATOR = "operator", _("运营方")
    INTERMEDIARY = "intermediary", _("中介/促成方")
    # The weakest role: the article names the partner (courted, visited, a tenant)
    # but states no part it plays in the project.
    NAMED = "named", _("相关方")
