"""The public site: read-only pages over public data only.

Every page runs a fixed number of queries whatever the data size: rows come with
their foreign keys in one query, totals come from ``stats`` (cached), and pages stop
at ``MAX_OFFSET`` rows deep — past that, filters or the export serve better than
paging, and a deep ``OFFSET`` costs time in proportion to the depth. What each page
reads is ``selectors`` (shared with the API); how it pages is ``paging``.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView, View

from . import list_rows, scorecard, selectors, stats, views_data
from .choices import PartnerRole, Stage
from .filtersets import EventFilterSet, PartnerFilterSet, ProjectFilterSet
from .formatting import format_amount, full_stop, join_clauses
from .http_cache import CacheablePageMixin
from .models import Event, Organization, RegionTree
from .paging import MAX_OFFSET, PAGE_SIZE, CountedPaginator, ListRows, ProjectListRows, TooDeep

# --- Paging --------------------------------------------------------------------------


def paginate(request, queryset, count: int, per_page: int = PAGE_SIZE, rows=None) -> dict:
    """One page of ``queryset``; a bad or too deep page number gives a message, not an error."""
    paginator = CountedPaginator(queryset, per_page, count=count, rows=rows, max_offset=MAX_OFFSET)
    number = request.GET.get("page") or 1
    page, error = None, ""
    try:
        page = paginator.page(number)
    except TooDeep:
        error = _(
            "列表最多翻到第 %(max)s 页。请增加筛选条件缩小范围，或下载 CSV 获取全部结果。"
        ) % {"max": paginator.max_pages}
    except PageNotAnInteger:
        error = _("页码应为正整数。")
    except EmptyPage:
        error = _("没有第 %(page)s 页：结果共 %(pages)s 页。") % {
            "page": number,
            "pages": paginator.num_pages,
        }
    return {
        "paginator": paginator,
        "page_obj": page,
        "rows": list(page.object_list) if page else [],
        "page_error": error,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        if page and paginator.num_pages > 1
        else [],
    }


class RowsMixin(ListRows):
    """A page of rows with their totals; a page that does not exist answers 404 with a message."""

    paginate_by = PAGE_SIZE

    def rows(self, queryset, totals: dict | None = None) -> dict:
        """The page of ``queryset`` and its totals (``get_totals`` unless already known)."""
        totals = self.get_totals(queryset) if totals is None else totals
        return {
            "totals": totals,
            **paginate(
                self.request, queryset, totals["count"], self.paginate_by, rows=self.page_rows()
            ),
        }

    def render_to_response(self, context, **kwargs):
        if context.get("page_error"):
            kwargs.setdefault("status", 404)
        return super().render_to_response(context, **kwargs)


class ProjectRowsMixin(ProjectListRows, RowsMixin):
    pass


class FilteredListView(RowsMixin, TemplateView):
    """A list narrowed by a FilterSet. Invalid filters re-show the form with its errors (400)."""

    filterset_class = None
    queryset = None

    def get(self, request, *args, **kwargs):
        self.filterset = self.filterset_class(request.GET or None, queryset=self.queryset.all())
        invalid = self.filterset.is_bound and not self.filterset.is_valid()
        queryset = self.filterset.queryset.none() if invalid else self.filterset.qs
        context = self.get_context_data(
            filter=self.filterset, invalid=invalid, **self.rows(queryset)
        )
        return self.render_to_response(context, **({"status": 400} if invalid else {}))


# --- Overview ------------------------------------------------------------------------


class OverviewView(CacheablePageMixin, TemplateView):
    template_name = "tracker/overview.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, **stats.overview())


# --- Projects ------------------------------------------------------------------------


class ProjectListView(CacheablePageMixin, ProjectRowsMixin, FilteredListView):
    template_name = "tracker/project_list.html"
    filterset_class = ProjectFilterSet
    queryset = selectors.project_list()

    def remember_totals(self) -> bool:
        return not ProjectFilterSet.is_search(self.request.GET)

    def page_rows(self):
        return list_rows.rows()  # a page as values, as the API's (project_rows reads them)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cleaned = getattr(self.filterset.form, "cleaned_data", {})
        context["active_event"] = cleaned.get("event")
        context["active_partner"] = cleaned.get("partner")
        return context


class ProjectExportView(View):
    """``/projects/export.csv`` and ``.xlsx``: the list's rows under the list's filters."""

    format = "csv"

    def get(self, request, *args, **kwargs):
        filterset = ProjectFilterSet(request.GET or None, queryset=selectors.project_list())
        if filterset.is_bound and not filterset.is_valid():
            problems = join_clauses(
                _("%(field)s：%(errors)s")
                % {"field": filterset.form.fields[f].label, "errors": " ".join(e)}
                if f in filterset.form.fields
                else " ".join(e)
                for f, e in filterset.errors.items()
            )
            return HttpResponse(
                _("筛选条件有误：%(problems)s") % {"problems": problems},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return views_data.export_response(request, filterset.qs, self.format)


class ProjectDetailView(CacheablePageMixin, DetailView):
    template_name = "tracker/project_detail.html"
    slug_field = slug_url_kwarg = "code"
    context_object_name = "project"
    queryset = selectors.project_detail()

    def get_context_data(self, **kwargs):
        roles = PartnerRole.values
        partners = sorted(
            self.object.project_partners.all(),
            key=lambda pp: (roles.index(pp.role), pp.organization.name),
        )
        timeline = [
            change
            for change in self.object.public_stage_changes
            if change.from_stage != change.to_stage
        ]
        return super().get_context_data(
            **kwargs, partners=partners, stages=Stage.choices, timeline=timeline
        )


# --- Events --------------------------------------------------------------------------


class EventListView(CacheablePageMixin, FilteredListView):
    template_name = "tracker/event_list.html"
    filterset_class = EventFilterSet
    queryset = selectors.event_list()


def _declared(count, amount, *, both, count_only, amount_only) -> str:
    if count is not None and amount is not None:
        return both % {"n": count, "amount": format_amount(amount)}
    if count is not None:
        return count_only % {"n": count}
    if amount is not None:
        return amount_only % {"amount": format_amount(amount)}
    return ""


def event_figures_sentence(event: Event, totals: dict) -> str:
    """What the event declared beside what the ledger itemises, never adding one to the other.

    "公布签约项目 14 个、总投资 142亿元；已列明 12 个，金额未逐项披露。"
    """
    parts = [
        _declared(
            event.declared_signed_count,
            event.declared_signed_investment,
            both=_("公布签约项目 %(n)s 个、总投资 %(amount)s"),
            count_only=_("公布签约项目 %(n)s 个"),
            amount_only=_("公布签约总投资 %(amount)s"),
        ),
        _declared(
            event.declared_promoted_count,
            event.declared_promoted_investment,
            both=_("公布推介项目 %(n)s 个、总投资 %(amount)s"),
            count_only=_("公布推介项目 %(n)s 个"),
            amount_only=_("公布推介总投资 %(amount)s"),
        ),
    ]
    count, undisclosed = totals["count"], totals["undisclosed"]
    if count == 0:
        itemised = _("尚未逐项列明项目")
    elif undisclosed == count:
        itemised = _("已列明 %(n)s 个，金额未逐项披露") % {"n": count}
    elif undisclosed:
        itemised = _("已列明 %(n)s 个，其中 %(k)s 个列明金额、合计 %(amount)s") % {
            "n": count,
            "k": count - undisclosed,
            "amount": format_amount(totals["disclosed_total"]),
        }
    else:
        itemised = _("已列明 %(n)s 个，金额合计 %(amount)s") % {
            "n": count,
            "amount": format_amount(totals["disclosed_total"]),
        }
    return join_clauses([p for p in parts if p] + [itemised]) + full_stop()


class EventDetailView(CacheablePageMixin, ProjectRowsMixin, DetailView):
    template_name = "tracker/event_detail.html"
    queryset = selectors.event_detail()

    def get_context_data(self, **kwargs):
        projects = selectors.event_projects(self.object)
        context = super().get_context_data(**kwargs, **self.rows(projects))
        context["figures_sentence"] = event_figures_sentence(self.object, context["totals"])
        context["followthrough"] = scorecard.public_event_followthrough(self.object)
        return context


# --- Partners ------------------------------------------------------------------------


class PartnerListView(CacheablePageMixin, FilteredListView):
    template_name = "tracker/organization_list.html"
    filterset_class = PartnerFilterSet
    queryset = selectors.partner_list()

    def page_rows(self):
        # The page's ids first, then their project counts: a common term ("科技") matches
        # 11,000 partners, and counting each one's projects before sorting cost ~0.2 s.
        return selectors.partner_list()


class PartnerDetailView(CacheablePageMixin, ProjectRowsMixin, DetailView):
    template_name = "tracker/organization_detail.html"
    context_object_name = "organization"
    queryset = selectors.partner_detail()

    def get_context_data(self, **kwargs):
        organization: Organization = self.object
        projects = selectors.partner_projects(organization)
        return super().get_context_data(**kwargs, **self.rows(projects))

    def page_rows(self):
        # Each row shows the roles this organisation has in that project.
        return selectors.with_roles_of(super().page_rows(), self.object)


# --- Regions -------------------------------------------------------------------------


class RegionListView(CacheablePageMixin, TemplateView):
    template_name = "tracker/region_list.html"

    def get_context_data(self, **kwargs):
        tree, counts = RegionTree.load(), stats.region_counts()
        entries = [
            {"region": r, "depth": depth, **stats.rollup(tree, counts, r)}
            for depth, r in tree.walk()
        ]
        return super().get_context_data(**kwargs, entries=entries)


class RegionDetailView(CacheablePageMixin, ProjectRowsMixin, TemplateView):
    template_name = "tracker/region_detail.html"

    def get_context_data(self, **kwargs):
        tree = RegionTree.load()
        region = tree.by_slug.get(self.kwargs["slug"])
        if region is None:
            raise Http404(_("没有这个区域。"))
        ids = tree.subtree_ids(region)
        projects = selectors.region_projects(ids)
        by_stage = stats.region_stage_counts(ids, projects)
        counts = stats.region_counts()
        return super().get_context_data(
            **kwargs,
            region=region,
            ancestors=tree.ancestors(region),
            children=[
                {"region": child, **stats.rollup(tree, counts, child)}
                for child in tree.children.get(region.pk, [])
            ],
            stages=[
                {"code": code, "label": label, "count": by_stage.get(code, {}).get("n", 0)}
                for code, label in Stage.choices
            ],
            # The subtree's totals rolled up from the per-region counts: no second scan.
            **self.rows(projects, totals=stats.rollup(tree, counts, region)),
        )
