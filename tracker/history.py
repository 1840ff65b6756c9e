"""Reading the change history: what others saved on a record since a form was opened.

A change form carries the id of the newest history row it was opened at
(``latest_version``). Every write the tracker makes is recorded in history
(the admin, the services, imports and bulk edits through
``bulk_update_with_history``), so a newer row means someone else saved in the
meantime, and comparing the two rows says what they changed.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from .formatting import join_clauses


@dataclass(frozen=True)
class ConcurrentEdit:
    """Someone else's save between opening a form and posting it."""

    who: str
    when: datetime
    latest_version: int
    changes: list[tuple[str, str, str]]  # (field label, value then, value now)

    def message(self) -> str:
        changed = join_clauses(
            _("%(field)s：%(old)s → %(new)s") % {"field": label, "old": old, "new": new}
            for label, old, new in self.changes
        )
        return _(
            "您打开本页之后，%(who)s 于 %(when)s 修改了这条记录（%(changes)s）。"
            "为免覆盖他人的修改，本次未保存。请核对上面的内容；确认仍要以您的内容为准，再点一次保存。"
        ) % {
            "who": self.who,
            "when": f"{self.when.astimezone():%Y-%m-%d %H:%M}",
            "changes": changed or _("无字段变化"),
        }


def latest_version(instance) -> int | None:
    """The id of the newest history row of ``instance``; ``None`` for one never saved."""
    if instance.pk is None:
        return None
    return instance.history.order_by("-history_id").values_list("history_id", flat=True).first()


def _display(record, field) -> str:
    value = getattr(record, field.attname)
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        related = getattr(record, field.name, None)
        return str(related) if related is not None else str(value)
    return str(value)


def edits_since(instance, version: int) -> ConcurrentEdit | None:
    """What was saved on ``instance`` after history row ``version``; ``None`` if nothing."""
    history = instance.history
    newest = history.filter(history_id__gt=version).order_by("-history_id").first()
    if newest is None:
        return None
    opened = history.filter(history_id=version).first()
    changes = []
    if opened is not None:
        model = type(instance)
        for name in newest.diff_against(opened).changed_fields:
            field = model._meta.get_field(name)
            changes.append(
                (str(field.verbose_name), _display(opened, field), _display(newest, field))
            )
    if opened is not None and not changes:
        return None  # saved again with nothing changed (an inline-only save, say)
    user = newest.history_user
    return ConcurrentEdit(
        who=(user.get_full_name() or user.get_username()) if user else _("导入或系统任务"),
        when=newest.history_date,
        latest_version=newest.history_id,
        changes=changes,
    )
