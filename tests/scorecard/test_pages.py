"""The 考核与排名 and 活动履约 admin pages, the public event page's follow-through, and
their query budgets."""

from datetime import date
from decimal import Decimal as D
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user
from tracker.permissions import ADMIN_GROUP, EDITOR_GROUP, READER_GROUP

from .builders import district, funds, moved, signed, target

pytestmark = pytest.mark.django_db

RANKING = "admin:tracker_project_ranking"
FOLLOWTHROUGH = "admin:tracker_project_followthrough"


def seed(world, n, name="马村区", targets=True):
    """``n`` signed projects per district, a third started, some funded, targets for all."""
    macun = district(world, name, f"macun-{n}")
    world.fair.declared_signed_count = 9
    world.fair.declared_signed_investment = D(900000)
    world.fair.save()
    for region in (world.jiefang, world.park, world.shanyang, macun):
        for i in range(n):
            p = signed(world, region, None if i % 4 == 0 else 10000 * (i + 1), event=world.fair)
            if i % 3 == 0:
                moved(p, "construction", date(2026, 5, 1))
            if i % 2 == 0:
                funds(p, date(2026, 6, 1), 1000)
    for region in (world.jiefang, world.shanyang, macun) if targets else ():
        target(region, signed_count=n, signed_amount=D(100000) * n, funds_amount=D(1000) * n)
    return macun


@pytest.mark.parametrize("role", ["reader", "editor", "manager", "superuser"])
def test_every_staff_role_sees_the_ranking_and_the_follow_through(client, world, role):
    seed(world, 2)
    groups = {"reader": READER_GROUP, "editor": EDITOR_GROUP, "manager": ADMIN_GROUP}
    user = make_user(
        role,
        group=groups.get(role),
        regions=[world.shanyang] if role == "editor" else (),
        superuser=role == "superuser",
    )
    client.force_login(user)
    ranking = client.get(reverse(RANKING), {"year": 2026})
    assert ranking.status_code == 200
    # An editor of one district still sees every district: the ranking is the city's.
    assert {row["district"].name for row in ranking.context["rows"]} >= {"解放区", "山阳区"}
    assert client.get(reverse(FOLLOWTHROUGH)).status_code == 200


def test_the_pages_are_for_staff_only(client, world):
    url = reverse(RANKING)
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(make_user("someone", staff=False))
    assert client.get(url).status_code == 302


def test_each_number_links_to_the_projects_it_counts(staff, world):
    seed(world, 3)
    response = staff.get(reverse(RANKING), {"year": 2026, "month": 6})
    checked = 0
    for row in response.context["rows"]:
        for cell in row["cells"]:
            if cell["key"] not in {"signed_count", "started_count", "funds_amount", "tier_1_count"}:
                continue
            listed = staff.get(cell["url"])
            assert listed.status_code == 200, cell["url"]
            count = row["district"].counts[cell["key"]]  # for an amount: the projects summed
            assert listed.context["cl"].result_count == count, (row["district"].name, cell)
            if not cell["is_amount"]:
                assert count == cell["value"]
            checked += 1
    assert checked >= 12
    # 解放区 (with its park): 6 signed, 4 of them started in May (i = 0 in each region… and 3).
    jiefang = next(r for r in response.context["rows"] if r["district"].name == "解放区")
    started = next(c for c in jiefang["cells"] if c["key"] == "started_count")
    assert started["value"] == 2
    params = parse_qs(urlparse(started["url"]).query)
    assert params == {
        "region_tree": [str(world.jiefang.pk)],
        "scorecard": ["2026-06:started_count"],
    }


def test_a_bad_figure_in_the_link_lists_nothing(staff, world):
    seed(world, 1)
    url = reverse("admin:tracker_project_changelist")
    assert staff.get(url, {"scorecard": "2026:nonsense"}).context["cl"].result_count == 0


def test_follow_through_page_keeps_declared_figures_apart(staff, world):
    seed(world, 3)
    response = staff.get(reverse(FOLLOWTHROUGH))
    row = next(r for r in response.context["rows"] if r["card"].event == world.fair)
    card = row["card"]
    assert card.event.declared_signed_count == 9
    assert card.itemised == 12 and card.signed == 12
    assert card.started == 4  # i = 0 in each of the four regions
    listed = staff.get(row["links"]["started"])
    assert listed.context["cl"].result_count == 4
    # Declared, shown as declared (Chinese numbers are not grouped by thousands).
    assert '<td class="num declared">9<span class="sub">900000</span>' in response.content.decode()


@pytest.mark.parametrize("name", [RANKING, FOLLOWTHROUGH])
def test_the_pages_run_a_fixed_number_of_queries(staff, world, name, django_assert_max_num_queries):
    seed(world, 1)
    staff.get(reverse(name))  # warm the session
    with django_assert_max_num_queries(9) as small:
        staff.get(reverse(name), {"year": 2026})
    seed(world, 12, name="武陟县", targets=False)
    with django_assert_max_num_queries(len(small.captured_queries)):
        staff.get(reverse(name), {"year": 2026})


def test_public_event_page_shows_started_and_operating_but_no_funds(client, world, settings):
    settings.FUNDS_PUBLIC_AGGREGATE = False
    seed(world, 3)
    response = client.get(world.fair.get_absolute_url())
    assert response.status_code == 200
    shown = response.context["followthrough"]
    assert (shown["signed"], shown["started"]) == (12, 4)
    assert "funds" not in shown
    html = response.content.decode()
    assert "签约项目进展" in html and "到位资金" not in html


def test_public_event_page_shows_funds_in_aggregate_when_the_bureau_publishes_them(
    client, world, settings
):
    settings.FUNDS_PUBLIC_AGGREGATE = True
    seed(world, 3)
    response = client.get(world.fair.get_absolute_url())
    shown = response.context["followthrough"]
    assert shown["funds"] == D(8000)  # i = 0 and 2 in each of four regions, 1000 each
    html = response.content.decode()
    assert "到位资金（合计）" in html


def test_public_event_page_counts_public_projects_only(client, world, settings):
    settings.FUNDS_PUBLIC_AGGREGATE = True
    hidden = signed(world, world.jiefang, 10000, event=world.fair, is_public=False)
    moved(hidden, "construction", date(2026, 5, 1))
    funds(hidden, date(2026, 6, 1), 5000)
    signed(world, world.jiefang, 10000, event=world.fair)
    shown = client.get(world.fair.get_absolute_url()).context["followthrough"]
    assert (shown["signed"], shown["started"], shown["funds"]) == (1, 0, None)


def test_the_page_shows_this_year_so_far_by_default_and_a_past_year_whole(staff, world):
    today = timezone.localdate()
    default = staff.get(reverse(RANKING)).context["period"]
    assert (default.year, default.month) == (today.year, today.month)
    assert staff.get(reverse(RANKING), {"year": 2020}).context["period"].month == 12
    assert staff.get(reverse(RANKING), {"year": "x"}).context["period"].year == today.year


def test_the_change_page_shows_cumulative_funds_and_the_rate_only_when_disclosed(staff, world):
    disclosed = signed(world, world.jiefang, 20000)
    funds(disclosed, date(2026, 1, 1), 1000)
    funds(disclosed, date(2026, 8, 1), 3000)
    hidden = signed(world, world.jiefang, None)
    funds(hidden, date(2026, 3, 1), 700)
    nothing = signed(world, world.jiefang, 5000)

    def summary(project):
        url = reverse("admin:tracker_project_change", args=[project.pk])
        response = staff.get(url)
        assert response.status_code == 200
        return response.content.decode()

    html = summary(disclosed)
    assert "累计到位资金" in html and "4000万元，资金到位率 20.0%" in html
    assert "700万元（总投资未披露，不计资金到位率）" in summary(hidden)
    assert "暂无到位资金记录" in summary(nothing)


def test_an_editor_of_another_district_sees_no_funds_on_the_change_page(client, world):
    project = signed(world, world.jiefang, 20000)
    funds(project, date(2026, 1, 1), 1000)
    client.force_login(make_user("other", group=EDITOR_GROUP, regions=[world.shanyang]))
    html = client.get(reverse("admin:tracker_project_change", args=[project.pk])).content.decode()
    assert "累计到位资金" not in html
