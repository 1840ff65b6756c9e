"""The rows of the project tables, written in Python (``{% project_rows %}``).

A row is some thirty lookups and filters in the template language; twenty of them
were about a third of a list page's rendering. This writes the same markup with the
same escaping as the loop it replaced in ``tracker/includes/project_table.html``
(``tests/public/test_project_rows.py`` renders both and compares them).
"""

from django import template
from django.utils.html import conditional_escape as esc
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ..choices import PartnerRole, Stage, Status
from ..formatting import format_date, format_project_amount

register = template.Library()


def choice_labels(choices) -> dict:
    """A choice list's labels in the active language, for ``get_FOO_display`` by hand: the
    model's own hashes every (lazy) label again on each call, half of a row's time."""
    return {value: str(label) for value, label in choices}


def _roles(project, labels: dict) -> str:
    names = labels["roles"]
    return labels["、"].join(esc(names.get(pp.role, pp.role)) for pp in project.roles_here)


def _row(p, labels: dict, roles, hide_event) -> str:
    event = (
        f' <span class="small muted">· {esc(p.event.name)}</span>'
        if p.event and not hide_event
        else ""
    )
    role_cell = (
        f'<td class="col-roles" data-label="{labels["本方角色"]}">{_roles(p, labels)}</td>'
        if roles
        else ""
    )
    status = (
        f' <span class="badge status-{esc(p.status)}">{esc(labels["status"].get(p.status, p.status))}</span>'
        if p.status != "on_track"
        else ""
    )
    if p.investment is None and p.investment_low is None and p.investment_high is None:
        amount = f'<span class="undisclosed">{labels["未披露"]}</span>'
    else:
        amount = f'<span class="amount-val">{esc(format_project_amount(p))}</span>'
    industry = esc(p.industry.name if p.industry and p.industry.name else "—")
    blank = "" if p.signed_on else " blank"
    return (
        "\n      <tr>\n"
        '        <th scope="row" class="col-name">\n'
        f'          <a class="project-name" href="{esc(p.get_absolute_url())}">{esc(p.name)}</a>\n'
        f'          <span class="code">{esc(p.code)}</span>{event}\n'
        "        </th>\n"
        f"        {role_cell}\n"
        f'        <td class="col-region" data-label="{labels["区域"]}">{esc(p.region.name)}</td>\n'
        f'        <td class="col-industry" data-label="{labels["产业"]}">{industry}</td>\n'
        f'        <td class="col-stage" data-label="{labels["阶段"]}">\n'
        f'          <span class="badge stage-{esc(p.stage)}">{esc(labels["stage"].get(p.stage, p.stage))}</span>'
        f"{status}\n"
        "        </td>\n"
        f'        <td data-label="{labels["投资额"]}" class="num col-amount">{amount}</td>\n'
        f'        <td data-label="{labels["签约日期"]}" class="num col-date{blank}">'
        f"{esc(format_date(p.signed_on, p.signed_on_precision))}</td>\n"
        "      </tr>\n"
        "      "
    )


LABELS = ("本方角色", "区域", "产业", "阶段", "投资额", "签约日期", "未披露", "、")


@register.simple_tag
def project_rows(rows, roles=False, hide_event=False):
    """``rows`` (projects from ``for_list``, or ``list_rows`` rows; ``roles_here`` when
    ``roles``) as table rows."""
    labels = {msgid: esc(gettext(msgid)) for msgid in LABELS}
    labels.update(stage=choice_labels(Stage.choices), status=choice_labels(Status.choices))
    labels["roles"] = choice_labels(PartnerRole.choices)
    return mark_safe("".join(_row(p, labels, roles, hide_event) for p in rows))  # noqa: S308
