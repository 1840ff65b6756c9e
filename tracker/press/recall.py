"""How much of the fixtures the extractor proposes, per seed article (no database needed).

The fixtures (``fixtures/*.json``) are the reference: every project, partner link
and event they hold was read from the seed articles by hand. The extractor runs
on each article with only the regions known (the places a bureau sets up before
any report), no organisations, so nothing it proposes is copied from the answer.

A proposal matches a fixture project when their names share a key (one folded
name contains the other), or else when the proposal's one organisation is the
fixture project's one partner. Each fixture record is matched at most once.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tracker.choices import Stage
from tracker.text import normalize_name

from .extract import extract
from .lexicon import Lexicon


@dataclass
class ArticleRecall:
    file: str
    fixture_projects: int = 0
    matched_projects: int = 0
    fixture_partners: int = 0
    matched_partners: int = 0
    fixture_events: int = 0
    matched_events: int = 0
    proposed_projects: int = 0
    unmatched: list[str] = field(default_factory=list)  # proposals with no fixture counterpart
    missed: list[str] = field(default_factory=list)  # fixture projects not proposed
    rejected: list[str] = field(default_factory=list)  # amount/stage the fixtures' rules reject
    differences: list[str] = field(default_factory=list)  # weaker stage, amount left out …
    agreed: list[str] = field(
        default_factory=list
    )  # amounts and dates proposed as the fixtures hold


def _load(base: Path):
    records = []
    for path in sorted((base / "fixtures").glob("*.json")):
        records += json.loads(path.read_text(encoding="utf-8"))
    by = defaultdict(list)
    for r in records:
        by[r["model"]].append(r["fields"])
    return by


def _key(name: str) -> str:
    return normalize_name(name).replace("项目", "")


def _names_match(a: str, b: str) -> bool:
    ka, kb = _key(a), _key(b)
    return len(min(ka, kb, key=len)) >= 4 and (ka in kb or kb in ka)


def measure(base: Path) -> list[ArticleRecall]:
    by = _load(base)
    regions = [
        (i, r["name"], r["slug"], r["kind"]) for i, r in enumerate(by["tracker.region"], start=1)
    ]
    lexicon = Lexicon.build(regions=regions)
    aliases = {
        normalize_name(o["name"]): {normalize_name(a) for a in o["aliases"].splitlines() if a}
        for o in by["tracker.organization"]
    }
    sources = {s["file"]: s for s in by["tracker.source"]}
    first_source: dict[tuple, str] = {}
    for c in by["tracker.citation"]:
        if c["project"]:
            first_source.setdefault(("p", c["project"][0]), c["source"][0])
        elif c["event"]:
            first_source.setdefault(("e", c["event"][0]), c["source"][0])
    links = defaultdict(list)
    for pp in by["tracker.projectpartner"]:
        links[pp["project"][0]].append((normalize_name(pp["organization"][0]), pp["role"]))
    results = []
    for file in sorted(sources):
        text = (base / "seeds" / file).read_text(encoding="utf-8")
        year = int(sources[file]["published_on"][:4])
        ex = extract(text, lexicon=lexicon, year=year)
        fixture_projects = [
            p for p in by["tracker.project"] if first_source.get(("p", p["code"])) == file
        ]
        fixture_events = [
            e
            for e in by["tracker.event"]
            if any(
                c["event"] and c["event"][0] == e["slug"] and c["source"][0] == file
                for c in by["tracker.citation"]
            )
        ]
        r = ArticleRecall(file=file, proposed_projects=len(ex.projects))
        r.fixture_projects = len(fixture_projects)
        r.fixture_events = len(fixture_events)
        pairs = _pair_projects(ex.projects, fixture_projects, links, aliases)
        paired = {id(c) for c, _f in pairs}
        r.matched_projects = len(pairs)
        r.unmatched = [c.name for c in ex.projects if id(c) not in paired]
        matched_codes = {f["code"] for _c, f in pairs}
        r.missed = [
            f"{f['code']} {f['name']}" for f in fixture_projects if f["code"] not in matched_codes
        ]
        for f in fixture_projects:
            r.fixture_partners += len(links[f["code"]])
        for cand, fix in pairs:
            _compare(cand, fix, links[fix["code"]], aliases, r)
        _events(ex.events, fixture_events, r)
        results.append(r)
    return results


def _org_keys(name: str, aliases) -> set[str]:
    key = normalize_name(name)
    return {key} | aliases.get(key, set())


def _pair_projects(candidates, fixtures, links, aliases):
    """Pairs (candidate, fixture): equal names first, then one name holding the other,
    then a candidate's one organisation that is the fixture project's one partner."""
    pairs, used, paired = [], set(), set()

    def free(test):
        for cand in candidates:
            if id(cand) in paired:
                continue
            fix = next((f for f in fixtures if f["code"] not in used and test(cand, f)), None)
            if fix is not None:
                used.add(fix["code"])
                paired.add(id(cand))
                pairs.append((cand, fix))

    def partner_of(cand, fix):
        mine = {normalize_name(p.name) for p in cand.partners if p.role != "local_counterpart"}
        theirs = [k for k, role in links[fix["code"]] if role != "local_counterpart"]
        return len(theirs) == 1 and bool(mine & _org_keys(theirs[0], aliases))

    free(lambda c, f: _key(c.name) == _key(f["name"]))
    free(lambda c, f: _names_match(c.name, f["name"]))
    free(partner_of)
    return pairs


def _compare(cand, fix, fixture_links, aliases, r: ArticleRecall):
    code = fix["code"]
    for k, role in fixture_links:
        hit = next(
            (p for p in cand.partners if normalize_name(p.name) in _org_keys(k, aliases)), None
        )
        if hit is not None:
            r.matched_partners += 1
            if hit.role == "investor" and role != "investor":
                r.rejected.append(f"{code} 合作方 {hit.name}：提出投资方，台账 {role}")
            elif hit.role != role:
                r.differences.append(f"{code} 合作方 {hit.name}：角色 {hit.role}，台账 {role}")
    for name in ("investment", "investment_low", "investment_high"):
        mine, theirs = getattr(cand, name), fix.get(name)
        if mine is not None and (theirs is None or Decimal(mine) != Decimal(theirs)):
            r.rejected.append(f"{code} {name}：提出 {mine}，台账 {theirs}")
        elif mine is None and theirs is not None:
            r.differences.append(f"{code} {name}：未提出，台账 {theirs}")
        elif mine is not None:
            r.agreed.append(f"{code} {name} {mine}（{cand.name}）")
    if cand.date:
        theirs = fix.get(cand.date_field)
        precision = fix.get(cand.date_field + "_precision")
        if theirs is None:
            r.differences.append(f"{code} {cand.date_field}：提出 {cand.date}，台账空")
        elif theirs != cand.date or precision != cand.date_precision:
            r.rejected.append(
                f"{code} {cand.date_field}：提出 {cand.date}/{cand.date_precision}，"
                f"台账 {theirs}/{precision}"
            )
        else:
            r.agreed.append(f"{code} {cand.date_field} {cand.date}（{cand.date_precision}）")
    if Stage.rank(cand.stage) > Stage.rank(fix["stage"]):
        r.rejected.append(f"{code} 阶段：提出 {cand.stage}（“{cand.verb}”），台账 {fix['stage']}")
    elif cand.stage != fix["stage"]:
        r.differences.append(
            f"{code} 阶段：提出 {cand.stage}（“{cand.verb}”），台账 {fix['stage']}"
        )


_DECLARED = (
    "declared_signed_count",
    "declared_signed_investment",
    "declared_promoted_count",
    "declared_promoted_investment",
)


def _events(candidates, fixtures, r: ArticleRecall):
    used = set()
    for cand in candidates:
        fix = next(
            (
                f
                for f in fixtures
                if f["slug"] not in used
                and (
                    _names_match(cand.name, f["name"].replace("（本站拟名）", ""))
                    or _overlap(cand.name, f["name"])
                )
            ),
            None,
        )
        if fix is None:
            r.unmatched.append(f"活动：{cand.name}")
            continue
        used.add(fix["slug"])
        r.matched_events += 1
        for name in _DECLARED:
            mine, theirs = getattr(cand, name), fix.get(name)
            if mine is not None and (theirs is None or Decimal(str(mine)) != Decimal(str(theirs))):
                r.rejected.append(f"活动 {fix['slug']} {name}：提出 {mine}，台账 {theirs}")
            elif mine is not None:
                r.agreed.append(f"活动 {fix['slug']} {name} {mine}")


def _overlap(a: str, b: str) -> bool:
    """Names that share a run of 8 characters (活动 names are printed in several ways)."""
    ka, kb = normalize_name(a), normalize_name(b)
    return any(ka[i : i + 8] in kb for i in range(max(0, len(ka) - 7)))
