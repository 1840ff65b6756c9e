"""``/api/progress/``: each district's signings, starts and operations by year (public).

The figures are the overview's (``stats.overview()["progress"]``, one shared entry
per data fingerprint), counted by the 考核与排名 rule over public projects only
(docs/workflow.md): a warm answer costs the data fingerprint's one query, whatever
the data size. Funds in place (到位资金) appear only when the bureau publishes them
in aggregate (``FUNDS_PUBLIC_AGGREGATE``), per district and year, never per project.
"""

from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import stats
from ..formatting import plain_decimal
from .http import OpenDataHeaders, license_info
from .openapi import AS_OF, ERRORS, RECORD_HEADERS
from .serializers import UNDISCLOSED_NOTE, WanField

SIGNED_NOTE = "at 已签约 or beyond now, dated by `signed_on`, else the first change into 已签约"


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^\d+(\.\d{1,4})?$", "nullable": True}
)
class OptionalWanField(serializers.Field):
    """An amount in 万元 that a record may leave out altogether (not read-only, so the
    schema does not list it as required)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_representation(self, value):
        return plain_decimal(value)


class DistrictYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="Calendar year.")
    signed_count = serializers.IntegerField(
        help_text=f"Projects signed in the year ({SIGNED_NOTE})."
    )
    signed_amount = WanField(
        help_text="Sum of the disclosed total investments of those, in 万元; "
        "null when none is disclosed. Undisclosed amounts are not counted as 0."
    )
    undisclosed_count = serializers.IntegerField(
        source="undisclosed",
        help_text="How many of the year's signings have no disclosed total investment (未披露).",
    )
    started_count = serializers.IntegerField(
        help_text="Projects that started in the year (`started_on`, else the first change "
        "into 在建/落地 or 已投产) and are at 在建/落地 or beyond now."
    )
    operating_count = serializers.IntegerField(
        help_text="Projects that went into operation in the year (`operating_on`, else the "
        "first change into 已投产) and are at 已投产 now."
    )
    funds_amount = OptionalWanField(
        help_text="Funds in place (到位资金) that arrived in the year for the district's public "
        "projects, in 万元: present only when the bureau publishes funds in aggregate "
        "(`funds_published`); null when none arrived.",
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if "funds_amount" not in instance:
            data.pop("funds_amount", None)
        return data


class DistrictProgressSerializer(serializers.Serializer):
    region = serializers.CharField(
        source="slug", help_text="The district's `slug` (see /api/regions/)."
    )
    name = serializers.CharField(help_text="The district's name.")
    at_city = serializers.BooleanField(
        help_text="True for the row of projects placed at the city itself (市级), in no district."
    )
    years = DistrictYearSerializer(many=True, help_text="One entry per year with any figure.")


class CohortSerializer(serializers.Serializer):
    year = serializers.IntegerField(
        allow_null=True, help_text="Signing year; null for signings with no date at all."
    )
    signed = serializers.IntegerField(
        help_text=f"Public projects signed that year ({SIGNED_NOTE})."
    )
    started = serializers.IntegerField(help_text="Of them, at 在建/落地 or 已投产 now.")
    operating = serializers.IntegerField(help_text="Of them, at 已投产 now.")


ProgressResponse = inline_serializer(
    "DistrictProgressPage",
    fields={
        "data_as_of": serializers.DateTimeField(allow_null=True, help_text=AS_OF),
        "license": inline_serializer(
            "License",
            fields={
                "name": serializers.CharField(help_text="Licence name."),
                "url": serializers.URLField(help_text="Licence text."),
            },
            help_text="The licence the data is published under.",
        ),
        "funds_published": serializers.BooleanField(
            help_text="Whether funds in place (到位资金) are published, in aggregate only."
        ),
        "results": DistrictProgressSerializer(
            many=True, help_text="Every district with a public project, by name; 市级 last."
        ),
        "cohorts": CohortSerializer(
            many=True,
            help_text="Of the public projects signed each year, how many started and operate now.",
        ),
    },
)


class DistrictProgressView(OpenDataHeaders, APIView):
    renderer_classes = [JSONRenderer]
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="District progress by year",
        description="Per district and year, over public projects: signings (count, disclosed "
        "amount, undisclosed count), starts and operations, counted by the bureau's rule "
        "(docs/workflow.md, 考核与排名); and the signing cohorts. Funds in place only in "
        f"aggregate and only when published. {UNDISCLOSED_NOTE}",
        parameters=RECORD_HEADERS,
        responses={200: ProgressResponse, **ERRORS},
    )
    def get(self, request):
        overview = stats.overview()
        results = [
            {**district, "years": [{"year": y, **f} for y, f in district["years"].items()]}
            for district in overview["progress"]
        ]
        return Response(
            {
                "data_as_of": self.freshness.as_of_text if self.freshness else None,
                "license": license_info(),
                "funds_published": overview["funds_published"],
                "results": DistrictProgressSerializer(results, many=True).data,
                "cohorts": CohortSerializer(overview["cohorts"], many=True).data,
            }
        )
