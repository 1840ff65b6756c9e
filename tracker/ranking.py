"""考核与排名: the 功效系数法 ranking and the 红黄绿灯 grades, on plain numbers.

Pure functions, no database: ``tracker.scorecard`` counts the projects, this
module turns counts and targets into scores, so the ranking can be checked by
hand (docs/workflow.md, "考核与排名", has a worked example).

The rules, each a table below:

- **完成率** of an indicator = actual ÷ target. An indicator a district has no
  target for (empty, or 0) is not scored for that district.
- **单项得分** (功效系数法) over the districts scored on that indicator:
  ``60 + 40 × (x − min) ÷ (max − min)`` where x is the district's 完成率;
  when every district has the same 完成率 (or only one is scored) each gets 100.
- **总分** = Σ(weight × 单项得分) ÷ Σ(weight) over the indicators the district is
  scored on, so it stays on the 60–100 scale and a target the city did not set
  neither rewards nor punishes anyone. With every target set it is the plain
  weighted sum (the default weights add up to 1).
- **名次**: by 总分, highest first; equal totals share a place (1, 1, 3).
  A district scored on nothing has no total and no place.
- **红黄绿灯** per indicator: 完成率 ÷ 序时进度 (months elapsed ÷ 12), then the
  first row of ``GRADES`` it reaches. For a whole year this is the 完成率 itself.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# Indicator → (label, weight). Order is the column order of the ranking table.
# The weights are the bureau's to set; these defaults follow the usual 通报 emphasis
# on money signed and arrived, then starts and operations, then large projects.
INDICATORS: dict[str, tuple] = {
    "signed_count": (_("签约项目数"), Decimal("0.15")),
    "signed_amount": (_("签约金额"), Decimal("0.20")),
    "started_count": (_("开工项目数"), Decimal("0.15")),
    "operating_count": (_("投产项目数"), Decimal("0.10")),
    "funds_amount": (_("到位资金"), Decimal("0.20")),
    "tier_1_count": (_("亿元以上项目数"), Decimal("0.08")),
    "tier_5_count": (_("5亿元以上项目数"), Decimal("0.05")),
    "tier_10_count": (_("10亿元以上项目数"), Decimal("0.04")),
    "tier_20_count": (_("20亿元以上项目数"), Decimal("0.03")),
}
WEIGHTS: dict[str, Decimal] = {key: weight for key, (_label, weight) in INDICATORS.items()}

# 功效系数法: the floor every scored district gets and the span above it.
BASE, SPAN = Decimal(60), Decimal(40)

# 红黄绿灯: (minimum of 完成率 ÷ 序时进度, grade, label), first match wins.
GRADES = (
    (Decimal("1"), "green", _("绿灯")),
    (Decimal("0.6"), "yellow", _("黄灯")),
    (Decimal("0"), "red", _("红灯")),
)
GRADE_LABELS = {grade: label for _minimum, grade, label in GRADES}


def completion(actual, target) -> Decimal | None:
    """actual ÷ target; ``None`` when there is no target (empty or 0) to complete."""
    if target is None or target == 0:
        return None
    return Decimal(actual or 0) / Decimal(target)


def time_share(month: int) -> Decimal:
    """序时进度: the share of the year gone by the end of ``month``."""
    return Decimal(month) / Decimal(12)


def grade(rate: Decimal | None, *, month: int = 12) -> str | None:
    """The 红黄绿灯 grade of a 完成率 at the end of ``month``; ``None`` without a target."""
    if rate is None:
        return None
    pace = rate / time_share(month)
    for minimum, name, _label in GRADES:
        if pace >= minimum:
            return name
    return GRADES[-1][1]


def efficacy_scores(values: dict) -> dict:
    """单项得分 of each key: 60 + 40 × (x − min) ÷ (max − min); all equal → 100 each."""
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    if high == low:
        return {key: BASE + SPAN for key in values}
    return {key: BASE + SPAN * (x - low) / (high - low) for key, x in values.items()}


@dataclass
class Ranked:
    key: object
    rates: dict = field(default_factory=dict)  # indicator → 完成率 (only those with a target)
    scores: dict = field(default_factory=dict)  # indicator → 单项得分
    total: Decimal | None = None
    place: int | None = None


def rank(progress: dict, weights: dict | None = None) -> list[Ranked]:
    """Score and order districts.

    ``progress`` is ``{district: {indicator: (actual, target)}}``; ``weights``
    defaults to ``WEIGHTS``. Returns every district, ranked ones first by place,
    then the unscored ones in the order given.
    """
    weights = WEIGHTS if weights is None else weights
    rows = {key: Ranked(key) for key in progress}
    for key, figures in progress.items():
        for indicator, (actual, target) in figures.items():
            rate = completion(actual, target)
            if rate is not None and indicator in weights:
                rows[key].rates[indicator] = rate
    for indicator in weights:
        scored = {key: r.rates[indicator] for key, r in rows.items() if indicator in r.rates}
        for key, score in efficacy_scores(scored).items():
            rows[key].scores[indicator] = score
    for row in rows.values():
        weight = sum((weights[i] for i in row.scores), Decimal(0))
        if weight:
            row.total = sum((weights[i] * s for i, s in row.scores.items()), Decimal(0)) / weight
    ranked = sorted((r for r in rows.values() if r.total is not None), key=lambda r: -r.total)
    for position, row in enumerate(ranked, start=1):
        previous = ranked[position - 2] if position > 1 else None
        row.place = previous.place if previous and previous.total == row.total else position
    return ranked + [r for r in rows.values() if r.total is None]
