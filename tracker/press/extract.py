"""Candidate records from a report's sentences: projects, partners, events, regions.

The truth rules, enforced here rather than left to the clerk:

- **Stage**: the weakest stage among the table's verbs (``tracker.verbs``) in the
  project's sentence, so a sentence that says 拟定…签约 or 力争…签约 never yields
  已签约; a sentence with no verb in the table gives 线索 and says so. A sales
  intent (意向) is no project agreement.
- **Amount**: only where the sentence ties the figure to the name ("总投资5亿元的
  X", "X项目计划投资1000万元"); a band only where one is printed for the name. An
  event's "签约项目14个，总投资142亿元" goes on the event as its declared figures
  and never on its projects.
- **Date**: at the precision printed (9月底 → month), in the field the verb means
  (a signing date for 签约, a start for 开工, an opening for 开园/投产).
- **Role**: the weakest role the sentence supports; 投资方 only where the
  organisation is printed as investing.
"""

import re
from dataclasses import asdict, dataclass, field

from tracker.choices import PartnerRole, Stage
from tracker.text import normalize_name
from tracker.verbs import VERB_STAGES, marker, verbs_in

from . import figures, names
from .lexicon import Lexicon
from .reading import Sentence, sentences

_SIGNING_VERBS = {"签约", "签订", "签署", "拟定", "确定", "拟签约", "达成合作"}
_LEAD_VERBS = {"对接", "拜访", "考察", "深度交流"}
# Not a stage, whatever verb it carries (docs/fixtures.md: 签订供货意向书 is a sales intent).
_NOT_A_STAGE = ("意向",)
_DATE_FIELD = {
    Stage.SIGNED: "signed_on",
    Stage.CONSTRUCTION: "started_on",
    Stage.OPERATING: "operating_on",
}
_GOVERNMENT = ("人民政府", "管委会", "政府")
_RESEARCH = ("大学", "学院", "研究院", "研究所", "院校")


@dataclass
class Partner:
    name: str
    role: str
    role_why: str
    existing_id: int | None = None
    existing_name: str = ""


@dataclass
class ProjectCandidate:
    key: str
    name: str
    stage: str
    verb: str
    quote: str
    headline: str
    investment: str | None = None
    investment_low: str | None = None
    investment_high: str | None = None
    date: str | None = None
    date_precision: str = ""
    date_field: str = ""
    region_id: int | None = None
    region_name: str = ""
    event_key: str = ""
    partners: list[Partner] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class EventCandidate:
    key: str
    name: str
    kind: str
    quote: str
    headline: str
    start_date: str | None = None
    start_precision: str = ""
    declared_signed_count: int | None = None
    declared_signed_investment: str | None = None
    declared_promoted_count: int | None = None
    declared_promoted_investment: str | None = None
    figures_quote: str = ""


@dataclass
class OrganizationCandidate:
    name: str
    quote: str
    existing_id: int | None = None
    existing_name: str = ""


@dataclass
class Extraction:
    projects: list[ProjectCandidate] = field(default_factory=list)
    events: list[EventCandidate] = field(default_factory=list)
    organizations: list[OrganizationCandidate] = field(default_factory=list)
    district_id: int | None = None
    district_name: str = ""

    def as_json(self) -> dict:
        return asdict(self)


def _amount(num: str, unit: str) -> str:
    return format(figures.to_wan(num, unit), "f")


def stage_of(text: str, *, ahead: bool = True) -> tuple[str, str, str]:
    """(stage, verb, note): the weakest stage ``text``'s verbs support; ("", "", "") without one.

    "进行…签约" with no 了 does not say the signing happened: where the text
    around it speaks of what is ahead (``ahead``: 拟, 将, 力争, 此次 nearby) it is
    read as 拟签约 and the note says so.
    """
    found = verbs_in(text)
    if not found:
        return "", "", ""
    if any(w in text for w in _NOT_A_STAGE):
        return Stage.LEAD, "", "句中为意向，不是项目协议，记为线索。"
    verb = min(found, key=lambda v: Stage.rank(VERB_STAGES[v][0]))
    stage = VERB_STAGES[verb][0]
    if ahead and verb == "签约" and re.search(r"进行(?!了)[^，。；]{0,40}签约", text):
        return Stage.AGREED, verb, marker(verb, Stage.AGREED.label) + "“进行…签约”未说已签。"
    return stage, verb, ""


_CLAUSE_END = "，；,;：:"
_AHEAD = ("拟", "将", "力争", "此次", "即将")


def _clauses(text: str) -> list[tuple[int, str]]:
    """(start, clause) split at commas, semicolons and colons."""
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in _CLAUSE_END:
            out.append((start, text[start : i + 1]))
            start = i + 1
    if start < len(text):
        out.append((start, text[start:]))
    return out or [(0, text)]


def _clause_of(clauses, pos: int) -> int:
    for i, (start, clause) in enumerate(clauses):
        if start <= pos < start + len(clause):
            return i
    return len(clauses) - 1


def _clause_stage(clauses, i: int, previous: str = "") -> tuple[str, str, str]:
    """The stage of clause ``i``: its own verbs, else the nearest clause before, else after.

    ``previous`` (the sentence before) tells whether "进行…签约" is still ahead.
    """
    order = [i] + list(range(i - 1, -1, -1)) + list(range(i + 1, len(clauses)))
    ahead = any(w in previous + "".join(c for _s, c in clauses) for w in _AHEAD)
    for j in order:
        stage, verb, note = stage_of(clauses[j][1], ahead=ahead)
        if stage:
            return stage, verb, note
    return "", "", ""


class _Reader:
    def __init__(self, text: str, lexicon: Lexicon, year: int | None):
        self.lexicon = lexicon
        self.year = year
        self.sentences = sentences(text)
        self.out = Extraction()
        self._project_keys: dict[str, ProjectCandidate] = {}
        self._orgs: dict[str, OrganizationCandidate] = {}
        self._events: dict[str, EventCandidate] = {}
        self._recent_events: list[tuple[EventCandidate, str]] = []  # (event, headline)
        self._previous = ""  # the sentence before, for the modality of "进行…签约"

    # --- the whole text -----------------------------------------------------------------
    def run(self) -> Extraction:
        self._district()
        for sentence in self.sentences:
            if sentence.is_headline:
                continue
            self._events_in(sentence)
            self._projects_in(sentence)
            self._previous = sentence.text
        return self.out

    def _district(self):
        counts: dict[int, int] = {}
        names_ = {}
        for s in self.sentences:
            for pk, name, kind, _form in self.lexicon.regions_in(s.text):
                if kind in ("district", "zone"):
                    counts[pk] = counts.get(pk, 0) + 1
                    names_[pk] = name
        if counts:
            pk = max(counts, key=lambda k: counts[k])
            self.out.district_id, self.out.district_name = pk, names_[pk]

    # --- events ---------------------------------------------------------------------------
    def _events_in(self, s: Sentence):
        held = any(w in s.text for w in ("举行", "举办"))
        for name in names.events_in(s.text):
            key = normalize_name(name)
            known = next((e for k, e in self._events.items() if _same_event(k, key)), None)
            date = figures.date_in(s.text, year=self.year) if held else None
            if known is None:
                known = EventCandidate(
                    key=f"e{len(self._events) + 1}",
                    name=name,
                    kind=_event_kind(name),
                    quote=s.text,
                    headline=s.headline,
                )
                self._events[key] = known
                self.out.events.append(known)
            elif key != normalize_name(known.name) and normalize_name(known.name) in key:
                known.name = name  # the fuller printed form
            if date and (
                known.start_date is None
                or (known.start_precision != "day" and date.precision == "day")
            ):
                known.start_date, known.start_precision = date.value.isoformat(), date.precision
            self._recent_events.append((known, s.headline))
        for m in figures.DECLARED.finditer(s.text):
            signed = m.group("kind") == "签约"
            event = self._event_here(s, signing=signed)
            if event is None:
                continue
            count, amount = int(m.group("count")), _amount(m.group("amount"), m.group("unit"))
            if signed:
                event.declared_signed_count, event.declared_signed_investment = count, amount
            else:
                event.declared_promoted_count, event.declared_promoted_investment = count, amount
            if s.text not in event.figures_quote:
                event.figures_quote += s.text

    def _event_here(self, s: Sentence, *, signing: bool = True) -> EventCandidate | None:
        """The latest event of this story (a signing or a fair, where ``signing``)."""
        for event, headline in reversed(self._recent_events):
            if headline == s.headline and (not signing or event.kind in ("signing", "fair")):
                return event
        return None

    # --- projects -------------------------------------------------------------------------
    def _projects_in(self, s: Sentence):
        text = s.text
        clauses = _clauses(text)
        found: dict[str, tuple[int, str, dict]] = {}  # name key → (position, name, extra)

        def add(pos, name, extra=None):
            name = names.strip_lead(name)
            if "的" in name and len(name.rsplit("的", 1)[1]) >= 4:
                name = name.rsplit("的", 1)[1]
            if name.count("“") != name.count("”"):
                name = name.strip("“”")
            key = normalize_name(name)
            if key in found:
                found[key][2].update(extra or {})
            else:
                found[key] = (pos, name, dict(extra or {}))

        for pattern in (names.AMOUNT_OF, names.NAME_THEN_AMOUNT):
            for m in pattern.finditer(text):
                extra = {"investment": _amount(m["num"], m["unit"]), "named": True}
                add(m.start("name"), m.group("name"), extra)
        for m in names.BUILT.finditer(text):
            add(m.start("name"), m.group("name"), {"named": True})
        for m in names.NAMED_PROJECT.finditer(text):
            add(m.start("name"), m.group("name"))
        for name in names.subjects(text):
            add(text.find(name), name)
        org_lists = []
        for kind, items in names.enumerations(text):
            for item in items:
                if kind == "project":
                    built = names.BUILT.search(item)
                    item = built.group("name") if built else names.cut_after_cue(item)
                    add(text.find(item), item, {"named": True})
                else:
                    org_lists.append(item)
        # A name printed as built, funded or listed as a project is a project, even
        # where it ends like an organisation (高端传感应用研究院, 焦作电力勘察设计院).
        named = {k for k, (_p, _n, e) in found.items() if e.get("named")}
        orgs = [
            (text.find(o), o)
            for o in names.organizations_in(text)
            if normalize_name(o) not in named
        ]
        org_keys = {normalize_name(o) for _p, o in orgs} | {normalize_name(o) for o in org_lists}
        band = figures.band_in(text)

        projects = []
        for pos, name, extra in sorted(found.values(), key=lambda f: f[0]):
            key = normalize_name(name)
            if not names.plausible_project(name) or (key in org_keys and key not in named):
                continue
            projects.append((pos, name, extra))
        # A shorter reading of a longer name found in the same sentence is the same name.
        keys = [normalize_name(n) for _p, n, _e in projects]
        projects = [
            p
            for p, k in zip(projects, keys, strict=True)
            if not any(k != other and k in other for other in keys)
        ]
        if band and "等总投资" in text and projects:
            # "X项目等总投资1000万元至1亿元的重大科技成果7项": the band printed for the list.
            projects[0][2].update(
                investment_low=format(band.low, "f"),
                investment_high=format(band.high, "f"),
                band_note="区间为文中所列各项的总投资范围（文中未给单项金额）。",
            )
        # One project per organisation where a clause names organisations and a
        # signing, courting or moving-in verb, but no project of its own.
        # An organisation printed before the sentence's named project is that project's
        # partner (签订合作协议，…共同建设X), not a project of its own.
        last_named = max((_clause_of(clauses, p) for p, _n, _e in projects), default=-1)
        for pos, org in orgs + [(text.find(o), o) for o in org_lists]:
            if pos < 0 or any(g in org for g in _GOVERNMENT):
                continue
            ci = _clause_of(clauses, pos)
            if ci <= last_named:
                continue
            stage, verb, _note = _clause_stage(clauses, ci, self._previous)
            if verb in _SIGNING_VERBS | _LEAD_VERBS | {"入驻"}:
                name = _org_project_name(org, verb, clauses[ci][1], self.lexicon)
                if all(normalize_name(name) != normalize_name(n) for _p, n, _e in projects):
                    projects.append((pos, name, {"org": org}))
        projects.sort(key=lambda f: f[0])
        for i, (pos, name, extra) in enumerate(projects):
            ci = _clause_of(clauses, pos)
            stage, verb, note = _clause_stage(clauses, ci, self._previous)
            if not verb:
                continue  # no verb from the table anywhere near: not proposed
            prev_end = projects[i - 1][0] + len(projects[i - 1][1]) if i else 0
            extra = dict(extra, stage_note=note, others=[n for _p, n, _e in projects if n != name])
            self._add_project(s, name, stage, verb, extra, orgs, pos, prev_end, len(projects))

    def _add_project(self, s, name, stage, verb, extra, orgs, pos, prev_end, count):
        key = normalize_name(name)
        if key in self._project_keys:
            return
        text = s.text
        cand = ProjectCandidate(
            key=f"p{len(self.out.projects) + 1}",
            name=name,
            stage=stage,
            verb=verb,
            quote=text,
            headline=s.headline,
            investment=extra.get("investment"),
            investment_low=extra.get("investment_low"),
            investment_high=extra.get("investment_high"),
        )
        cand.notes.append(extra.get("stage_note") or marker(verb))
        if extra.get("band_note"):
            cand.notes.append(extra["band_note"])
        date = figures.date_in(text, year=self.year)
        if date and stage in _DATE_FIELD:
            cand.date, cand.date_precision = date.value.isoformat(), date.precision
            cand.date_field = _DATE_FIELD[stage]
        # Region: the park the project is, else a region printed in the sentence (not
        # another project of the same list), else the report's district.
        own = self.lexicon.region(name)
        others = {normalize_name(o) for o in extra.get("others", ())}
        clauses = _clauses(text)
        clause = clauses[_clause_of(clauses, pos)][1] if pos >= 0 else text
        printed = [
            r for r in self.lexicon.regions_in(clause) if r[3] not in others and r[2] != "city"
        ]
        if own:
            cand.region_id, cand.region_name = own[0], own[1]
        elif printed:
            cand.region_id, cand.region_name = printed[0][0], printed[0][1]
        else:
            cand.region_id, cand.region_name = self.out.district_id, self.out.district_name
        # Partners: the organisations printed before this project and after the previous one
        # (or, for a sentence naming one project, all of them).
        if extra.get("org"):
            mine = [extra["org"]] + [o for _p, o in orgs if any(g in o for g in _GOVERNMENT)]
        elif count == 1:
            mine = [o for _p, o in orgs]
        else:
            mine = [o for p, o in orgs if prev_end <= p < pos]
        for org in dict.fromkeys(mine):
            cand.partners.append(self._partner(org, text, stage, verb))
        if stage in (Stage.AGREED, Stage.SIGNED) and (event := self._event_here(s, signing=True)):
            cand.event_key = event.key
        self._project_keys[key] = cand
        self.out.projects.append(cand)

    def _partner(self, org: str, text: str, stage: str, verb: str) -> Partner:
        role, why = _role(org, text, stage, verb)
        match = self.lexicon.organization(org)
        key = normalize_name(org)
        if key not in self._orgs:
            oc = OrganizationCandidate(name=org, quote=text)
            if match:
                oc.existing_id, oc.existing_name = match
            self._orgs[key] = oc
            self.out.organizations.append(oc)
        partner = Partner(name=org, role=role, role_why=why)
        if match:
            partner.existing_id, partner.existing_name = match
        return partner


def _role(org: str, text: str, stage: str, verb: str) -> tuple[str, str]:
    if any(g in org for g in _GOVERNMENT):
        return PartnerRole.LOCAL_COUNTERPART, "本地政府或管委会"
    if re.search(re.escape(org) + r"(?:公司)?(?:出资|投资)", text):
        return PartnerRole.INVESTOR, "句中写明其投资"
    if f"{org}运营" in text or re.search(r"由[^，。]{0,20}" + re.escape(org) + "运营", text):
        return PartnerRole.OPERATOR, "句中写明由其运营"
    if verb in _SIGNING_VERBS and Stage.rank(stage) >= Stage.rank(Stage.AGREED):
        return PartnerRole.SIGNATORY, f"签约一方（“{verb}”）"
    if (
        any(org.endswith(r) for r in _RESEARCH)
        and Stage.rank(stage) >= Stage.rank(Stage.NEGOTIATING)
        and any(w in text for w in ("合作", "共建", "研发"))
    ):
        return PartnerRole.RESEARCH_PARTNER, "高校/院所参与合作研发或共建"
    return PartnerRole.NAMED, "句中只提到其名，未写明角色"


def _org_project_name(org: str, verb: str, text: str, lexicon: Lexicon) -> str:
    if verb in _LEAD_VERBS:
        return f"{org}考察对接" if "考察" in text else f"{org}项目对接"
    if verb == "入驻":
        parks = [r for r in lexicon.regions_in(text) if r[2] == "park"]
        return f"{org}入驻{parks[0][1]}" if parks else f"{org}入驻项目"
    return f"{org}合作项目"


def _same_event(a: str, b: str) -> bool:
    """Two printed names of one event: one holds the other, or they share 12 characters."""
    if a in b or b in a:
        return True
    return any(a[i : i + 12] in b for i in range(max(0, len(a) - 11)))


def _event_kind(name: str) -> str:
    if "签约" in name:
        return "signing"
    if "对接会" in name:
        return "matchmaking"
    if "洽谈会" in name or "大会" in name or "博览" in name:
        return "fair"
    return "promotion"


def extract(text: str, *, lexicon: Lexicon | None = None, year: int | None = None) -> Extraction:
    """Candidates for the records ``text`` reports; ``year``: the report's publication year."""
    return _Reader(text, lexicon or Lexicon(), year).run()


__all__ = ["Extraction", "extract", "stage_of"]
