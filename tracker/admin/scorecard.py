"""考核与排名 and 活动履约 in the project admin: the district ranking and event follow-through.

Both pages read ``tracker.scorecard`` (the counting rules) and
``tracker.ranking`` (the formula); every number links to the project list
filtered by ``ScorecardFilter``, which applies the very condition the number
counted, so the list and the number agree by construction.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.utils import flatten
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import ranking, scorecard
from ..formatting import format_amount
from ..models import DistrictTarget, Event
from ..scorecard import Period

# Labels of the figures a link can filter by (the changelist filter's one choice).
FIGURE_LABELS = {
    "signed_count": _("签约项目"),
    "signed_amount": _("签约项目（金额已披露）"),
    "undisclosed": _("签约项目（金额未披露）"),
    "started_count": _("开工项目"),
    "operating_count": _("投产项目"),
    "funds_amount": _("有到位资金的项目"),
    "signed_started": _("签约项目中已开工"),
    "signed_operating": _("签约项目中已投产"),
    "funds_rate": _("资金到位率所计项目"),
    **{key: label for key, label in scorecard.TIER_LABELS.items()},
}
EVENT_FIGURE_LABELS = {
    "signed": _("已签约"),
    "started": _("已开工"),
    "operating": _("已投产"),
    "performing": _("已履约（开工或资金到位）"),
    "with_funds": _("有到位资金"),
    "funds_rate": _("资金到位率所计项目"),
}


class ScorecardFilter(admin.SimpleListFilter):
    """The projects behind one number of the ranking (``2026-06:started_count``) or of an
    event's follow-through (``event:started``, with the 签约活动 filter)."""

    title = _("考核口径")
    parameter_name = "scorecard"

    def _parse(self):
        scope, _sep, figure = (self.value() or "").partition(":")
        if scope == "event":
            return None, figure if figure in scorecard.EVENT_FIGURES else None
        period = Period.parse(scope)
        return period, figure if period and figure in scorecard.FIGURES else None

    def lookups(self, request, model_admin):
        # Reached from the ranking or follow-through pages only: the one choice is the
        # number clicked (a filter with no choices would not be applied at all).
        if not self.value():
            return []
        period, figure = self._parse()
        if figure is None:  # still a choice: the filter must apply, and list nothing
            return [(self.value(), gettext("无效口径"))]
        if period is None:
            label = gettext("活动履约：%(f)s") % {"f": EVENT_FIGURE_LABELS[figure]}
        else:
            label = f"{period_label(period)} {FIGURE_LABELS[figure]}"
        return [(self.value(), label)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        period, figure = self._parse()
        if figure is None:
            return queryset.none()
        if period is None:
            return scorecard.event_projects_behind(queryset, figure)
        return scorecard.projects_behind(queryset, period, figure)


def period_label(period: Period) -> str:
    if period.month == 12:
        return gettext("%(y)s年") % {"y": period.year}
    return gettext("%(y)s年1–%(m)s月") % {"y": period.year, "m": period.month}


def _pct(value):
    return None if value is None else value * 100


class ScorecardViewsMixin:
    """考核与排名 (``ranking/``) and 活动履约 (``followthrough/``), served under the project admin."""

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), ScorecardFilter]

    # --- the change page: the project's cumulative funds and 资金到位率 (internal)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "funds_summary"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # Funds are internal to the district that follows the project, like its funds rows.
        if obj is None or not self.in_scope(request, obj):
            return fieldsets
        return [
            (name, {**opts, "fields": [*opts["fields"], "funds_summary"]})
            if "investment" in flatten(opts["fields"])
            else (name, opts)
            for name, opts in fieldsets
        ]

    @admin.display(description=_("累计到位资金"))
    def funds_summary(self, obj):
        total, rate = scorecard.project_funds(obj)
        if total is None:
            return gettext("暂无到位资金记录")
        amount = format_amount(total)
        if rate is None:
            return gettext("%(amount)s（总投资未披露，不计资金到位率）") % {"amount": amount}
        return gettext("%(amount)s，资金到位率 %(rate)s%%") % {
            "amount": amount,
            "rate": number_format(rate * 100, 1),
        }

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "ranking/",
                self.admin_site.admin_view(self.ranking_view),
                name="{}_{}_ranking".format(*info),
            ),
            path(
                "followthrough/",
                self.admin_site.admin_view(self.followthrough_view),
                name="{}_{}_followthrough".format(*info),
            ),
        ] + super().get_urls()

    def _figure_url(self, figure, scope, **params):
        url = reverse("admin:tracker_project_changelist")
        return f"{url}?{urlencode({**params, 'scorecard': f'{scope}:{figure}'})}"

    def _requested_period(self, request) -> Period:
        # By default the year so far: this year up to this month, a past year whole.
        today = timezone.localdate()
        try:
            year = int(request.GET.get("year") or today.year)
            month = int(request.GET.get("month") or (today.month if year == today.year else 12))
            return Period(year, month)
        except ValueError:
            return Period(today.year, today.month)

    def ranking_view(self, request):
        """The districts' figures against their targets, scored by 功效系数法."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        period = self._requested_period(request)
        card = scorecard.district_scorecard(period, self.get_queryset(request))
        ranked = {r.key: r for r in card.ranked}

        def link(district, figure):
            params = {"region_tree": district.region_id} if district.region_id else {}
            return self._figure_url(figure, period.key, **params)

        def row(district):
            result = ranked.get(district.region_id) or ranking.Ranked(district.region_id)
            cells = []
            for key in ranking.INDICATORS:
                rate = result.rates.get(key)
                grade = ranking.grade(rate, month=period.month)
                cells.append(
                    {
                        "key": key,
                        "value": district.value(key),
                        "url": link(district, key),
                        "target": getattr(district.target, key, None),
                        "rate": _pct(rate),
                        "grade": grade,
                        "grade_label": ranking.GRADE_LABELS.get(grade, ""),
                        "score": result.scores.get(key),
                        "is_amount": key in {"signed_amount", "funds_amount"},
                    }
                )
            c = district.counts
            return {
                "district": district,
                "place": result.place,
                "total": result.total,
                "cells": cells,
                "undisclosed": (c["undisclosed"], link(district, "undisclosed")),
                "start_rate": (_pct(district.start_rate), c["signed_started"]),
                "started_url": link(district, "signed_started"),
                "operation_rate": (_pct(district.operation_rate), c["signed_operating"]),
                "operating_url": link(district, "signed_operating"),
                "signed": (c["signed_count"], link(district, "signed_count")),
                "funds_rate": _pct(district.funds_rate),
                "funds_base": (district.rate_funds, district.rate_investment),
                "funds_base_count": (c["funds_rate"], link(district, "funds_rate")),
            }

        years = sorted(
            {period.year, timezone.localdate().year}
            | set(DistrictTarget.objects.values_list("year", flat=True).distinct()),
            reverse=True,
        )
        context = self._context(
            request,
            title=gettext("考核与排名"),
            period=period,
            period_label=period_label(period),
            rows=[row(d) for d in card.districts],
            total=row(card.total),
            indicators=[
                (key, label, weight * 100) for key, (label, weight) in ranking.INDICATORS.items()
            ],
            grades=[(minimum * 100, name, label) for minimum, name, label in ranking.GRADES],
            time_share=ranking.time_share(period.month) * 100,
            years=years,
            months=range(1, 13),
            followthrough_url=reverse("admin:tracker_project_followthrough"),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/ranking.html", context)

    def followthrough_view(self, request):
        """Every event: declared figures apart, the itemised projects and what they became."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        events = Event.objects.order_by(F("start_date").desc(nulls_last=True), "name")
        cards = scorecard.event_followthrough(events, projects=self.get_queryset(request))

        def row(card):
            def link(figure):
                return self._figure_url(figure, "event", event__id__exact=card.event.pk)

            return {
                "card": card,
                "itemised_url": self._changelist_url(event__id__exact=card.event.pk),
                "links": {key: link(key) for key in scorecard.EVENT_FIGURES},
                "rates": {
                    "performance": _pct(card.performance_rate),
                    "start": _pct(card.start_rate),
                    "operation": _pct(card.operation_rate),
                    "funds": _pct(card.funds_rate),
                },
            }

        context = self._context(
            request,
            title=gettext("活动履约"),
            rows=[row(c) for c in cards],
            ranking_url=reverse("admin:tracker_project_ranking"),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/project/followthrough.html", context)
