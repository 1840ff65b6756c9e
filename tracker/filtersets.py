"""Filters for the public lists, the open-data exports and the API — one definition for all three.

Reference data a filter needs (the region tree, the industries) is read at most once
per request and only when a field needs it: to validate a value or to draw a dropdown.
Events and partners are never offered as dropdowns (there can be thousands); they
arrive as an id or slug from a link and come back as a named chip.
"""

import copy
from functools import cached_property

import django_filters as filters
from django import forms
from django.db.models import F
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from . import stats
from .choices import OrganizationKind, Stage, Status
from .form_render import FilterForm
from .models import Event, Industry, Organization, Project, RegionTree
from .search import partners_matching, projects_matching
from .selectors import industries, projects_of, public_organizations

SEARCH_MAX_LENGTH = 100


class LazyChoices:
    """Choices computed on first use, so a request that does not need them runs no query."""

    def __init__(self, compute):
        self.compute = compute

    @cached_property
    def items(self):
        return list(self.compute())

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


class YearField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1949)
        kwargs.setdefault("max_value", 2100)
        super().__init__(**kwargs)


class YearFilter(filters.Filter):
    field_class = YearField


class AmountFilter(filters.NumberFilter):
    """An amount in 万元: non-negative, at most what the ledger can store."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "decimal", "min": 0}))
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 4)
        super().__init__(*args, **kwargs)


class _OwnFields(dict):
    """A form class's fields made for one filter set alone: its one form takes them as
    they are, instead of ``BaseForm`` deep-copying them (see ``FilterSet``)."""

    def __deepcopy__(self, memo):
        return dict(self)


def _own_copy(declared: filters.Filter) -> filters.Filter:
    """A filter for one filter set: what it holds of its own (``extra``, which
    ``ProjectFilterSet`` gives per-request choices, its form field, its method bound
    to it) afresh; the rest (labels, choices, lookups) shared with the declaration."""
    own = copy.copy(declared)
    own.__dict__.pop("_field", None)
    own.extra = dict(declared.extra)
    if own.extra.get("queryset") is not None:  # never the declaration's results cache
        own.extra["queryset"] = own.extra["queryset"].all()
    if declared.method is not None:
        own.method = declared.method  # a FilterMethod of the copy, not of the declaration
    return own


class FilterSet(filters.FilterSet):
    """django-filter's ``FilterSet`` at less cost per request.

    django-filter deep-copies every declared filter for each filter set, labels,
    choices and widgets and all, builds a form class of fresh fields, and the form
    deep-copies those fields again: about 600 ``deepcopy`` calls, a tenth of an API
    page rendered afresh. Here each filter is copied shallowly with what it holds of
    its own (``_own_copy``), and the form keeps the fresh fields it is given.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # BaseFilterSet.__init__ (django-filter 26), but for how the filters are copied;
        # tests/public/test_filterset_copies.py holds the two to the same state.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _own_copy(f) for name, f in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self

    def get_form_class(self):
        form = super().get_form_class()
        form.base_fields = _OwnFields(form.base_fields)
        return form


class ProjectFilterSet(FilterSet):
    """``/projects/``, its CSV/XLSX exports and ``/api/projects/``."""

    # Ties break on the primary key: an index ends in it (SQLite's rowid), so a single
    # index on the sort column serves the whole ORDER BY and LIMIT stops early.
    ORDERINGS = {
        "name": (F("name").asc(), "pk"),
        "-name": (F("name").desc(), "-pk"),
        "signed_on": (F("signed_on").asc(nulls_last=True), "pk"),
        "-signed_on": (F("signed_on").desc(nulls_last=True), "-pk"),
        "amount": (F("investment").asc(nulls_last=True), "pk"),
        "-amount": (F("investment").desc(nulls_last=True), "-pk"),
    }

    q = filters.CharFilter(
        label=_("关键词"),
        method="filter_q",
        max_length=SEARCH_MAX_LENGTH,
        help_text=_("项目编号、名称、建设内容或合作方名称"),
        widget=forms.SearchInput(attrs={"placeholder": _("例如：碳纤维、腾讯")}),
    )
    region = filters.ChoiceFilter(
        label=_("区域"),
        method="filter_region",
        empty_label=_("全部区域"),
        help_text=_("包含其下属园区"),
    )
    industry = filters.ChoiceFilter(
        label=_("产业类别"),
        method="filter_industry",
        empty_label=_("全部产业"),
    )
    stage = filters.MultipleChoiceFilter(
        label=_("项目阶段"),
        choices=Stage.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # a column of the row itself: no join, so no duplicates to remove
    )
    status = filters.MultipleChoiceFilter(
        label=_("项目状态"),
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    event = filters.ModelChoiceFilter(
        label=_("签约活动"),
        queryset=Event.objects.all(),
        to_field_name="slug",
        widget=forms.HiddenInput,
    )
    partner = filters.ModelChoiceFilter(
        label=_("合作方"),
        queryset=public_organizations(),
        method="filter_partner",
        widget=forms.HiddenInput,
    )
    year = YearFilter(
        label=_("签约年份"),
        field_name="signed_on",
        lookup_expr="year",
    )
    amount_min = AmountFilter(
        label=_("投资额不低于（万元）"),
        field_name="investment",
        lookup_expr="gte",
    )
    amount_max = AmountFilter(
        label=_("投资额不高于（万元）"),
        field_name="investment",
        lookup_expr="lte",
    )
    ordering = filters.ChoiceFilter(
        label=_("排序"),
        method="filter_ordering",
        empty_label=_("最新登记在前"),
        choices=[
            ("-signed_on", _("签约日期（新→旧）")),
            ("signed_on", _("签约日期（旧→新）")),
            ("-amount", _("投资额（高→低）")),
            ("amount", _("投资额（低→高）")),
            ("name", _("项目名称（升序）")),
            ("-name", _("项目名称（降序）")),
        ],
    )

    class Meta:
        model = Project
        fields = []
        form = FilterForm  # widgets written in Python (tracker/form_render.py)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].extra["choices"] = LazyChoices(lambda: self.regions.choices())
        self.filters["industry"].extra["choices"] = LazyChoices(
            lambda: [(i.slug, i.name) for i in self.industries.values()]
        )

    # Read once per process while the data is unchanged (stats.cached): every list page
    # draws both dropdowns, and the two queries were a tenth of a page rendered afresh.
    @cached_property
    def regions(self) -> RegionTree:
        return stats.cached("filter-regions", (), RegionTree.load)

    @cached_property
    def industries(self) -> dict[str, Industry]:
        return stats.cached("filter-industries", (), lambda: {i.slug: i for i in industries()})

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(projects_matching(value)) if value else queryset

    def filter_region(self, queryset, name, value):
        return queryset.filter(region_id__in=self.regions.subtree_ids(self.regions.by_slug[value]))

    def filter_industry(self, queryset, name, value):
        return queryset.filter(industry=self.industries[value])

    def filter_partner(self, queryset, name, value):
        return queryset.filter(pk__in=projects_of([value]))

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*self.ORDERINGS[value])

    # What the page says about the current selection ---------------------------------

    @staticmethod
    def is_search(params) -> bool:
        """Whether ``params`` narrow by a search term or a partner (few rows, found by index)."""
        return bool(params.get("q", "").strip() or params.get("partner"))

    @property
    def active_count(self) -> int:
        """How many filters are in force (ordering is not a filter)."""
        if not self.is_bound or not self.is_valid():
            return 0
        data = self.form.cleaned_data
        return sum(1 for k, v in data.items() if k != "ordering" and v not in (None, "", []))

    @property
    def has_more_filters(self) -> bool:
        """Whether a filter outside the always-visible ones is set (opens that part of the form)."""
        return any(self.data.get(k) for k in ("status", "year", "amount_min", "amount_max"))


class EventFilterSet(FilterSet):
    q = filters.CharFilter(
        label=_("关键词"),
        field_name="name",
        lookup_expr="icontains",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.SearchInput,
    )
    year = YearFilter(label=_("年份"), field_name="start_date", lookup_expr="year")

    class Meta:
        model = Event
        fields = []
        form = FilterForm  # widgets written in Python (tracker/form_render.py)


class PartnerFilterSet(FilterSet):
    q = filters.CharFilter(
        label=_("名称"), method="filter_q", max_length=SEARCH_MAX_LENGTH, widget=forms.SearchInput
    )
    kind = filters.ChoiceFilter(
        label=_("类型"), choices=OrganizationKind.choices, empty_label=_("全部类型")
    )

    class Meta:
        model = Organization
        fields = []
        form = FilterForm  # widgets written in Python (tracker/form_render.py)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(partners_matching(value)) if value else queryset
