"""What the clerk sees on a report's preview: each candidate new, matching, or a likely duplicate.

Reads only. A candidate *matches* an existing record with the same name (folded
the ledger's way: widths, spaces, aliases for organisations) and the
differences are listed; it is a *likely duplicate* where an existing name holds
its name or the other way round; otherwise it is *new*. A new project's rule
problems (``tracker.rules``: a signed project needs a signing date and a
partner …) are listed too, so the clerk fixes them before confirming.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from tracker.choices import Stage, Status
from tracker.formatting import plain_decimal
from tracker.models import Event, Organization, Project, Region
from tracker.rules import stage_change_problems
from tracker.text import normalize_name

from .lexicon import Lexicon

NEW, MATCH, DUPLICATE = "new", "match", "duplicate"
STATE_LABELS = {NEW: "新建", MATCH: "与现有记录相同", DUPLICATE: "疑似重复"}


def _core(name: str) -> str:
    return name.replace("项目", "").strip()


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def classify(candidates: dict, *, lexicon: Lexicon | None = None) -> dict:
    """``candidates`` (an ``Extraction.as_json``, as edited) with ``state``/``existing``/
    ``differences``/``problems`` on every project, partner and event."""
    lexicon = lexicon or Lexicon.from_db()
    regions = dict(Region.objects.values_list("pk", "name"))
    for project in candidates.get("projects", []):
        _classify_project(project, regions)
        for partner in project.get("partners", []):
            _classify_organization(partner, lexicon)
        project["problems"] = project_problems(project)
    for event in candidates.get("events", []):
        _classify_event(event)
    return candidates


def _classify_project(project: dict, regions: dict) -> None:
    name = project["name"]
    project.update(state=NEW, existing=None, differences=[])
    same = Project.objects.filter(name=name).first()
    if same is None:
        key = normalize_name(name)
        same = next(
            (
                p
                for p in Project.objects.filter(name__icontains=_core(name))[:20]
                if normalize_name(p.name) == key
            ),
            None,
        )
    if same is not None:
        project.update(state=MATCH, existing=_ref(same))
        project["differences"] = _project_differences(project, same, regions)
        return
    core = _core(name)
    near = Project.objects.filter(name__icontains=core).first() if len(core) >= 4 else None
    if near is not None:
        project.update(state=DUPLICATE, existing=_ref(near))
        project["differences"] = _project_differences(project, near, regions)


def _ref(obj) -> dict:
    return {"id": obj.pk, "name": str(getattr(obj, "name", obj)), "code": getattr(obj, "code", "")}


def _project_differences(project: dict, existing: Project, regions: dict) -> list[str]:
    out = []
    if project.get("stage") and project["stage"] != existing.stage:
        out.append(
            _("阶段：稿件 %(new)s，现有 %(old)s")
            % {"new": Stage(project["stage"]).label, "old": existing.get_stage_display()}
        )
    mine = _amount(project.get("investment"))
    if mine is not None and mine != existing.investment:
        out.append(
            _("总投资：稿件 %(new)s 万元，现有 %(old)s")
            % {
                "new": plain_decimal(mine),
                "old": plain_decimal(existing.investment) if existing.investment else _("未披露"),
            }
        )
    if project.get("region_id") and project["region_id"] != existing.region_id:
        out.append(
            _("区域：稿件 %(new)s，现有 %(old)s")
            % {
                "new": regions.get(project["region_id"], "?"),
                "old": regions.get(existing.region_id, "?"),
            }
        )
    return out


def _classify_organization(partner: dict, lexicon: Lexicon) -> None:
    partner.update(state=NEW, existing=None)
    found = lexicon.organization(partner["name"])
    if found:
        partner.update(state=MATCH, existing={"id": found[0], "name": found[1]})
        return
    near = Organization.objects.filter(name__icontains=partner["name"]).first()
    if near is None:
        near = next(
            (o for o in Organization.objects.filter(name_key__in=_prefixes(partner["name"]))), None
        )
    if near is not None:
        partner.update(state=DUPLICATE, existing={"id": near.pk, "name": near.name})


def _prefixes(name: str) -> list[str]:
    """Shorter printed forms an existing organisation may be stored under (碧桂园集团 → 碧桂园)."""
    key = normalize_name(name)
    return [key[:n] for n in range(3, len(key))]


def _classify_event(event: dict) -> None:
    event.update(state=NEW, existing=None, differences=[])
    same = Event.objects.filter(name=event["name"]).first()
    state = MATCH
    if same is None:
        key = normalize_name(event["name"])
        same = next(
            (
                e
                for e in Event.objects.all()
                if len(key) >= 8
                and (normalize_name(e.name) in key or key in normalize_name(e.name))
            ),
            None,
        )
        state = DUPLICATE
    if same is None:
        return
    event.update(state=state, existing={"id": same.pk, "name": same.name})
    for field in (
        "declared_signed_count",
        "declared_signed_investment",
        "declared_promoted_count",
        "declared_promoted_investment",
    ):
        mine, theirs = event.get(field), getattr(same, field)
        if mine is not None and _amount(mine) != (None if theirs is None else Decimal(theirs)):
            event["differences"].append(
                f"{Event._meta.get_field(field).verbose_name}：稿件 {mine}，现有 "
                f"{plain_decimal(theirs) if theirs is not None else _('未披露')}"
            )


def project_problems(project: dict) -> list[str]:
    """What the rules by stage refuse for this candidate as a new project (empty: allowed)."""
    if project.get("state") == MATCH or not project.get("stage"):
        return []
    dates = {"signed_on": None, "started_on": None, "operating_on": None}
    if project.get("date") and project.get("date_field") in dates:
        dates[project["date_field"]] = project["date"]
    accepted_partners = [p for p in project.get("partners", []) if p.get("accept", True)]
    problems = stage_change_problems(
        old_stage=None,
        old_status=None,
        new_stage=project["stage"],
        new_status=Status.ON_TRACK,
        has_partner=bool(accepted_partners),
        **dates,
    )
    return [p.message for p in problems]
