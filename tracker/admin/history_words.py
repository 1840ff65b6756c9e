"""History pages in words: each change as people say it, and a project's partner-link changes.

simple-history shows stored values (``operating``, ``False``, ``50000.0000``,
``None``); the helper here gives a choice its label, a yes/no 是/否, an amount
in 万元 as people write it (``5亿元``) and an empty value "—".
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from simple_history.template_utils import HistoricalRecordContextHelper

from ..formatting import format_amount
from ..models import ProjectPartner

EMPTY = "—"


def value_in_words(field, value) -> str:
    """A stored value of ``field`` as the history page shows it."""
    if value is None or value == "":
        return EMPTY
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return gettext("是") if value else gettext("否")
    if isinstance(field, models.DecimalField):
        return format_amount(Decimal(value))  # every DecimalField here is an amount in 万元
    if isinstance(value, datetime):
        return f"{value.astimezone():%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class WordsContextHelper(HistoricalRecordContextHelper):
    """simple-history's delta context, with values in words (``value_in_words``)."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.ManyToManyField):
            return super().prepare_delta_change_value(change, value)
        return value_in_words(field, value)


@dataclass(frozen=True)
class PartnerChange:
    """One history row of a project's partner link, in words."""

    when: datetime
    action: str
    organization: str
    role: str
    user: str
    reason: str


_ACTIONS = {
    "+": pgettext_lazy("history", "新增"),
    "~": pgettext_lazy("history", "修改"),
    "-": pgettext_lazy("history", "删除"),
}


def project_partner_changes(project_id: int, *, limit: int = 200) -> list[PartnerChange]:
    """The partner links added, changed and removed on one project, newest first."""
    role_field = ProjectPartner._meta.get_field("role")
    rows = (
        ProjectPartner.history.filter(project_id=project_id)
        .select_related("organization", "history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    changes = []
    for row in rows:
        user = row.history_user
        organization = row.organization if row.organization_id else None
        changes.append(
            PartnerChange(
                when=row.history_date,
                action=str(_ACTIONS.get(row.history_type, row.history_type)),
                organization=str(organization) if organization is not None else EMPTY,
                role=value_in_words(role_field, row.role),
                user=(user.get_full_name() or user.get_username()) if user else EMPTY,
                reason=row.history_change_reason or "",
            )
        )
    return changes
