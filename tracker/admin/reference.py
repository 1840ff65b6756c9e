"""Reference tables: regions, industries, organisations, events and sources."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from ..models import (
    Event,
    Industry,
    Organization,
    Region,
    Source,
)
from ..permissions import (
    editable_region_ids,
    is_region_scoped,
)
from ..resources import (
    EventResource,
    IndustryResource,
    OrganizationResource,
    RegionResource,
)
from ..templatetags.tracker import wan
from .inlines import CitationInline
from .mixins import ImportBatchHistoryMixin, LedgerExportPermissionMixin, TrackerHistoryAdmin


@admin.register(Region)
class RegionAdmin(LedgerExportPermissionMixin, ExportMixin, TrackerHistoryAdmin):
    resource_classes = [RegionResource]
    list_display = ["name", "slug", "kind", "parent"]
    list_select_related = ["parent"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["parent"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # A 区域录入员 picking a project's region is offered their own regions only.
        if (
            request.GET.get("model_name") == "project"
            and request.GET.get("field_name") == "region"
            and is_region_scoped(request.user)
        ):
            queryset = queryset.filter(pk__in=editable_region_ids(request.user))
        return queryset, may_have_duplicates


@admin.register(Industry)
class IndustryAdmin(LedgerExportPermissionMixin, ExportMixin, TrackerHistoryAdmin):
    resource_classes = [IndustryResource]
    list_display = ["name", "slug", "project_count"]
    search_fields = ["name", "slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_count=Count("projects"))

    @admin.display(description=_("项目数"), ordering="project_count")
    def project_count(self, obj):
        return obj.project_count


@admin.register(Organization)
class OrganizationAdmin(
    ImportBatchHistoryMixin, LedgerExportPermissionMixin, ExportMixin, TrackerHistoryAdmin
):
    resource_classes = [OrganizationResource]
    list_display = ["name", "short_name", "kind", "province", "city", "credit_code"]
    list_filter = ["kind", "province"]
    search_fields = ["name", "short_name", "aliases", "credit_code", "name_key"]
    readonly_fields = ["name_key"]
    show_full_result_count = False


class EventCitationInline(CitationInline):
    fk_name = "event"


@admin.register(Event)
class EventAdmin(LedgerExportPermissionMixin, ExportMixin, TrackerHistoryAdmin):
    resource_classes = [EventResource]
    list_display = [
        "name",
        "kind",
        "start_date",
        "region",
        "declared_signed_count",
        "declared_signed",
    ]
    list_select_related = ["region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "slug", "city", "venue"]
    autocomplete_fields = ["region", "organisers"]
    date_hierarchy = "start_date"
    inlines = [EventCitationInline]

    @admin.display(description=_("公布签约总投资"), ordering="declared_signed_investment")
    def declared_signed(self, obj):
        return wan(obj.declared_signed_investment)


@admin.register(Source)
class SourceAdmin(TrackerHistoryAdmin):
    list_display = ["title", "publisher", "published_on", "region", "file"]
    list_select_related = ["region"]
    list_filter = ["publisher"]
    search_fields = ["title", "file", "publisher"]
    autocomplete_fields = ["region"]
