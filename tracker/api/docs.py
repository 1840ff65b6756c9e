"""The API's description: the OpenAPI schema, its docs page and the data dictionary page.

The docs page runs Swagger UI from ``static/vendor`` (no CDN) with a script file of
our own, so the site's Content-Security-Policy (``script-src 'self'``) holds. The
dictionary page is generated from the same serializers and choices as the schema.
"""

import re

from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.generic import TemplateView
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

from .. import choices
from .http import OpenDataHeaders, data_as_of, license_info
from .serializers import DOCUMENTED
from .views import MAX_PAGE_SIZE

SWAGGER_UI = "vendor/swagger-ui-dist-5.35.0"

# The schema depends on the code only: generated once per process and language.
_schemas: dict[str, dict] = {}


def openapi_schema() -> dict:
    """The API's OpenAPI description in the active language (what /api/schema/ serves)."""
    language = get_language()
    if language not in _schemas:
        _schemas[language] = SchemaGenerator().get_schema(request=None, public=True)
    return _schemas[language]


class SchemaView(OpenDataHeaders, SpectacularAPIView):
    """``/api/schema/``: JSON by default, YAML with ``?format=yaml``."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]
    authentication_classes = []
    conditional = False

    def _get_schema_response(self, request):
        return Response(openapi_schema())


CODES = [
    ("stage", choices.Stage),
    ("status", choices.Status),
    ("*_precision", choices.DatePrecision),
    ("role", choices.PartnerRole),
    ("kind (region)", choices.RegionKind),
    ("kind (event)", choices.EventKind),
    ("kind (partner)", choices.OrganizationKind),
]


def _type_of(prop: dict) -> str:
    """A schema property as a short type: ``string (date), null``, ``list of Citation``."""
    if "$ref" in prop or "allOf" in prop:
        ref = prop.get("$ref") or prop["allOf"][0]["$ref"]
        kind = ref.rsplit("/", 1)[-1]
        if kind.endswith("Enum"):
            kind = f"code ({kind})"
    elif prop.get("type") == "array":
        kind = "list of " + _type_of(prop["items"])
    else:
        kind = prop.get("type", "string")
        # An integer's width (int64 on SQLite, none on PostgreSQL) tells a reader nothing.
        if prop.get("format") and kind != "integer":
            kind += f" ({prop['format']})"
    return kind + (", null" if prop.get("nullable") else "")


def as_html(text: str) -> str:
    """A description as HTML: escaped, with its `code` spans (Markdown's) as <code>."""
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text)))


def _first_paragraph(prop: dict) -> str:
    return prop.get("description", "").split("\n\n")[0]


def dictionary() -> list[dict]:
    """Each record the API answers with: its fields' names, types and meanings (from the schema)."""
    components = openapi_schema()["components"]["schemas"]
    return [
        {
            "name": title,
            "component": component,
            "fields": [
                # An enum's description goes on to list its codes: the page has a table of them.
                {"name": name, "type": _type_of(prop), "help": _first_paragraph(prop)}
                for name, prop in components[component]["properties"].items()
            ],
        }
        for title, component in DOCUMENTED.items()
    ]


def codes() -> list[dict]:
    """Every code with its Chinese and English label."""
    rows = []
    for field, enum in CODES:
        entries = []
        for value in enum.values:
            with translation.override("zh-hans"):
                chinese = str(enum(value).label)
            with translation.override("en"):
                english = str(enum(value).label)
            entries.append({"code": value, "zh": chinese, "en": english})
        rows.append({"field": field, "entries": entries})
    return rows


class APIPage(TemplateView):
    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "license": license_info(),
            "data_as_of": data_as_of(),
            "max_page_size": MAX_PAGE_SIZE,
            "swagger_ui": SWAGGER_UI,
        }


class DocsView(APIPage):
    """``/api/docs/``: Swagger UI over ``/api/schema/``."""

    template_name = "tracker/api_docs.html"


class DictionaryView(APIPage):
    """``/api/dictionary/``: every field, its type and meaning; every code and its labels."""

    template_name = "tracker/api_dictionary.html"

    def get_context_data(self, **kwargs):
        objects = [
            {**section, "fields": [{**f, "help": as_html(f["help"])} for f in section["fields"]]}
            for section in dictionary()
        ]
        return {**super().get_context_data(**kwargs), "objects": objects, "codes": codes()}
