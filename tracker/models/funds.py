"""到位资金: money that has actually arrived for a signed project, month by month.

A bureau is judged on it (资金到位率 = arrived ÷ total investment), so it is
recorded as it is reported: one row per project, month and origin of the
money, in 万元. The rate exists only where the project's total investment is
disclosed; nothing is derived from an undisclosed total. Internal by default:
public pages show funds only in aggregate, and only when
``settings.FUNDS_PUBLIC_AGGREGATE`` is on.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .fields import AMOUNT, HistoricalRecords, ImportedHistory
from .staff import ImportBatch


class FundsOrigin(models.TextChoices):
    # The categories of the city's monthly 通报 (资金来源).
    CITY = "city", _("市内")
    PROVINCE = "province", _("市外省内")
    DOMESTIC = "domestic", _("省外")
    FOREIGN = "foreign", _("境外")


class FundsArrivalQuerySet(models.QuerySet):
    def in_month(self, year: int, month: int):
        return self.filter(month__year=year, month__month=month)

    def up_to(self, year: int, month: int):
        """Everything arrived in ``year`` up to and including ``month`` (年初至今)."""
        return self.filter(month__year=year, month__month__lte=month)

    def totals_by_origin(self) -> dict:
        """{origin: 万元} plus "total", in one query; origins with nothing are absent."""
        rows = self.values("origin").annotate(amount=Sum("amount")).order_by()
        totals = {row["origin"]: row["amount"] for row in rows}
        totals["total"] = sum(totals.values()) if totals else None
        return totals


class FundsArrival(models.Model):
    project = models.ForeignKey(
        "tracker.Project",
        verbose_name=_("项目"),
        related_name="funds_arrivals",
        on_delete=models.CASCADE,
    )
    month = models.DateField(
        verbose_name=_("到位月份"),
        help_text=_("记为该月 1 日。"),
    )
    amount = models.DecimalField(
        verbose_name=_("到位金额（万元）"),
        validators=[MinValueValidator(0)],
        **AMOUNT,
    )
    origin = models.CharField(
        verbose_name=_("资金来源"),
        max_length=10,
        choices=FundsOrigin.choices,
    )
    note = models.CharField(verbose_name=_("说明"), max_length=300, blank=True)
    evidence = models.CharField(
        verbose_name=_("凭证"),
        max_length=300,
        blank=True,
        help_text=_("如银行回单编号、验资报告；可留空。"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        related_name="recorded_funds",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("导入批次"),
        related_name="funds_arrivals",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    recorded_at = models.DateTimeField(verbose_name=_("记录时间"), auto_now_add=True)

    # Rows a ledger import writes carry their batch in history, as projects' do.
    history = HistoricalRecords(bases=[ImportedHistory])
    objects = FundsArrivalQuerySet.as_manager()

    class Meta:
        ordering = ["project", "month", "origin"]
        verbose_name = pgettext_lazy("model", "到位资金")
        verbose_name_plural = _("到位资金")
        constraints = [
            # One figure per project, month and origin: a re-sent sheet updates, never adds.
            models.UniqueConstraint(
                fields=["project", "month", "origin"], name="funds_one_per_month_origin"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funds_amount_not_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="funds_month_first_day"),
        ]
        indexes = [models.Index(fields=["month", "origin"], name="funds_month_idx")]

    def __str__(self):
        return f"{self.project_id} {self.month:%Y-%m} {self.get_origin_display()} {self.amount}"
