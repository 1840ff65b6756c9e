"""Read-only JSON API over public data: ``/api/projects/``, ``/api/events/``, ``/api/partners/``.

Amounts are decimal strings in 万元 (``"105000"`` is 10.5亿元) and ``null`` when
undisclosed; ``amount_display`` is the same amount as people read it. Lists take the
HTML list's filters and answer ``count``, ``next``, ``previous`` and ``results``;
project lists also give the selection's disclosed total and undisclosed count.
"""

from django.core.paginator import InvalidPage
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import routers, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from . import selectors
from .filtersets import EventFilterSet, PartnerFilterSet, ProjectFilterSet
from .formatting import format_project_amount, plain_decimal
from .models import Citation, Event, Industry, Organization, Project, ProjectPartner, Region
from .paging import MAX_OFFSET, PAGE_SIZE, CountedPaginator, ListRows, ProjectListRows, TooDeep


class WanField(serializers.Field):
    """An amount in 万元 as a decimal string; ``null`` when undisclosed."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return plain_decimal(value)


class PageURLField(serializers.Field):
    """The absolute URL of the object's public page."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, obj):
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())


# --- Serializers -------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display")
    url = PageURLField()

    class Meta:
        model = Region
        fields = ["slug", "name", "kind", "kind_display", "parent", "url"]


class RegionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["slug", "name", "kind"]


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["slug", "name"]


class EventRefSerializer(serializers.ModelSerializer):
    url = PageURLField()

    class Meta:
        model = Event
        fields = ["slug", "name", "url"]


class PartnerRefSerializer(serializers.ModelSerializer):
    url = PageURLField()

    class Meta:
        model = Organization
        fields = ["id", "name", "url"]


class ProjectPartnerSerializer(serializers.ModelSerializer):
    organization = PartnerRefSerializer()
    role_display = serializers.CharField(source="get_role_display")

    class Meta:
        model = ProjectPartner
        fields = ["organization", "role", "role_display"]


class CitationSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="source.title")
    publisher = serializers.CharField(source="source.publisher")
    published_on = serializers.DateField(source="source.published_on")
    published_on_precision = serializers.CharField(source="source.published_on_precision")

    class Meta:
        model = Citation
        # headline: the story within the source the quote is from ("" for a one-story source).
        fields = [
            "title",
            "headline",
            "publisher",
            "published_on",
            "published_on_precision",
            "quote",
        ]


class ProjectSerializer(serializers.ModelSerializer):
    url = PageURLField()
    region = RegionRefSerializer()
    industry = IndustrySerializer()
    event = EventRefSerializer()
    stage_display = serializers.CharField(source="get_stage_display")
    status_display = serializers.CharField(source="get_status_display")
    investment = WanField()
    investment_low = WanField()
    investment_high = WanField()
    amount_display = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "summary",
            "url",
            "region",
            "industry",
            "stage",
            "stage_display",
            "status",
            "status_display",
            "investment",
            "investment_low",
            "investment_high",
            "amount_display",
            "signed_on",
            "signed_on_precision",
            "started_on",
            "started_on_precision",
            "operating_on",
            "operating_on_precision",
            "event",
        ]

    def get_amount_display(self, project) -> str:
        return format_project_amount(project)


class ProjectDetailSerializer(ProjectSerializer):
    partners = ProjectPartnerSerializer(source="project_partners", many=True)
    sources = CitationSerializer(source="citations", many=True)

    class Meta(ProjectSerializer.Meta):
        fields = ProjectSerializer.Meta.fields + ["partners", "sources"]


class EventSerializer(serializers.ModelSerializer):
    url = PageURLField()
    kind_display = serializers.CharField(source="get_kind_display")
    region = RegionRefSerializer()
    organisers = PartnerRefSerializer(many=True)
    declared_signed_investment = WanField()
    declared_promoted_investment = WanField()
    itemised_project_count = serializers.IntegerField(source="itemised")

    class Meta:
        model = Event
        fields = [
            "slug",
            "name",
            "url",
            "kind",
            "kind_display",
            "city",
            "venue",
            "region",
            "start_date",
            "end_date",
            "declared_signed_count",
            "declared_signed_investment",
            "declared_promoted_count",
            "declared_promoted_investment",
            "itemised_project_count",
            "organisers",
            "summary",
        ]


class PartnerSerializer(serializers.ModelSerializer):
    url = PageURLField()
    aliases = serializers.SerializerMethodField()
    kind_display = serializers.CharField(source="get_kind_display")
    public_project_count = serializers.IntegerField(source="project_count")

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "short_name",
            "aliases",
            "url",
            "kind",
            "kind_display",
            "province",
            "city",
            "credit_code",
            "public_project_count",
        ]

    def get_aliases(self, org) -> list[str]:
        return [name for name in org.aliases.splitlines() if name.strip()]


# --- Pagination and views ------------------------------------------------------------------


class TotalsPagination(PageNumberPagination):
    """Page numbers over a count the view already knows; as deep as the HTML list goes."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
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

    def get_paginated_response(self, data):
        body = {
            "count": self.totals["count"],
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
        }
        if "disclosed_total" in self.totals:
            body["disclosed_investment"] = plain_decimal(self.totals["disclosed_total"])
            body["undisclosed_count"] = self.totals["undisclosed"]
        return Response({**body, "results": data})


class PublicReadOnlyViewSet(ListRows, viewsets.ReadOnlyModelViewSet):
    """JSON only, for anyone, no session: public data needs neither login nor CSRF."""

    renderer_classes = [JSONRenderer]
    authentication_classes = []
    permission_classes = [AllowAny]
    pagination_class = TotalsPagination
    filter_backends = [DjangoFilterBackend]


class ProjectViewSet(ProjectListRows, PublicReadOnlyViewSet):
    queryset = selectors.project_list()
    filterset_class = ProjectFilterSet
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        queryset = super().get_queryset()
        return selectors.project_record(queryset) if self.action == "retrieve" else queryset

    def get_serializer_class(self):
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectSerializer

    def remember_totals(self) -> bool:
        return not ProjectFilterSet.is_search(self.request.query_params)


class EventViewSet(PublicReadOnlyViewSet):
    queryset = selectors.event_list().prefetch_related("organisers")
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    lookup_field = "slug"


class PartnerViewSet(PublicReadOnlyViewSet):
    queryset = selectors.partner_list()
    serializer_class = PartnerSerializer
    filterset_class = PartnerFilterSet


class RegionViewSet(PublicReadOnlyViewSet):
    queryset = selectors.regions()
    serializer_class = RegionSerializer
    pagination_class = None
    filter_backends = []
    lookup_field = "slug"


class IndustryViewSet(PublicReadOnlyViewSet):
    queryset = selectors.industries()
    serializer_class = IndustrySerializer
    pagination_class = None
    filter_backends = []
    lookup_field = "slug"


class APIRootView(routers.APIRootView):
    renderer_classes = [JSONRenderer]
    authentication_classes = []
    permission_classes = [AllowAny]


class Router(routers.DefaultRouter):
    APIRootView = APIRootView
    include_format_suffixes = False


router = Router()
router.register("projects", ProjectViewSet, basename="api-project")
router.register("events", EventViewSet, basename="api-event")
router.register("partners", PartnerViewSet, basename="api-partner")
router.register("regions", RegionViewSet, basename="api-region")
router.register("industries", IndustryViewSet, basename="api-industry")
