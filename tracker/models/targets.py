"""年度目标: what the city expects of each district in a year, the yardstick of the ranking.

Every figure is optional: a target the city did not set stays empty and its
column scores nobody (``tracker.ranking``). Amounts in 万元.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .fields import AMOUNT, HistoricalRecords
from .places import Region


def _count(label):
    return models.PositiveIntegerField(verbose_name=label, null=True, blank=True)


def _amount(label):
    return models.DecimalField(
        verbose_name=label, null=True, blank=True, validators=[MinValueValidator(0)], **AMOUNT
    )


class DistrictTarget(models.Model):
    region = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        related_name="targets",
        on_delete=models.CASCADE,
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("年度"))
    signed_count = _count(_("签约项目数"))
    signed_amount = _amount(_("签约金额（万元）"))
    started_count = _count(_("开工项目数"))
    operating_count = _count(_("投产项目数"))
    funds_amount = _amount(_("到位资金（万元）"))
    # Signed projects at or above each amount tier (1亿 / 5亿 / 10亿 / 20亿).
    tier_1_count = _count(_("亿元以上项目数"))
    tier_5_count = _count(_("5亿元以上项目数"))
    tier_10_count = _count(_("10亿元以上项目数"))
    tier_20_count = _count(_("20亿元以上项目数"))
    note = models.CharField(verbose_name=_("说明"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "region__name"]
        verbose_name = pgettext_lazy("model", "年度目标")
        verbose_name_plural = _("年度目标")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="target_one_per_district_year"),
        ]

    def __str__(self):
        return f"{self.region} {self.year}"
