"""Which stage an article's verb supports: the one table the fixtures and any extractor use.

A project's stage is never stronger than the words its source uses. Each entry
maps a verb (or a short fixed phrase) as printed to the strongest stage it
supports; where a sentence could be read two ways the record takes the weaker
reading and says so. ``docs/fixtures.md`` shows this same table (a test checks
they agree), and every fixture project names, in its note, the verb it was
staged by (``STAGE_MARKER``), so ``tests/services/test_fixtures.py`` can hold it to the table.

Pure Python, no Django models: a press-report extractor can import it as is.
"""

import re

from .choices import Stage, Status

# verb as printed → (stage, what it means). Longer phrases first where one contains
# another ("考察对接" before "对接"), so ``verbs_in`` finds the most specific.
VERB_STAGES: dict[str, tuple[str, str]] = {
    "对接": (Stage.LEAD, "courted or matched; no project agreed"),
    "拜访": (Stage.LEAD, "visited"),
    "考察": (Stage.LEAD, "inspected on a visit"),
    "深度交流": (Stage.LEAD, "talks with a company, no project named"),
    "推介": (Stage.PROMOTED, "listed as a project the district promotes"),
    "洽谈": (Stage.NEGOTIATING, "in negotiation"),
    "深度沟通": (Stage.NEGOTIATING, "in-depth talks on a named project"),
    "谋划": (Stage.NEGOTIATING, "being planned"),
    "计划": (Stage.NEGOTIATING, "a plan, nothing signed or begun"),
    "加紧运作": (Stage.NEGOTIATING, "being worked on; 近期开工 is a plan, not a start"),
    "力争": (Stage.NEGOTIATING, "striving to sign: not yet agreed"),
    "拟定": (Stage.AGREED, "fixed to be signed (e.g. at the coming fair)"),
    "确定": (Stage.AGREED, "decided to be signed"),
    "拟签约": (Stage.AGREED, "to be signed"),
    "引进": (Stage.AGREED, "brought in: cooperation decided, no signing reported"),
    "签约": (Stage.SIGNED, "an agreement reported as signed"),
    "签订": (Stage.SIGNED, "an agreement reported as signed"),
    "签署": (Stage.SIGNED, "an agreement reported as signed"),
    "达成合作": (Stage.SIGNED, "cooperation agreed; no ceremony reported"),
    "入驻": (Stage.CONSTRUCTION, "moved into a park (landed); not construction begun"),
    "落地": (Stage.CONSTRUCTION, "landed"),
    "开工": (Stage.CONSTRUCTION, "construction started"),
    "在建": (Stage.CONSTRUCTION, "under construction"),
    "加快建设": (Stage.CONSTRUCTION, "being built"),
    "共建": (Stage.CONSTRUCTION, "being built together"),
    "共同开展": (Stage.CONSTRUCTION, "work under way together, not finished"),
    "中试": (Stage.CONSTRUCTION, "pilot run done, no volume production reported"),
    "试运行": (Stage.CONSTRUCTION, "trial run, not yet accepted"),
    "正在进行": (Stage.CONSTRUCTION, "works in progress"),
    "建成": (Stage.OPERATING, "built"),
    "投产": (Stage.OPERATING, "in production"),
    "全速生产": (Stage.OPERATING, "producing"),
    "开园": (Stage.OPERATING, "park opened"),
    "揭牌": (Stage.OPERATING, "opened (plaque unveiled)"),
    "投入使用": (Stage.OPERATING, "in use"),
    "通过验收": (Stage.OPERATING, "accepted as finished"),
    "完成了": (Stage.OPERATING, "carried out and finished"),
    "做大做强": (Stage.OPERATING, "operating and growing"),
    "增强了": (Stage.OPERATING, "carried out, with results reported"),
}

# In a project's note: 阶段依据：“签约”。 or, where the sentence could be read two
# ways and the record takes the weaker reading, 阶段依据：“签约”（歧义，取拟签约）。
STAGE_MARKER = re.compile(r"阶段依据：“(?P<verb>[^”]+)”(?:（歧义，取(?P<weaker>[^）]+)）)?")


def stage_for(verb: str) -> str:
    """The stage ``verb`` supports; KeyError for a verb the table does not hold."""
    return VERB_STAGES[verb][0]


def verbs_in(text: str) -> list[str]:
    """The table's verbs found in ``text``, a phrase hiding the shorter verbs inside it."""
    found = [v for v in VERB_STAGES if v in text]
    return [v for v in found if not any(v != w and v in w for w in found)]


def marker(verb: str, weaker: str = "") -> str:
    """The note marker for a record staged by ``verb`` (``weaker``: the stage label taken)."""
    return f"阶段依据：“{verb}”" + (f"（歧义，取{weaker}）" if weaker else "") + "。"


# --- A ledger's own words ---------------------------------------------------------------------
# What offices type in a ledger's 项目阶段 cell, beyond the labels and the verbs above
# (``ledger_stage_words`` adds those): the state a word names, never a stronger one.
LEDGER_STAGE_WORDS: dict[str, str] = {
    "储备": Stage.LEAD,
    "储备项目": Stage.LEAD,
    "意向": Stage.LEAD,
    "在谈": Stage.NEGOTIATING,
    "洽谈中": Stage.NEGOTIATING,
    "待签约": Stage.AGREED,
    "拟签": Stage.AGREED,
    "已签": Stage.SIGNED,
    "已签约": Stage.SIGNED,
    "已签订": Stage.SIGNED,
    "已开工": Stage.CONSTRUCTION,
    "已落地": Stage.CONSTRUCTION,
    "建设中": Stage.CONSTRUCTION,
    "竣工": Stage.OPERATING,
    "已竣工": Stage.OPERATING,
    "已建成": Stage.OPERATING,
    "已投产": Stage.OPERATING,
    "运营": Stage.OPERATING,
}
# What offices type in a ledger's 项目状态 cell, beyond the labels.
LEDGER_STATUS_WORDS: dict[str, str] = {
    "正常推进": Status.ON_TRACK,
    "推进中": Status.ON_TRACK,
    "顺利": Status.ON_TRACK,
    "进度滞后": Status.DELAYED,
    "延期": Status.DELAYED,
    "暂停": Status.STALLED,
    "搁置": Status.STALLED,
    "停工": Status.STALLED,
    "取消": Status.CANCELLED,
    "已终止": Status.CANCELLED,
    "放弃": Status.CANCELLED,
    "外流": Status.LOST,
    "已流失": Status.LOST,
}


# Verbs that only make sense inside an article's sentence, never alone in a cell.
_SENTENCE_ONLY = frozenset(
    {"完成了", "增强了", "做大做强", "加紧运作", "力争", "深度交流", "深度沟通", "共同开展"}
    | {"正在进行", "确定", "计划", "共建"}
)


def ledger_stage_words() -> dict[str, str]:
    """Every word a 项目阶段 cell may hold → stage: the verbs above, then the ledger's own."""
    words = {v: stage for v, (stage, _m) in VERB_STAGES.items() if v not in _SENTENCE_ONLY}
    words.update(LEDGER_STAGE_WORDS)
    return words
