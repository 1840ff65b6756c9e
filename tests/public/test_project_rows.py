"""The project tables' rows written in Python are the rows the template loop wrote."""

import pytest
from django.template import Context, Template
from django.utils import translation

from tests import factories as make
from tracker import list_rows, selectors
from tracker.choices import PartnerRole, Status
from tracker.templatetags.project_rows import project_rows

pytestmark = pytest.mark.django_db

# The loop that ``{% project_rows %}`` replaced in tracker/includes/project_table.html.
LOOP = (
    "{% load i18n tracker %}"
    '{% translate "本方角色" as l_roles %}{% translate "区域" as l_region %}'
    '{% translate "产业" as l_industry %}{% translate "阶段" as l_stage %}'
    '{% translate "投资额" as l_amount %}{% translate "签约日期" as l_signed %}'
    '{% translate "未披露" as undisclosed %}{% translate "、" as separator %}'
    + '      {% for p in rows %}\n      <tr>\n        <th scope="row" class="col-name">\n          <a class="project-name" href="{{ p.get_absolute_url }}">{{ p.name }}</a>\n          <span class="code">{{ p.code }}</span>{% if p.event and not hide_event %} <span class="small muted">· {{ p.event.name }}</span>{% endif %}\n        </th>\n        {% if roles %}<td class="col-roles" data-label="{{ l_roles }}">{% for pp in p.roles_here %}{{ pp.get_role_display }}{% if not forloop.last %}{{ separator }}{% endif %}{% endfor %}</td>{% endif %}\n        <td class="col-region" data-label="{{ l_region }}">{{ p.region.name }}</td>\n        <td class="col-industry" data-label="{{ l_industry }}">{{ p.industry.name|default:"—" }}</td>\n        <td class="col-stage" data-label="{{ l_stage }}">\n          <span class="badge stage-{{ p.stage }}">{{ p.get_stage_display }}</span>{% if p.status != "on_track" %} <span class="badge status-{{ p.status }}">{{ p.get_status_display }}</span>{% endif %}\n        </td>\n        <td data-label="{{ l_amount }}" class="num col-amount">{% if p.investment is None and p.investment_low is None and p.investment_high is None %}<span class="undisclosed">{{ undisclosed }}</span>{% else %}<span class="amount-val">{{ p|project_amount }}</span>{% endif %}</td>\n        <td data-label="{{ l_signed }}" class="num col-date{% if not p.signed_on %} blank{% endif %}">{% precise_date p.signed_on p.signed_on_precision %}</td>\n      </tr>\n      {% endfor %}'
)


@pytest.fixture
def rows():
    ledger = make.build_ledger()
    make.project(
        "<区间> & 金额项目",
        region=ledger.park,
        investment_low=1000,
        investment_high=10000,
        status=Status.choices[-1][0],
    )
    projects = list(selectors.project_rows().order_by("code"))
    for p in projects:
        p.roles_here = list(p.project_partners.all())
    return projects


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("options", [{}, {"roles": True}, {"hide_event": True}])
def test_rows_match_the_template_loop(rows, language, options):
    assert any(p.event for p in rows) and any(p.industry is None for p in rows)
    assert any(p.signed_on is None for p in rows) and any(p.status != "on_track" for p in rows)
    with translation.override(language):
        expected = Template(LOOP).render(Context({"rows": rows, **options}))
        written = project_rows(rows, **{"roles": False, "hide_event": False, **options})
    assert "      " + written == expected  # the indent before the tag is the template's


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("options", [{}, {"hide_event": True}])
def test_rows_read_as_values_are_written_as_the_projects_are(rows, language, options):
    values = list(list_rows.rows().order_by("code"))  # the list page's rows (ProjectListView)
    assert [r.code for r in values] == [p.code for p in rows]
    with translation.override(language):
        expected = project_rows(rows, **{"roles": False, "hide_event": False, **options})
        written = project_rows(values, **{"roles": False, "hide_event": False, **options})
    assert written == expected


def test_a_partners_roles_are_listed_in_its_rows(rows):
    project = next(p for p in rows if p.roles_here)
    html = project_rows([project], roles=True)
    roles = [str(pp.get_role_display()) for pp in project.roles_here]
    assert "、".join(roles) in html
    assert all(pp.role in PartnerRole.values for pp in project.roles_here)


def test_the_list_page_renders_its_rows(client, rows):
    page = client.get("/projects/").content.decode()
    for p in rows:
        if p.is_public:
            assert f'<span class="code">{p.code}</span>' in page
