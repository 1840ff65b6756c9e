"""django-import-export resources for the reference tables, used by their admin export.

Regions, industries, organisations and events are exported from their admin
pages in the library's formats (xlsx, csv, json, …) by these resources, as
the library comes: that is what it does well.

The 项目台账 is not a resource, by choice. Its import previews a stored
upload and confirms it only if a re-plan gives the same digest, holds one
import turn, applies the rules by stage and the user's region scope to every
row, and writes in bulk with history; its export streams. That is the
ledger's own planner (``tracker.ledger``) and the services that write its
plans (``tracker.services.ledger``). A ``ModelResource`` run row by row is
the benchmark's baseline (``benchmarks/ledger_baseline.py``, see
``make bench-import``), not a second way in.
"""

from import_export import fields, resources, widgets

from .models import Event, Industry, Organization, Region

# --- Reference tables (library defaults) ---------------------------------------------------


class RegionResource(resources.ModelResource):
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=widgets.ForeignKeyWidget(Region, field="slug"),
    )

    class Meta:
        model = Region
        import_id_fields = ["slug"]
        fields = ["slug", "name", "kind", "parent", "description"]


class IndustryResource(resources.ModelResource):
    class Meta:
        model = Industry
        import_id_fields = ["slug"]
        fields = ["slug", "name"]


class OrganizationResource(resources.ModelResource):
    class Meta:
        model = Organization
        import_id_fields = ["name"]
        fields = ["name", "short_name", "kind", "province", "city", "credit_code", "note"]


class EventResource(resources.ModelResource):
    region = fields.Field(
        attribute="region",
        column_name="region",
        widget=widgets.ForeignKeyWidget(Region, field="slug"),
    )

    class Meta:
        model = Event
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "name",
            "kind",
            "city",
            "venue",
            "region",
            "start_date",
            "end_date",
            "declared_signed_count",
            "declared_signed_investment",
            "declared_promoted_count",
            "declared_promoted_investment",
            "summary",
        ]
