"""Finding names in a sentence: organisations, enumerations, projects, events.

Rules, not a segmenter: the names these reports print end in a small set of
suffixes (有限公司, 大学, 产业园, 项目 …), lists are joined by 、 and closed by
"等<kind>", and the words that open a name's left edge (与, 对接了, 引进 …) are
few. A general-purpose segmenter splits the long company and project names
these articles print (重庆花果山企业管理有限公司 → 重庆/花果山/企业管理/有限公司)
and does not know which token starts the name, so it would still need these
rules; see docs/press.md for the comparison.
"""

import re

_NAME_CHARS = r"[\u4e00-\u9fffA-Za-z0-9·（）()\-]"
ORG_SUFFIXES = (
    "有限责任公司",
    "股份有限公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
    "大学",
    "学院",
    "研究设计院",
    "研究院",
    "研究所",
    "促进会",
    "管委会",
    "人民政府",
    "频道",
    "协会",
    "设计院",
)
_ORG = re.compile(
    _NAME_CHARS
    + r"{2,40}?(?:"
    + "|".join(s if s != "集团" else r"集团(?![\u4e00-\u9fff]{1,4}公司)" for s in ORG_SUFFIXES)
    # 北京橡胶工业研究设计院有限公司: a company named after an institute keeps its 有限公司.
    + r")(?:有限责任公司|股份有限公司|有限公司)?"
)
# Words that open a name's left edge; stripped from the front of a span, longest first.
_LEAD_WORDS = sorted(
    {
        "其中",
        "该区",
        "该园区",
        "该公司",
        "同时",
        "此外",
        "目前",
        "并",
        "还",
        "已",
        "也",
        "与",
        "和",
        "及",
        "同",
        "对接了",
        "对接",
        "拜访了",
        "拜访",
        "引进了",
        "引进",
        "对接引进",
        "到",
        "赴",
        "由",
        "积极",
        "先后",
        "深入",
        "聘请",
        "依托",
        "促进",
        "包括",
        "进行",
        "确定了",
        "确定",
        "拟定了",
        "拟定",
        "进行了",
        "大力引进",
        "还大力引进",
        "重点",
        "新入驻企业",
        "入驻",
        "首批",
        "分别是",
        "是",
        "为",
        "在",
        "了",
        "就",
        "以",
        "通过",
        "推动",
        "支持",
        "组织",
        "带领",
        "邀请",
        "考察",
        "参观",
        "推进",
        "加快",
        "正在",
        "主要",
        "我市",
        "充分发挥",
        "的",
        "发挥",
        "积极促进",
        "等",
        "将",
        "与此同时",
        "特别是",
        "共建",
        "运营商",
        "专业运营商",
        "成",
    },
    key=len,
    reverse=True,
)
# Words after which a name starts, wherever they stand in a span ("山阳区拟定了焦作国钛…").
_CUES = (
    "拟定了",
    "确定了",
    "对接了",
    "拜访了",
    "引进了",
    "包括",
    "其中",
    "聘请",
    "依托",
    "促进",
    "对接",
    "引进",
    "拜访",
    "考察",
    "到",
    "赴",
    "与",
    "集群企业",
    "龙头企业",
    "入园企业",
    "进行",
    "推动",
    "签订",
    "签约",
    "汇聚了",
    "创造了",
    "共同建设",
    "合作研发",
)


def cut_after_cue(span: str) -> str:
    """What follows the last cue word in ``span`` (the whole span when none leaves a name)."""
    best = span
    for cue in _CUES:
        i = span.rfind(cue)
        if i >= 0 and len(span) - i - len(cue) >= 2:
            rest = span[i + len(cue) :]
            if len(rest) < len(best):
                best = rest
    return best


def strip_lead(span: str) -> str:
    """``span`` without the words that open it ("该区与重庆…公司" → "重庆…公司")."""
    changed = True
    while changed and span:
        changed = False
        for word in _LEAD_WORDS:
            if span.startswith(word) and len(span) - len(word) >= 2:
                span = span[len(word) :]
                changed = True
                break
    if span.count("“") != span.count("”"):
        span = span.strip("“”")
    return span


def organizations_in(text: str) -> list[str]:
    """Organisation names ending in a known suffix, as printed, left to right."""
    names = []
    for chunk in re.split(r"[，。；：、！？“”《》,;:]|与|由|的|及(?=[\u4e00-\u9fff])", text):
        previous_end = -1
        for m in _ORG.finditer(chunk):
            # "等科创公司" is a kind; "中国科学院院士" a person's title; "河南理工大学计算机学院"
            # is one organisation's school, not a second partner.
            after_another = m.start() == previous_end
            previous_end = m.end()
            if m.group(0).startswith("等") or chunk[m.end() : m.end() + 2] == "院士":
                continue
            name = strip_lead(cut_after_cue(m.group(0)))
            if after_another and name == m.group(0):
                continue
            if _plausible_org(name):
                names.append(name)
    return _unique(names)


def _plausible_org(name: str) -> bool:
    if any(name == s or name == "等" + s for s in ORG_SUFFIXES):
        return False
    if len(name) < 4 or name.startswith(
        ("该", "本", "各", "相关", "一家", "多家", "这", "其", "自")
    ):
        return False
    if any(w in name for w in ("将", "成为", "是", "就")) or re.search(r"\d+[年月日]", name):
        return False
    return not re.match(r"^\d", name)


# "A、B、C等<kind>": what closes a list and what its items are.
PROJECT_KINDS = ("高科技项目", "服务业项目", "招商引资项目", "院地合作项目", "重大项目", "项目")
ORG_KINDS = (
    "项目企业",
    "科创公司",
    "重点企业",
    "城市运营商",
    "央企",
    "院校",
    "高校",
    "科研院所",
    "高等院校",
    "教育行业龙头企业",
    "企业",
    "单位",
)
_LIST = re.compile(
    r"(?P<items>(?:[^，。；：、！？,;:]{2,40}、)*[^，。；：、！？,;:]{2,40}?)等"
    r"(?:一批|多家|\d+余?[家所个])?"
    r"(?P<kind>" + "|".join(sorted(PROJECT_KINDS + ORG_KINDS, key=len, reverse=True)) + r")"
)
# "分别是A、B、C" after a count of promoted projects: the rest of the sentence is the list.
_NAMED_LIST = re.compile(r"分别是(?P<items>[^。；]+)")


def enumerations(text: str) -> list[tuple[str, list[str]]]:
    """(what the items are: "project" | "org", items) for each list the sentence prints."""
    found = []
    for m in _LIST.finditer(text):
        raw = m.group("items").split("、")
        raw[0] = cut_after_cue(raw[0])
        items = [_trim_item(strip_lead(i)) for i in raw if i]
        kind = "project" if m.group("kind") in PROJECT_KINDS else "org"
        found.append((kind, [i for i in items if len(i) >= 2]))
    for m in _NAMED_LIST.finditer(text):
        items = [strip_lead(i.strip("。")) for i in m.group("items").split("、")]
        found.append(("project", [i for i in items if len(i) >= 2]))
    return found


def _trim_item(item: str) -> str:
    # "焦作信产投项目2个月落地" → "焦作信产投项目"; a trailing clause after the name goes.
    m = re.match(r"(.+?项目)\d", item)
    return m.group(1) if m else item


_PROJECT_SUFFIX = r"(?:项目|基地|中心|平台|产业园|工程|小镇|研究院|综合体)"
# "总投资5亿元的极薄宽幅钛箔材加工基地", "投资10.5亿元打造的焦作蒙牛四期项目": an amount stated for the name.
AMOUNT_OF = re.compile(
    r"(?:总投资|投资)(?:额)?(?:达|约|为)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>亿元|万元)(?:打造|建设)?的"
    r"(?P<name>" + _NAME_CHARS + r"{2,40}?" + _PROJECT_SUFFIX + r")"
)
# "数字化检验检测公共服务平台建设项目计划投资1000万元": the name, then its own amount.
NAME_THEN_AMOUNT = re.compile(
    r"(?P<name>" + _NAME_CHARS + r"{4,40}?项目)(?:计划|总)?投资(?:额)?(?:达|约|为)?\s*"
    r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>亿元|万元)"
)
# "建设焦作市数字经济产业服务中心", "共建高端传感应用研究院": a name after a building verb.
BUILT = re.compile(
    r"(?:共同建设|建设|共建|打造|引进|推进|建成)(?P<name>"
    + _NAME_CHARS
    + r"{3,30}?"
    + _PROJECT_SUFFIX
    + r")(?!师)"
)
# "焦作信产投项目", "中国巴西足球文化中心·中原基地项目": a name closed by 项目 after a break.
NAMED_PROJECT = re.compile(
    r"(?:^|[，、；：“”,;:])(?P<name>" + _NAME_CHARS + r"{3,40}?项目)(?!标|签约活动|签约仪式)"
)
# "焦作地理信息产业园开园", "焦作市二医院高新区医院、韩公教育园区正加快建设": names, then their verb.
_SUBJECT_SUFFIX = r"(?:项目|基地|中心|平台|产业园|科技园|园区|工程|小镇|医院|大厦|新城|智谷)"
SUBJECT_VERB = re.compile(
    r"(?:^|[，。；：,;:])(?P<items>[^，。；：,;:]{3,80}?" + _SUBJECT_SUFFIX + r")"
    r"(?:正加快建设|正在加快建设|加快建设|开园|揭牌|建成|投产|开工建设|开工|投入使用|正在建设)(?!师)"
)


def subjects(text: str) -> list[str]:
    out = []
    for m in SUBJECT_VERB.finditer(text):
        for item in m.group("items").split("、"):
            item = strip_lead(cut_after_cue(item))
            if re.search(_SUBJECT_SUFFIX + "$", item):
                out.append(item)
    return out


_GENERIC = re.compile(
    r"^(?:该|此|其|本|一批|重点|重大|合作|相关|招商|产业|特色载体|二期|一期|签约|院地合作|投资|建设|"
    r"科技|各类|首批|\d)"
)


_NOT_IN_A_NAME = (
    "听取",
    "完成",
    "要",
    "抓",
    "确保",
    "实施",
    "培育",
    "突出",
    "坚持",
    "力争",
    "成为",
    "获",
    "主持",
    "奏响",
    "围绕",
    "开展",
    "推进",
    "加快",
    "参加",
    "组织",
    "牵头",
    "一个",
    "各类",
    "一批",
    "一些",
    "等",
    "引领型",
    "为主要抓手",
    "现场",
    "仪式",
    "期间",
    "活动",
    "以及",
    "对接",
    "争取",
    "洽谈项目",
)


def plausible_project(name: str) -> bool:
    name = name.strip("“”")
    if len(name) < 4 or _GENERIC.match(name):
        return False
    if any(w in name for w in _NOT_IN_A_NAME):
        return False
    if name.count("（") + name.count("(") != name.count("）") + name.count(")"):
        return False
    if re.search(r"\d+[年月日]", name) or name.startswith("自"):
        return False
    return not any(
        w in name for w in ("投资规模", "合作项目", "成果项目", "产业化项目", "人才项目")
    )


EVENT_SUFFIX = r"(?:活动|大会|对接会|洽谈会|推介会|博览会|签约仪式)"
_EVENT = re.compile(r"(?P<name>[^，。；：、“”,;:]{4,70}?" + EVENT_SUFFIX + r")")
# An event's name, not a description of one: it names its place, edition or joins two titles.
_PROPER = ("焦作", "首届", "暨", "深圳", "粤港澳", "我市")
_EVENT_WORDS = ("招商", "签约", "洽谈", "推介", "对接", "博览")


def events_in(text: str) -> list[str]:
    names = []
    for m in _EVENT.finditer(text):
        name = m.group("name")
        for cue in (
            "将举办",
            "举办",
            "举行",
            "召开",
            "参加",
            "牵头组织",
            "组织",
            "开展",
            "在此次",
            "此次",
        ):
            if cue in name:
                name = name.rsplit(cue, 1)[1]
        name = strip_lead(name)
        if (
            len(name) >= 8
            and any(w in name for w in _EVENT_WORDS)
            and any(w in name for w in _PROPER)
            and not re.match(r"^[\d一二三四五六七八九十]+[场届次]|^的", name)
            and "情况" not in name
            and "和" not in name
        ):
            names.append(name)
    return _unique(names)


def _unique(names):
    seen, out = set(), []
    for n in names:
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out
