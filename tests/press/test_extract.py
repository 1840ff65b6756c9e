"""The extractor's truth rules on short texts, and reading uploads."""

import io
import zipfile

import pytest

from tracker.press import Lexicon, UploadError, extract, read_upload, sentences

REGIONS = [
    (1, "焦作市", "jiaozuo", "city"),
    (2, "解放区", "jiefang", "district"),
    (3, "焦作市5G产业园", "jiaozuo-5g-park", "park"),
    (4, "示范区（高新区）", "shifanqu", "zone"),
    (5, "中原工业设计城", "zhongyuan-design-city", "park"),
]


def lexicon(**orgs):
    return Lexicon.build(
        regions=REGIONS,
        organizations=[
            (pk, name, "", aliases) for pk, (name, aliases) in enumerate(orgs.values(), 1)
        ],
    )


def test_newspaper_line_breaks_and_full_width_spaces_are_dropped_from_the_quote():
    text = "本报讯　10月\n16 日上午，示范区 （高新区）\n召开会议。\n\n会议还研究安排了其他工作。"
    assert [s.text for s in sentences(text)] == [
        "本报讯10月16日上午，示范区（高新区）召开会议。",
        "会议还研究安排了其他工作。",
    ]


def test_a_short_unpunctuated_block_is_the_headline_of_what_follows():
    found = sentences("专题招商 彰显优势\n\n当天签约项目3个。")
    assert found[0].is_headline
    assert found[1].headline == "专题招商彰显优势"


def test_an_events_declared_totals_stay_on_the_event_and_never_on_its_projects():
    text = (
        "10月12日，焦作市对接粤港澳大湾区教育装备产业专题招商推介暨项目签约活动在深圳举行。"
        "当天，该区与相关企业现场签约项目 14 个，总投资额达 142 亿元。"
        "其中，恒大集团河南公司与焦作高新区管委会就合作项目进行了签约。"
    )
    ex = extract(text, lexicon=lexicon(), year=2020)
    (event,) = ex.events
    assert (event.declared_signed_count, event.declared_signed_investment) == (14, "1420000")
    assert event.start_date == "2020-10-12"
    (project,) = ex.projects
    assert project.investment is None
    assert project.stage == "signed"
    assert project.event_key == event.key
    roles = {p.name: p.role for p in project.partners}
    assert roles == {"恒大集团河南公司": "signatory", "焦作高新区管委会": "local_counterpart"}


def test_an_amount_goes_on_the_project_its_sentence_ties_it_to():
    text = (
        "山阳区拟定了焦作国钛科技有限公司与河南理工大学合作总投资5亿元的极薄宽幅钛箔材加工基地、"
        "焦作山久管业有限责任公司与泗阳敏于行精密机械有限公司合作总投资5亿元的年产300万件卡巴铝合金轮毂智能制造基地等两个合作签约项目。"
    )
    ex = extract(text, lexicon=lexicon(), year=2020)
    by_name = {p.name: p for p in ex.projects}
    first = by_name["极薄宽幅钛箔材加工基地"]
    assert (first.investment, first.stage) == ("50000", "agreed")  # 拟定…签约 → 拟签约
    assert {p.name for p in first.partners} == {"焦作国钛科技有限公司", "河南理工大学"}
    second = by_name["年产300万件卡巴铝合金轮毂智能制造基地"]
    assert {p.name for p in second.partners} == {
        "焦作山久管业有限责任公司",
        "泗阳敏于行精密机械有限公司",
    }


def test_a_band_is_proposed_as_low_and_high_never_as_one_amount():
    text = "大力引进风神轮胎股份有限公司共同研制的新一代巨型工程子午线轮胎项目等总投资1000万元至1亿元的重大科技成果7项。"
    (project,) = extract(text, year=2020).projects
    assert (project.investment, project.investment_low, project.investment_high) == (
        None,
        "1000",
        "10000",
    )


def test_a_date_keeps_the_precision_printed():
    text = "9月底，该区与重庆花果山企业管理有限公司签订合作协议，在市5G产业园共同建设焦作市数字经济产业服务中心。"
    (project,) = extract(text, lexicon=lexicon(), year=2020).projects
    assert (project.date, project.date_precision, project.date_field) == (
        "2020-09-01",
        "month",
        "signed_on",
    )
    assert project.region_name == "焦作市5G产业园"  # 市5G产业园 is the park, printed short


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # 力争…签约: striving to sign is not a signing
        (
            "积极促进A公司与华中科技大学合作研发斯卡拉机器人等院地合作项目，力争本月正式合作签约。",
            "negotiating",
        ),
        # 加紧运作, 近期开工: a plan, not a start
        ("大沙河两岸综合开发等重大项目正在加紧运作，近期开工建设。", "negotiating"),
        # 进行…签约 with the fair still ahead: to be signed
        ("在此次洽谈会上，该区将进行焦作慈铭大健康产业园等招商引资项目签约。", "agreed"),
    ],
)
def test_the_stage_is_never_stronger_than_the_weakest_verb(text, stage):
    stages = {p.stage for p in extract(text, year=2020).projects}
    assert stages == {stage}


def test_a_sales_intent_is_no_stage():
    text = "其研究的新一代相控阵雷达关键技术项目已签订供货意向书。"
    assert {p.stage for p in extract(text, year=2020).projects} <= {"lead"}


def test_names_match_existing_organisations_across_widths_and_aliases():
    lex = lexicon(
        a=("木铎（广州）教育科技有限公司", ""), b=("焦作天宝桓祥机械科技有限公司", "天宝桓祥公司")
    )
    assert lex.organization("木铎(广州)教育科技有限公司")[1] == "木铎（广州）教育科技有限公司"
    assert lex.organization("天宝桓祥公司")[1] == "焦作天宝桓祥机械科技有限公司"
    assert lex.organization("木铎教育") is None
    assert lex.region("示范区")[1] == "示范区（高新区）"
    assert lex.region("高新区")[1] == "示范区（高新区）"


def _docx(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", xml)
    return buf.getvalue()


def test_a_docx_is_read_paragraph_by_paragraph():
    text = read_upload("稿件.DOCX", _docx(["标题", "第一段。", "第二段。"]))
    assert text == "标题\n\n第一段。\n\n第二段。"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.pdf", b"%PDF", "只接受"),
        ("a.docx", b"not a zip", "不是有效的"),
        ("a.txt", b"\x00\x01", "不是纯文本"),
        ("a.txt", b"x" * (3 * 1024 * 1024), "超过"),
    ],
)
def test_an_upload_of_the_wrong_type_or_size_is_refused_with_a_reason(name, data, message):
    with pytest.raises(UploadError, match=message):
        read_upload(name, data)


def test_an_xml_bomb_in_a_docx_is_refused():
    xml = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", xml)
    with pytest.raises(UploadError):
        read_upload("a.docx", buf.getvalue())
