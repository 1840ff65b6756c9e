"""The API's views: read-only viewsets over the public selectors, one page shape for all.

Every list answers the same envelope (``count``, ``next``, ``previous``,
``data_as_of``, ``license``, ``results``); project lists add the selection's
``disclosed_investment`` and ``undisclosed_count``. Lists take the HTML list's
filters (one ``FilterSet`` for the page, the exports and the API).
"""

import django_filters as filters
from django.core.paginator import InvalidPage
from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import routers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .. import list_rows, selectors
from ..filtersets import SEARCH_MAX_LENGTH, EventFilterSet, PartnerFilterSet, ProjectFilterSet
from ..formatting import plain_decimal
from ..paging import MAX_OFFSET, PAGE_SIZE, CountedPaginator, ListRows, ProjectListRows, TooDeep
from . import serializers as s
from .http import OpenDataHeaders, license_info
from .openapi import ERRORS, LIST_HEADERS, RECORD_HEADERS, envelope_schema

MAX_PAGE_SIZE = 100


class TotalsPagination(PageNumberPagination):
    """Page numbers over a count the view already knows; as deep as the HTML list goes."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        # A page size that is not a positive whole number is refused, not replaced.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError({"page_size": [_("这个参数只能是正整数。")]})
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.view = view
        self.totals = view.get_totals(queryset)
        paginator = CountedPaginator(
            queryset,
            self.get_page_size(request),
            count=self.totals["count"],
            rows=view.page_rows(),
        )
        number = request.query_params.get(self.page_query_param) or 1
        try:
            self.page = paginator.page(number)
        except TooDeep as exc:
            raise NotFound(
                _("最多翻到第 %(max)s 页（%(rows)s 行）；请缩小筛选范围，或使用 CSV 导出。")
                % {"max": paginator.max_pages, "rows": MAX_OFFSET}
            ) from exc
        except InvalidPage as exc:
            raise NotFound(_("页码无效：%(page)s。") % {"page": number}) from exc
        return list(self.page)

    def envelope(self) -> dict:
        freshness = self.view.freshness
        return {
            "count": self.totals["count"],
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "data_as_of": freshness.as_of_text if freshness else None,
            "license": license_info(),
        }

    def get_paginated_response(self, data):
        return Response({**self.envelope(), "results": data})

    def get_paginated_response_schema(self, schema):
        return envelope_schema(schema)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "in": "query",
                "required": False,
                "description": f"Page number, from 1; at most {MAX_OFFSET} rows deep "
                "(404 beyond: narrow the filters or use the CSV download).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page, default {PAGE_SIZE}; above {MAX_PAGE_SIZE} "
                f"gives {MAX_PAGE_SIZE}.",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


class ProjectPagination(TotalsPagination):
    """The envelope plus the selection's disclosed total and its count of undisclosed amounts."""

    def envelope(self) -> dict:
        return {
            **super().envelope(),
            "disclosed_investment": plain_decimal(self.totals["disclosed_total"]),
            "undisclosed_count": self.totals["undisclosed"],
        }

    def get_paginated_response_schema(self, schema):
        return envelope_schema(schema, project_totals=True)


class PublicFilterBackend(DjangoFilterBackend):
    """django-filter's backend, but a request that names none of the filters passes
    straight through: there is nothing to validate, and building and validating the
    filter form for nothing was a tenth of an API page rendered afresh
    (``tests/api/test_filter_backend.py``: the same rows either way)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        params = request.query_params
        if filterset_class is not None and not any(
            n in params for n in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class PublicReadOnlyViewSet(OpenDataHeaders, ListRows, viewsets.ReadOnlyModelViewSet):
    """JSON only, for anyone, no session: public data needs neither login nor CSRF."""

    # Any path segment reaches the view, so a malformed key is the API's JSON 404,
    # not the site's HTML one (DRF's default stops at a dot).
    lookup_value_regex = "[^/]+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A parameter that takes one value, given twice, is refused: which one was meant?
        repeated = [
            name
            for name in request.query_params
            if name not in self.multi_valued() and len(request.query_params.getlist(name)) > 1
        ]
        if repeated:
            raise ValidationError({name: [_("这个参数只能给一个值。")] for name in repeated})

    def multi_valued(self) -> set[str]:
        filterset = getattr(self, "filterset_class", None)
        if filterset is None:
            return set()
        return {
            name
            for name, field in filterset.base_filters.items()
            if isinstance(field, filters.MultipleChoiceFilter)
        }

    renderer_classes = [JSONRenderer]
    authentication_classes = []
    permission_classes = [AllowAny]
    pagination_class = TotalsPagination
    filter_backends = [PublicFilterBackend]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Public data, the same for everyone: config.pagecache may keep a 200 for others.
        response.shared_cacheable = response.status_code == 200
        return response


# `partner` filters through a method on an organisation id: tell the schema it is an integer
# (drf-spectacular cannot guess it from the method).
extend_schema_field(OpenApiTypes.INT)(ProjectFilterSet.base_filters["partner"])


# What the filter sets accept (tracker.filtersets: YearField, AmountFilter).
YEAR = {"type": "integer", "minimum": 1949, "maximum": 2100}
AMOUNT = {"type": "number", "minimum": 0, "maximum": 999999999999.9999, "multipleOf": 0.0001}


def _search(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "q",
        {"type": "string", "maxLength": SEARCH_MAX_LENGTH},
        description=f"Search {what} (at most {SEARCH_MAX_LENGTH} characters).",
    )


PROJECT_FILTERS = [
    _search("code, name, summary and partner names"),
    OpenApiParameter(
        "region",
        str,
        description="Region `slug` (see /api/regions/); includes its sub-regions. "
        "An unknown slug is a 400.",
    ),
    OpenApiParameter(
        "industry", str, description="Industry `slug` (see /api/industries/); unknown is a 400."
    ),
    OpenApiParameter("event", str, description="Event `slug` (see /api/events/)."),
    OpenApiParameter("partner", int, description="Partner `id` (see /api/partners/)."),
    OpenApiParameter("year", YEAR, description="Signing year."),
    OpenApiParameter("amount_min", AMOUNT, description="Total investment at least this (万元)."),
    OpenApiParameter("amount_max", AMOUNT, description="Total investment at most this (万元)."),
]


def _list(serializer, summary: str, description: str, parameters=()):
    return extend_schema(
        summary=summary,
        description=description,
        parameters=[*parameters, *LIST_HEADERS],
        responses={200: serializer, **ERRORS},
    )


def _retrieve(summary: str, serializer, lookup: str, kind=str):
    return extend_schema(
        summary=summary,
        description=f"One public record by its `{lookup}`; 404 when there is none.",
        parameters=[OpenApiParameter(lookup, kind, OpenApiParameter.PATH), *RECORD_HEADERS],
        responses={200: serializer, **ERRORS},
    )


@extend_schema_view(
    list=_list(
        s.ProjectSerializer,
        "Projects",
        "Public projects, newest code first, with the web list's filters. Undisclosed amounts "
        "are never counted as 0: `disclosed_investment` sums the disclosed ones and "
        "`undisclosed_count` says how many are not.",
        PROJECT_FILTERS,
    ),
    retrieve=_retrieve(
        "One project, with its partners and sources", s.ProjectDetailSerializer, "code"
    ),
)
class ProjectViewSet(ProjectListRows, PublicReadOnlyViewSet):
    queryset = selectors.project_list()
    filterset_class = ProjectFilterSet
    pagination_class = ProjectPagination
    lookup_field = "code"

    def get_queryset(self):
        queryset = super().get_queryset()
        return selectors.project_record(queryset) if self.action == "retrieve" else queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.ProjectDetailSerializer
        return s.ProjectSerializer

    def remember_totals(self) -> bool:
        return not ProjectFilterSet.is_search(self.request.query_params)

    def page_rows(self):
        return list_rows.rows()  # a page as values: the list serializer reads them as projects


@extend_schema_view(
    list=_list(
        s.EventSerializer,
        "Events",
        "Investment-promotion events (招商活动), newest first. Declared figures are the event's "
        "own announcement, kept apart from the itemised projects.",
        [_search("event names"), OpenApiParameter("year", YEAR, description="Year it began.")],
    ),
    retrieve=_retrieve("One event", s.EventSerializer, "slug"),
)
class EventViewSet(PublicReadOnlyViewSet):
    queryset = selectors.event_list().prefetch_related("organisers")
    serializer_class = s.EventSerializer
    filterset_class = EventFilterSet
    lookup_field = "slug"


@extend_schema_view(
    list=_list(
        s.PartnerSerializer,
        "Partners",
        "Organisations named in public projects, by name.",
        [_search("names, short names and aliases")],
    ),
    retrieve=_retrieve("One partner", s.PartnerSerializer, "id", int),
)
class PartnerViewSet(PublicReadOnlyViewSet):
    queryset = selectors.partner_list()
    serializer_class = s.PartnerSerializer
    filterset_class = PartnerFilterSet

    def page_rows(self):
        return selectors.partner_list()  # a page's ids first, as the HTML list (tracker.views)


@extend_schema_view(
    list=_list(
        s.RegionSerializer,
        "Regions",
        "Every region (all are public), by name: the `region` filter's values.",
    ),
    retrieve=_retrieve("One region", s.RegionSerializer, "slug"),
)
class RegionViewSet(PublicReadOnlyViewSet):
    queryset = selectors.regions()
    serializer_class = s.RegionSerializer
    filter_backends = []
    lookup_field = "slug"


@extend_schema_view(
    list=_list(
        s.IndustrySerializer,
        "Industries",
        "Industry categories by name: the `industry` filter's values.",
    ),
    retrieve=_retrieve("One industry", s.IndustrySerializer, "slug"),
)
class IndustryViewSet(PublicReadOnlyViewSet):
    queryset = selectors.industries()
    serializer_class = s.IndustrySerializer
    filter_backends = []
    lookup_field = "slug"


class APIRootView(OpenDataHeaders, routers.APIRootView):
    renderer_classes = [JSONRenderer]
    authentication_classes = []
    permission_classes = [AllowAny]
    conditional = False

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        for name in ("schema", "docs", "dictionary"):
            response.data[name] = request.build_absolute_uri(
                _reverse_in_namespace(request, f"api-{name}")
            )
        return response


def _reverse_in_namespace(request, name: str) -> str:
    namespace = request.resolver_match.namespace
    return reverse(f"{namespace}:{name}" if namespace else name)


class Router(routers.DefaultRouter):
    APIRootView = APIRootView
    include_format_suffixes = False


router = Router()
router.register("projects", ProjectViewSet, basename="api-project")
router.register("events", EventViewSet, basename="api-event")
router.register("partners", PartnerViewSet, basename="api-partner")
router.register("regions", RegionViewSet, basename="api-region")
router.register("industries", IndustryViewSet, basename="api-industry")
