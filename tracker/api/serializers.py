"""The API's serializers. Every field carries its data-dictionary entry as ``help_text``.

The help text is the field's description in the OpenAPI schema (``/api/schema/``) and
its line on the dictionary page (``/api/dictionary/``), so the two cannot disagree;
``tests/api/test_schema.py`` fails on a field without one. Amounts are 万元 as decimal
strings, ``null`` when undisclosed (未披露, never 0); a date is the first day of its
period and its ``*_precision`` says how much of it the source states.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import DatePrecision, Stage, Status
from ..formatting import format_project_amount, plain_decimal
from ..models import Citation, Event, Industry, Organization, Project, ProjectPartner, Region
from ..models.projects import DATE_FIELDS
from ..templatetags.project_rows import choice_labels

UNDISCLOSED_NOTE = "null when the source does not disclose it (未披露) — never 0."
PRECISION_NOTE = (
    "How much of `{field}` the source states: day, month (the date is the month's first "
    "day) or year (the date is 1 January). Read `{field}` only to this precision."
)
DATE_NOTE = (
    "The {what} as an ISO 8601 date (YYYY-MM-DD), the first day of its period "
    "(see `{field}_precision`); null when {unknown}."
)


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": r"^\d+(\.\d{1,4})?$",
        "nullable": True,
        "example": "105000",
    }
)
class WanField(serializers.Field):
    """An amount in 万元 as a decimal string; ``null`` when undisclosed."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return plain_decimal(value)


@extend_schema_field({"type": "string", "format": "uri"})
class PageURLField(serializers.Field):
    """The absolute URL of the object's public page."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Absolute URL of the record's public web page.")
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, obj):
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())


def wan(what: str) -> WanField:
    return WanField(
        help_text=f"{what}, in 万元 (10,000 yuan) as a decimal string. {UNDISCLOSED_NOTE}"
    )


def date_help(field: str, what: str) -> dict:
    """``extra_kwargs`` for a date and its precision."""
    return {
        field: {"help_text": DATE_NOTE.format(what=what, field=field, unknown="not reported")},
        f"{field}_precision": {"help_text": PRECISION_NOTE.format(field=field)},
    }


def label(of: str) -> serializers.CharField:
    return serializers.CharField(
        source=f"get_{of}_display",
        read_only=True,
        help_text=f"The label of `{of}` in the request's language (Chinese by default).",
    )


# --- Reference data -------------------------------------------------------------------------

SLUG = "Stable identifier used in URLs and as the filter value."
REGION_KIND = "Level of the region: city 市, district 区县, zone 功能区, park 园区/载体."


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="`slug` of the enclosing region (a park's district); null for the city.",
    )
    kind_display = label("kind")
    url = PageURLField()

    class Meta:
        model = Region
        fields = ["slug", "name", "kind", "kind_display", "parent", "url"]
        extra_kwargs = {
            "slug": {"help_text": SLUG + " `/api/projects/?region=<slug>` includes sub-regions."},
            "name": {"help_text": "Chinese name of the region."},
            "kind": {"help_text": REGION_KIND},
        }


class RegionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["slug", "name", "kind"]
        extra_kwargs = RegionSerializer.Meta.extra_kwargs


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["slug", "name"]
        extra_kwargs = {
            "slug": {"help_text": SLUG + " `/api/projects/?industry=<slug>`."},
            "name": {"help_text": "Chinese name of the industry category (产业类别)."},
        }


class EventRefSerializer(serializers.ModelSerializer):
    url = PageURLField()

    class Meta:
        model = Event
        fields = ["slug", "name", "url"]
        extra_kwargs = {
            "slug": {"help_text": SLUG + " `/api/events/<slug>/`, `/api/projects/?event=<slug>`."},
            "name": {"help_text": "Name of the event as reported."},
        }


class PartnerRefSerializer(serializers.ModelSerializer):
    url = PageURLField()

    class Meta:
        model = Organization
        fields = ["id", "name", "url"]
        extra_kwargs = {
            "id": {
                "help_text": "Identifier: `/api/partners/<id>/`, `/api/projects/?partner=<id>`."
            },
            "name": {"help_text": "Full registered or reported name of the organisation."},
        }


class ProjectPartnerSerializer(serializers.ModelSerializer):
    organization = PartnerRefSerializer(help_text="The partner organisation.")
    role_display = label("role")

    class Meta:
        model = ProjectPartner
        fields = ["organization", "role", "role_display"]
        extra_kwargs = {"role": {"help_text": "The part the organisation plays in the project."}}


class CitationSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="source.title", help_text="Title of the source article.")
    publisher = serializers.CharField(
        source="source.publisher", help_text="Who published the source (media, government site)."
    )
    published_on = serializers.DateField(
        source="source.published_on",
        allow_null=True,
        help_text=DATE_NOTE.format(
            what="publication date", field="published_on", unknown="not known"
        ),
    )
    published_on_precision = serializers.ChoiceField(
        DatePrecision.choices,
        source="source.published_on_precision",
        read_only=True,
        help_text=PRECISION_NOTE.format(field="published_on"),
    )

    class Meta:
        model = Citation
        fields = [
            "title",
            "headline",
            "publisher",
            "published_on",
            "published_on_precision",
            "quote",
        ]
        extra_kwargs = {
            "headline": {
                "help_text": "The story within the source the quote is from (a page of several "
                "stories); empty for a one-story source."
            },
            "quote": {
                "help_text": "The sentence(s) the record rests on, verbatim from the source."
            },
        }


# --- Projects ---------------------------------------------------------------------------------


def _iso(day) -> str | None:
    return None if day is None else day.isoformat()


def _ref(obj, fields, absolute) -> dict | None:
    if obj is None:
        return None
    row = {name: getattr(obj, name) for name in fields}
    if absolute is not None:
        row["url"] = absolute(obj.get_absolute_url())
    return row


class ProjectListSerializer(serializers.ListSerializer):
    """A page of projects as plain dicts: the same keys, order and values as
    ``ProjectSerializer`` field by field (``tests/api/test_api.py`` compares the two),
    without DRF's per-field machinery, which cost over half of a list request."""

    def to_representation(self, data):
        # Scheme and host once, not per link: every link here is an absolute path.
        origin = self.context["request"].build_absolute_uri("/")[:-1]

        def absolute(path: str) -> str:
            return origin + path

        stages, statuses = choice_labels(Stage.choices), choice_labels(Status.choices)
        rows = []
        for p in data.all() if hasattr(data, "all") else data:
            rows.append(
                {
                    "code": p.code,
                    "name": p.name,
                    "summary": p.summary,
                    "url": absolute(p.get_absolute_url()),
                    "region": _ref(p.region, ("slug", "name", "kind"), None),
                    "industry": _ref(p.industry, ("slug", "name"), None),
                    "stage": p.stage,
                    "stage_display": stages.get(p.stage, p.stage),
                    "status": p.status,
                    "status_display": statuses.get(p.status, p.status),
                    "investment": plain_decimal(p.investment),
                    "investment_low": plain_decimal(p.investment_low),
                    "investment_high": plain_decimal(p.investment_high),
                    "amount_display": format_project_amount(p),
                    "signed_on": _iso(p.signed_on),
                    "signed_on_precision": p.signed_on_precision,
                    "started_on": _iso(p.started_on),
                    "started_on_precision": p.started_on_precision,
                    "operating_on": _iso(p.operating_on),
                    "operating_on_precision": p.operating_on_precision,
                    "event": _ref(p.event, ("slug", "name"), absolute),
                }
            )
        return rows


class ProjectSerializer(serializers.ModelSerializer):
    url = PageURLField()
    region = RegionRefSerializer(help_text="Where the project is (district, zone or park).")
    industry = IndustrySerializer(
        allow_null=True, help_text="Industry category; null when not classified."
    )
    event = EventRefSerializer(
        allow_null=True, help_text="The event the project was signed or promoted at; null if none."
    )
    stage_display = label("stage")
    status_display = label("status")
    investment = wan("Total investment the source states")
    investment_low = wan("Lower bound when the source gives a range (e.g. 1000万元至1亿元)")
    investment_high = wan("Upper bound when the source gives a range")
    amount_display = serializers.SerializerMethodField(
        help_text="The amount as people read it: 10.5亿元, 1000万元—1亿元, 未披露 (undisclosed)."
    )

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
            *DATE_FIELDS,
            "event",
        ]
        extra_kwargs = {
            "code": {
                "help_text": "Project code (项目编号), e.g. JZ-2020-0007: `/api/projects/<code>/`."
            },
            "name": {"help_text": "Project name as reported."},
            "summary": {"help_text": "What is built or done (建设内容); may be empty."},
            "stage": {"help_text": "How far the project has come, in pipeline order."},
            "status": {"help_text": "Whether the project is progressing as planned."},
            **date_help("signed_on", "signing date"),
            **date_help("started_on", "construction start"),
            **date_help("operating_on", "start of operation"),
        }
        list_serializer_class = ProjectListSerializer

    def get_amount_display(self, project) -> str:
        return format_project_amount(project)


class ProjectDetailSerializer(ProjectSerializer):
    partners = ProjectPartnerSerializer(
        source="project_partners",
        many=True,
        help_text="Organisations named with the project, by role then name.",
    )
    sources = CitationSerializer(
        source="citations", many=True, help_text="Where each fact comes from: article and quote."
    )

    class Meta(ProjectSerializer.Meta):
        fields = ProjectSerializer.Meta.fields + ["partners", "sources"]
        list_serializer_class = serializers.ListSerializer  # the fast one has no partners


# --- Events and partners ----------------------------------------------------------------------

DECLARED = (
    "As announced by the event itself (not the sum of itemised projects, and never added "
    "to project totals)"
)


class EventSerializer(serializers.ModelSerializer):
    url = PageURLField()
    kind_display = label("kind")
    region = RegionRefSerializer(
        allow_null=True, help_text="The region that led the event (牵头区域); null if none."
    )
    organisers = PartnerRefSerializer(many=True, help_text="Organisations that held the event.")
    declared_signed_investment = wan(DECLARED + ": investment signed")
    declared_promoted_investment = wan(DECLARED + ": investment promoted")
    itemised_project_count = serializers.IntegerField(
        source="itemised",
        help_text="How many public projects in this dataset name this event.",
    )

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
        extra_kwargs = {
            **EventRefSerializer.Meta.extra_kwargs,
            "kind": {"help_text": "What kind of event it was."},
            "city": {"help_text": "City where it was held; empty when not reported."},
            "venue": {"help_text": "Venue; empty when not reported."},
            "start_date": {"help_text": "First day (ISO 8601 date); null when not reported."},
            "end_date": {"help_text": "Last day (ISO 8601 date); null when not reported."},
            "declared_signed_count": {
                "help_text": DECLARED + ": number of projects signed. null when not announced."
            },
            "declared_promoted_count": {
                "help_text": DECLARED + ": number of projects promoted. null when not announced."
            },
            "summary": {"help_text": "Our own summary of the reports; may be empty."},
        }


class PartnerSerializer(serializers.ModelSerializer):
    url = PageURLField()
    aliases = serializers.SerializerMethodField(
        help_text="Other names the sources use (short names, former names)."
    )
    kind_display = label("kind")
    public_project_count = serializers.IntegerField(
        source="project_count", help_text="How many public projects name this partner."
    )

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
        extra_kwargs = {
            **PartnerRefSerializer.Meta.extra_kwargs,
            "short_name": {"help_text": "Common short name (简称); may be empty."},
            "kind": {"help_text": "What kind of organisation it is."},
            "province": {"help_text": "Province of its seat; empty when unknown."},
            "city": {"help_text": "City of its seat; empty when unknown."},
            "credit_code": {
                "help_text": "Unified social credit code (统一社会信用代码, 18 characters); "
                "empty when unknown."
            },
        }

    def get_aliases(self, org) -> list[str]:
        return [name for name in org.aliases.splitlines() if name.strip()]


# The records the API answers with, by their schema component: the dictionary page's sections.
DOCUMENTED = {
    "List page (every list)": "PaginatedProjectList",
    "Project": "ProjectDetail",
    "Region (in a project)": "RegionRef",
    "Industry": "Industry",
    "Event (in a project)": "EventRef",
    "Partner (in a project)": "ProjectPartner",
    "Organisation (in a partner entry)": "PartnerRef",
    "Source": "Citation",
    "Event": "Event",
    "Partner": "Partner",
    "Region": "Region",
}
