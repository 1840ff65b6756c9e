"""Press reports: the clerk's accepted candidates written in one batch, and undone exactly.

``press_report_confirm`` writes, in one transaction, a ``Source`` for the
report, the accepted events, organisations and projects, their partner links,
and one ``Citation`` per record quoting the exact sentence it came from. A
candidate matching an existing record adds only its citation (and missing
partner links): confirming never overwrites what staff typed; the preview lists
the differences for them to edit by hand. The ids written are kept on the
report, so ``press_report_rollback`` deletes exactly those rows and nothing a
later edit has come to rely on.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import DatePrecision, EventKind, PartnerRole, Stage, Status
from ..codes import project_code_next
from ..ledger.locks import import_turn
from ..models import (
    Citation,
    Event,
    Organization,
    PressReport,
    Project,
    ProjectPartner,
    Region,
    Source,
)
from ..rules import stage_change_problems
from ..text import normalize_name
from .projects import project_save

CONFIRM_PERMISSION = "tracker.confirm_pressreport"
_DATE_FIELDS = ("signed_on", "started_on", "operating_on")
# Deleted in this order on rollback (what points at a row goes before it).
_ROLLBACK_ORDER = ("citation", "projectpartner", "project", "event", "organization", "source")


def _decimal(value, label: str, errors: list) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        errors.append(_("%(label)s不是数字：%(value)s") % {"label": label, "value": value})
        return None
    if amount <= 0:
        errors.append(_("%(label)s须大于 0（未披露请留空）。") % {"label": label})
        return None
    return amount


def _date(value, label: str, errors: list) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.append(
            _("%(label)s日期格式应为 YYYY-MM-DD：%(value)s") % {"label": label, "value": value}
        )
        return None


def _check(accepted: dict) -> list[str]:
    """Every reason the accepted candidates cannot be written as they stand."""
    errors: list[str] = []
    region_ids = set(Region.objects.values_list("pk", flat=True))
    for p in accepted.get("projects", []):
        name = (p.get("name") or "").strip()
        where = _("项目“%(name)s”：") % {"name": name or "?"}
        mine: list[str] = []
        if not name:
            mine.append(_("名称不能为空。"))
        if p.get("stage") not in Stage.values:
            mine.append(_("阶段无效。"))
        if p.get("target"):
            errors += [where + m for m in mine]
            continue
        if p.get("region_id") not in region_ids:
            mine.append(_("请选择所属区域。"))
        for field, label in (
            ("investment", _("总投资")),
            ("investment_low", _("投资下限")),
            ("investment_high", _("投资上限")),
        ):
            p[field] = _decimal(p.get(field), label, mine)
        if p.get("date_precision") and p["date_precision"] not in DatePrecision.values:
            mine.append(_("日期精度无效。"))
        p["date"] = _date(p.get("date"), _("日期"), mine)
        if p["date"] and p.get("date_field") not in _DATE_FIELDS:
            mine.append(_("请选择日期所指（签约、开工或投产）。"))
        if not mine:
            dates = {f: (p["date"] if p.get("date_field") == f else None) for f in _DATE_FIELDS}
            mine += [
                problem.message
                for problem in stage_change_problems(
                    old_stage=None,
                    old_status=None,
                    new_stage=p["stage"],
                    new_status=Status.ON_TRACK,
                    has_partner=bool(p.get("partners")),
                    **dates,
                )
            ]
        errors += [where + m for m in mine]
        for partner in p.get("partners", []):
            if partner.get("role") not in PartnerRole.values:
                errors.append(
                    where + _("合作方“%(name)s”的角色无效。") % {"name": partner.get("name")}
                )
    for e in accepted.get("events", []):
        if not (e.get("name") or "").strip():
            errors.append(_("活动名称不能为空。"))
        for field in ("declared_signed_investment", "declared_promoted_investment"):
            e[field] = _decimal(e.get(field), _("活动公布金额"), errors)
        e["start_date"] = _date(e.get("start_date"), _("活动日期"), errors)
    return errors


class _Batch:
    """The rows one confirm writes, by model label, for the report's ``created``."""

    def __init__(self, report: PressReport, user):
        self.report, self.user = report, user
        self.created: dict[str, list[int]] = {label: [] for label in _ROLLBACK_ORDER}
        self.reason = report.change_reason

    def keep(self, label: str, obj) -> None:
        self.created[label].append(obj.pk)

    def save(self, obj) -> None:
        obj._history_user = self.user
        obj._change_reason = self.reason
        obj.save()

    def cite(self, quote: str, headline: str, **subject) -> None:
        if Citation.objects.filter(source=self.report.source, quote=quote, **subject).exists():
            return
        citation = Citation(source=self.report.source, quote=quote, headline=headline, **subject)
        self.save(citation)
        self.keep("citation", citation)

    def organization(self, partner: dict, quote: str, headline: str) -> Organization:
        if partner.get("existing_id"):
            found = Organization.objects.filter(pk=partner["existing_id"]).first()
            if found is not None:
                return found
        key = normalize_name(partner["name"])
        found = Organization.objects.filter(name_key=key).first()
        if found is not None:
            return found
        org = Organization(name=partner["name"].strip())
        self.save(org)
        self.keep("organization", org)
        self.cite(quote, headline, organization=org)
        return org


def press_report_create(
    *, title: str, text: str, user, file_name: str = "", published_on=None, publisher: str = ""
) -> PressReport:
    """Store a pasted or uploaded report with the extractor's candidates (nothing else is written)."""
    from ..press import Lexicon, extract

    year = published_on.year if published_on else timezone.localdate().year
    extraction = extract(text, lexicon=Lexicon.from_db(), year=year)
    return PressReport.objects.create(
        title=title.strip(),
        text=text,
        file_name=file_name,
        published_on=published_on,
        published_on_precision=DatePrecision.DAY,
        publisher=publisher.strip(),
        candidates=extraction.as_json(),
        user=user,
    )


def press_report_update(*, report: PressReport, candidates: dict, user) -> PressReport:
    """Keep the clerk's edits of a draft report's candidates."""
    if not user.has_perm("tracker.change_pressreport"):
        raise PermissionDenied
    if report.status != PressReport.Status.DRAFT:
        raise ValidationError(_("这份稿件已经导入或撤销，不能再修改。"))
    report.candidates = candidates
    report.save(update_fields=["candidates"])
    return report


@transaction.atomic
def press_report_confirm(*, report: PressReport, accepted: dict, user) -> PressReport:
    """Write the accepted candidates of ``report`` with their citations and a Source.

    ``accepted`` is ``{"projects": [...], "events": [...]}``: the candidates the
    clerk kept, as edited, each project's ``partners`` those kept; a candidate
    with ``target`` (an existing record's id) only gains its citation. Raises
    ``PermissionDenied`` without ``tracker.confirm_pressreport`` and
    ``ValidationError`` (all reasons at once) when anything cannot be written.
    """
    if not user.has_perm(CONFIRM_PERMISSION):
        raise PermissionDenied
    report = PressReport.objects.select_for_update().get(pk=report.pk)
    if report.status != PressReport.Status.DRAFT:
        raise ValidationError(_("这份稿件已经导入或撤销，不能再次确认。"))
    if not accepted.get("projects") and not accepted.get("events"):
        raise ValidationError(_("没有选中任何候选记录。"))
    errors = _check(accepted)
    if errors:
        raise ValidationError(errors)
    import_turn(wait=True)  # codes are handed out in the ledger's turn
    batch = _Batch(report, user)
    district = report.candidates.get("district_id")
    source = Source(
        file=f"press-{report.pk}",
        title=report.title,
        publisher=report.publisher,
        published_on=report.published_on,
        published_on_precision=report.published_on_precision,
        region_id=district if Region.objects.filter(pk=district).exists() else None,
        note=_("由新闻稿导入 #%(pk)s 建立；原文保存在该导入记录中。") % {"pk": report.pk},
    )
    batch.save(source)
    batch.keep("source", source)
    report.source = source

    events: dict[str, Event] = {}
    for e in accepted.get("events", []):
        events[e["key"]] = _event(e, batch, report)
    taken: set[str] = set()
    for p in accepted.get("projects", []):
        _project(p, batch, events, taken, report)

    report.status = PressReport.Status.CONFIRMED
    report.created = batch.created
    report.confirmed_by = user
    report.confirmed_at = timezone.now()
    report.save(update_fields=["status", "created", "source", "confirmed_by", "confirmed_at"])
    return report


def _event(e: dict, batch: _Batch, report: PressReport) -> Event:
    quote = e.get("figures_quote") or e["quote"]
    if e.get("target"):
        event = Event.objects.get(pk=e["target"])
    else:
        event = Event(
            name=e["name"].strip(),
            slug=f"press-{report.pk}-{e['key']}",
            kind=e.get("kind") if e.get("kind") in EventKind.values else EventKind.PROMOTION,
            region_id=report.candidates.get("district_id"),
            start_date=e.get("start_date"),
            declared_signed_count=e.get("declared_signed_count"),
            declared_signed_investment=e.get("declared_signed_investment"),
            declared_promoted_count=e.get("declared_promoted_count"),
            declared_promoted_investment=e.get("declared_promoted_investment"),
            note=report.change_reason,
        )
        batch.save(event)
        batch.keep("event", event)
    batch.cite(e["quote"], e.get("headline", ""), event=event)
    if quote != e["quote"]:
        batch.cite(quote, e.get("headline", ""), event=event)
    return event


def _project(p: dict, batch: _Batch, events: dict, taken: set, report: PressReport) -> None:
    quote, headline = p["quote"], p.get("headline", "")
    orgs = [
        (batch.organization(partner, quote, headline), partner["role"])
        for partner in p.get("partners", [])
    ]
    if p.get("target"):
        project = Project.objects.get(pk=p["target"])
    else:
        when = p["date"] or report.published_on or timezone.localdate()
        code = project_code_next(year=when.year, taken=taken)
        taken.add(code)
        project = Project(
            code=code,
            name=p["name"].strip(),
            region_id=p["region_id"],
            stage=p["stage"],
            status=Status.ON_TRACK,
            investment=p.get("investment"),
            investment_low=p.get("investment_low"),
            investment_high=p.get("investment_high"),
            event=events.get(p.get("event_key")),
            note="\n".join([*p.get("notes", []), batch.reason]),
            is_public=False,
        )
        if p["date"]:
            setattr(project, p["date_field"], p["date"])
            setattr(project, p["date_field"] + "_precision", p.get("date_precision") or "day")
        project._change_reason = batch.reason
        project_save(
            project=project,
            user=batch.user,
            # Undated, the stage holds as of the report (its date, else today).
            effective_on=p["date"] or report.published_on or timezone.localdate(),
            note=batch.reason,
            rules_checked=True,  # _check ran the same rules, dates included
        )
        batch.keep("project", project)
    for org, role in orgs:
        if not ProjectPartner.objects.filter(project=project, organization=org, role=role).exists():
            link = ProjectPartner(project=project, organization=org, role=role)
            batch.save(link)
            batch.keep("projectpartner", link)
    batch.cite(quote, headline, project=project)


@transaction.atomic
def press_report_rollback(*, report: PressReport, user) -> dict[str, int]:
    """Delete exactly the rows ``report``'s confirm wrote; returns how many of each.

    A created organisation, event or source that other records have come to use
    since (a partner link, a citation, a project's event outside this batch)
    stays, and is counted under ``kept``. A created project someone has edited
    since is refused: undo that edit first, or delete the project by hand.
    """
    if not user.has_perm(CONFIRM_PERMISSION):
        raise PermissionDenied
    report = PressReport.objects.select_for_update().get(pk=report.pk)
    if report.status != PressReport.Status.CONFIRMED:
        raise ValidationError(_("只有已导入的稿件可以撤销。"))
    created = {label: set(ids) for label, ids in report.created.items()}
    edited = [
        p.code
        for p in Project.objects.filter(pk__in=created.get("project", ()))
        if p.history.exclude(history_change_reason=report.change_reason).exists()
    ]
    if edited:
        raise ValidationError(
            _("这些项目在导入后已被修改，不能整批撤销：%(codes)s") % {"codes": "、".join(edited)}
        )
    counts = {"kept": 0}
    models = {
        "citation": Citation,
        "projectpartner": ProjectPartner,
        "project": Project,
        "event": Event,
        "organization": Organization,
        "source": Source,
    }
    for label in _ROLLBACK_ORDER:
        ids = created.get(label, set())
        rows = models[label].objects.filter(pk__in=ids)
        if label == "organization":
            used = set(
                ProjectPartner.objects.filter(organization__in=ids).values_list(
                    "organization_id", flat=True
                )
            )
            used |= set(
                Citation.objects.filter(organization__in=ids).values_list(
                    "organization_id", flat=True
                )
            )
            rows = rows.exclude(pk__in=used)
            counts["kept"] += len(used)
        elif label == "event":
            used = set(Project.objects.filter(event__in=ids).values_list("event_id", flat=True))
            used |= set(Citation.objects.filter(event__in=ids).values_list("event_id", flat=True))
            rows = rows.exclude(pk__in=used)
            counts["kept"] += len(used)
        elif label == "source":
            used = set(Citation.objects.filter(source__in=ids).values_list("source_id", flat=True))
            rows = rows.exclude(pk__in=used)
            counts["kept"] += len(used)
        for obj in rows:
            obj._history_user = user
            obj._change_reason = _("撤销新闻稿导入 #%(pk)s") % {"pk": report.pk}
            obj.delete()
            counts[label] = counts.get(label, 0) + 1
    report.status = PressReport.Status.ROLLED_BACK
    report.rolled_back_at = timezone.now()
    report.save(update_fields=["status", "rolled_back_at"])
    return counts
