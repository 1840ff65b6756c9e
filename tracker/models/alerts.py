"""The follow-up alerts' names and labels, and the SQL expressions that derived
durations and alerts are built from (``ProjectQuerySet.with_durations`` / ``with_alerts``)."""

from django.db import connection, models
from django.db.models import Case, F, Func, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

ALERT_FIELDS = ("alert_not_started", "alert_overdue", "alert_no_progress", "alert_status")
ALERT_LABELS = {
    "alert_not_started": _("签约超期未开工"),
    "alert_overdue": _("在建超期未投产"),
    "alert_no_progress": _("长期未报进展"),
    "alert_status": _("状态滞后/停滞"),
}


def flag(condition):
    return Case(
        When(condition, then=Value(True)),
        default=Value(False),
        output_field=models.BooleanField(),
    )


def days_between(start: str, end: str):
    """Whole days from ``start`` to ``end`` (two date expressions), portable across backends."""
    if connection.vendor == "postgresql":
        # date - date is an integer number of days in PostgreSQL.
        return Func(
            F(end),
            F(start),
            template="(%(expressions)s)",
            arg_joiner=" - ",
            output_field=models.IntegerField(),
        )
    return Cast(
        Func(F(end), function="julianday", output_field=models.FloatField())
        - Func(F(start), function="julianday", output_field=models.FloatField()),
        models.IntegerField(),
    )
