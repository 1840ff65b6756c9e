"""The article fixtures: faithful to the sources, complete, and idempotent to load."""

import json
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings

from tracker.choices import Stage
from tracker.models import Citation, Event, Organization, Project, Source
from tracker.services import articles_load

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
