"""The article fixtures: faithful to the sources, complete, and idempotent to load."""

import json
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings

from tracker.choices import Stage
from tracker.models import Citation, Event, Organization, Project, Source
from tracker.services.fixtures import articles_load


@pytest.fixture
def articles(articles_in_module, db):
    """Every test here reads the articles: load them once for the module (see conftest)."""
    return articles_in_module


_WS = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _WS.sub("", text)


def _snapshot():
    """Every row of every tracker model, as plain values."""
    return {
        model._meta.label: sorted(
            (tuple(sorted((k, str(v)) for k, v in row.items())) for row in model.objects.values()),
        )
        for model in apps.get_app_config("tracker").get_models()
    }


def test_seed_files_are_the_articles_unchanged():
    shared = settings.BASE_DIR.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    for original in shared.glob("*.txt"):
        assert (settings.SEEDS_DIR / original.name).read_bytes() == original.read_bytes()


def test_every_citation_quote_is_found_verbatim_in_its_article(articles):
    texts = {s.pk: _squash(s.path.read_text(encoding="utf-8")) for s in Source.objects.all()}
    missing = [
        (c.source.file, c.quote)
        for c in Citation.objects.select_related("source")
        if _squash(c.quote) not in texts[c.source_id]
    ]
    assert missing == []


def test_every_project_event_and_organization_cites_an_article(articles):
    assert not Project.objects.filter(citations__isnull=True).exists()
    assert not Event.objects.filter(citations__isnull=True).exists()
    assert not Organization.objects.filter(citations__isnull=True).exists()


def test_fixtures_hold_the_articles_records(articles):
    assert Project.objects.count() >= 40
    assert Organization.objects.count() >= 50
    assert Source.objects.count() == 5
    assert set(Source.objects.values_list("file", flat=True)) == {
        p.name for p in settings.SEEDS_DIR.glob("*.txt")
    }


def test_loading_fixtures_twice_changes_nothing(articles):
    before = _snapshot()
    second = articles_load()
    assert not second.changed
    assert _snapshot() == before


def test_shenzhen_event_keeps_declared_figures_apart_from_its_projects(articles):
    event = Event.objects.get(start_date="2020-10-12")
    assert event.declared_signed_count == 14
    assert event.declared_signed_investment == Decimal("1420000")  # 142亿元 in 万元
    projects = event.projects.all()
    # The article names 12 of the 14 signings and gives none of their amounts.
    assert projects.count() == 12
    assert all(p.investment is None for p in projects)
    assert all(p.stage == Stage.SIGNED for p in projects)
    names = {org.name for p in projects for org in p.partners.all()}
    assert "木铎(广州)教育科技有限公司" in {n.replace("（", "(").replace("）", ")") for n in names}


def test_stated_amounts_are_kept_to_the_wan_yuan(articles):
    mengniu = Project.objects.get(name__contains="蒙牛")
    assert mengniu.investment == Decimal("105000")  # 10.5亿元
    band = Project.objects.get(name__contains="子午线轮胎")
    assert band.investment is None
    assert (band.investment_low, band.investment_high) == (Decimal("1000"), Decimal("10000"))


def test_an_edited_fixture_updates_only_what_changed(articles, tmp_path):
    project = Project.objects.get(name__contains="蒙牛")
    created_at = project.created_at
    edited = tmp_path / "edit.json"
    record = {
        "model": "tracker.project",
        "fields": {
            "code": project.code,
            "name": "焦作蒙牛四期项目（更正）",
            "region": ["jiaozuo"],
            "stage": "operating",
            "investment": "105000",
        },
    }
    edited.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    report = articles_load(paths=[edited])
    assert report.updated == {"tracker.Project": 1}
    project.refresh_from_db()
    assert project.name == "焦作蒙牛四期项目（更正）"
    assert project.created_at == created_at
    assert project.history.count() == 2  # loaded, then corrected: one history row each


# --- Issue 13: stages, roles, stories and names a careful reader accepts ----------------


def _quotes(project) -> list[str]:
    return [_squash(c.quote) for c in project.citations.all()]


def test_every_project_is_staged_by_a_verb_of_the_table_found_in_its_sentence(articles):
    from tracker.verbs import STAGE_MARKER, stage_for

    labels = {str(label): code for code, label in Stage.choices}
    wrong = []
    for project in Project.objects.prefetch_related("citations"):
        mark = STAGE_MARKER.search(project.note)
        if mark is None:
            wrong.append((project.code, "no 阶段依据 marker"))
            continue
        verb, weaker = mark["verb"], mark["weaker"]
        if not any(verb in q for q in _quotes(project)):
            wrong.append((project.code, f"{verb} not in its citations"))
        elif weaker is None and project.stage != stage_for(verb):
            wrong.append((project.code, f"{project.stage} but {verb} → {stage_for(verb)}"))
        elif weaker is not None and (
            labels.get(weaker) != project.stage
            or Stage.rank(project.stage) >= Stage.rank(stage_for(verb))
        ):
            wrong.append((project.code, f"{weaker} is not a weaker reading of {verb}"))
    assert wrong == []


def test_docs_show_the_verb_table_the_code_holds():
    from tracker.verbs import VERB_STAGES

    doc = (settings.BASE_DIR / "docs" / "fixtures.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\S+) \| `(\w+)` ", doc, flags=re.M)
    assert dict(rows) == {verb: str(stage) for verb, (stage, _) in VERB_STAGES.items()}


def test_an_investor_role_only_where_its_sentence_says_the_partner_invests(articles):
    from tracker.choices import PartnerRole
    from tracker.models import ProjectPartner

    unstated = [
        (pp.project.code, pp.organization.name)
        for pp in ProjectPartner.objects.filter(role=PartnerRole.INVESTOR).select_related(
            "project", "organization"
        )
        if not any("投资" in q for q in _quotes(pp.project))
    ]
    assert unstated == []


def test_a_courted_or_visited_partner_is_named_not_given_a_role(articles):
    # 大唐电信 was only 对接-ed on a trip: 相关方, not 投资方.
    project = Project.objects.get(code="JZ-2020-0009")
    assert list(project.project_partners.values_list("role", flat=True)) == ["named"]


def test_every_story_headline_is_printed_in_its_article(articles):
    texts = {s.pk: _squash(s.path.read_text(encoding="utf-8")) for s in Source.objects.all()}
    headlines = set(Citation.objects.exclude(headline="").values_list("source_id", "headline"))
    assert {src for src, _ in headlines} >= set(
        Source.objects.filter(file__regex=r"^00[014]_").values_list("pk", flat=True)
    )
    assert [h for src, h in headlines if _squash(h) not in texts[src]] == []


def test_a_quote_names_the_story_it_comes_from(articles, client):
    project = Project.objects.get(name__contains="DLC金刚石")
    assert {c.headline for c in project.citations.all()} == {"示范区科创环境持续优化"}
    page = client.get(project.get_absolute_url()).content.decode()
    assert "示范区科创环境持续优化" in page
    api = client.get(f"/api/projects/{project.code}/").json()
    assert [s["headline"] for s in api["sources"]] == ["示范区科创环境持续优化"]


def test_titles_not_printed_in_an_article_are_marked_as_our_own(articles):
    texts = {s.pk: _squash(s.path.read_text(encoding="utf-8")) for s in Source.objects.all()}
    everything = "".join(texts.values())
    unmarked = [s.title for s in Source.objects.all() if _squash(s.title) not in texts[s.pk]]
    unmarked += [e.name for e in Event.objects.all() if _squash(e.name) not in everything]
    assert [t for t in unmarked if not re.search(r"（本站拟(题|名)）$", t)] == []


def test_our_own_summaries_say_so_on_the_public_pages(articles, client):
    """Project and event summaries are written by us from the articles: the page says so."""
    event = Event.objects.exclude(summary="").first()
    project = Project.objects.public().exclude(summary="").first()
    assert "活动概况由本站据下列报道整理" in client.get(event.get_absolute_url()).content.decode()
    assert "建设内容由本站据下列报道整理" in client.get(project.get_absolute_url()).content.decode()


def test_one_park_one_record_and_its_page_says_it_is_the_park(articles, client):
    assert list(
        Project.objects.filter(name__startswith="中原工业设计城").values_list("code", flat=True)
    ) == ["JZ-2020-0052"]
    park = Project.objects.get(code="JZ-2020-0052")
    assert park.region.name == park.name and park.region.kind == "park"
    assert "本项目即该园区自身" in client.get(park.get_absolute_url()).content.decode()


def test_moving_into_a_park_is_not_recorded_as_starting_construction(articles):
    from tracker.verbs import STAGE_MARKER

    moved_in = [p for p in Project.objects.all() if STAGE_MARKER.search(p.note)["verb"] == "入驻"]
    assert moved_in
    assert [p.code for p in moved_in if p.started_on] == []


@pytest.mark.parametrize("printed", ["天宝恒祥", "河南工信学院", "同天公司"])
def test_a_public_search_for_a_printed_alias_finds_the_partner(articles, client, printed):
    org = Organization.objects.get(aliases__contains=printed)
    page = client.get("/partners/", {"q": printed}).content.decode()
    assert org.name in page
    assert printed in client.get(org.get_absolute_url()).content.decode()
    api = client.get("/api/partners/", {"q": printed}).json()
    assert any(printed in row["aliases"] for row in api["results"])


def test_a_two_character_term_found_only_in_an_alias_finds_the_partner(articles, client):
    # "恒祥" is in the printed alias 天宝恒祥, not in the name 焦作天宝桓祥…: the short-term
    # indexes (SQLite's character table, PostgreSQL's short grams) must hold aliases.
    page = client.get("/partners/", {"q": "恒祥"}).content.decode()
    assert "焦作天宝桓祥机械科技有限公司" in page
    projects = client.get("/projects/", {"q": "恒祥"}).content.decode()
    assert "天宝桓祥公司与中国矿业大学邓福铭合作" in projects
