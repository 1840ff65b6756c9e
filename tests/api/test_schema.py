"""The OpenAPI schema is generated from the code, valid, and documents every field; its pages
load from our own static files only."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from tests import factories as make
from tracker.api.docs import dictionary, openapi_schema
from tracker.api.serializers import DOCUMENTED
from tracker.choices import Stage

pytestmark = pytest.mark.django_db
RECORDS = ["ProjectDetail", "Project", "Event", "Partner", "Region", "Industry", "Citation"]


def test_the_schema_validates_without_a_single_warning(tmp_path):
    # drf-spectacular's own check: the OpenAPI 3 validator, and every warning is a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yaml")
    assert (tmp_path / "s.yaml").read_text(encoding="utf-8").startswith("openapi: 3.0")


def test_the_schema_is_served_as_json_and_yaml(client):
    body = client.get("/api/schema/").json()
    assert body["openapi"].startswith("3.")
    assert {"/api/projects/", "/api/projects/{code}/", "/api/regions/"} <= set(body["paths"])
    assert body["info"]["license"]["name"]
    yaml = client.get("/api/schema/", {"format": "yaml"})
    assert yaml.content.startswith(b"openapi: 3.")


def test_every_field_of_every_record_has_a_description():
    components = openapi_schema()["components"]["schemas"]
    missing = [
        f"{name}.{field}"
        for name in RECORDS + list(DOCUMENTED.values())
        for field, prop in components[name]["properties"].items()
        if not prop.get("description")
    ]
    assert missing == []


def test_amounts_are_documented_as_nullable_decimal_strings_in_wan():
    project = openapi_schema()["components"]["schemas"]["Project"]["properties"]
    for field in ("investment", "investment_low", "investment_high"):
        assert project[field]["type"] == "string"
        assert project[field]["nullable"] is True
        assert "万元" in project[field]["description"]
        assert "未披露" in project[field]["description"]
        assert "never 0" in project[field]["description"]
    assert "precision" in project["signed_on"]["description"]


def test_codes_are_named_enums_with_their_labels():
    schemas = openapi_schema()["components"]["schemas"]
    assert schemas["StageEnum"]["enum"] == list(Stage.values)
    assert "已签约" in schemas["StageEnum"]["description"]
    for name in ("EventKindEnum", "RegionKindEnum", "OrganizationKindEnum", "DatePrecisionEnum"):
        assert schemas[name]["enum"]


def test_every_list_answers_the_same_documented_envelope():
    schemas = openapi_schema()["components"]["schemas"]
    common = {"count", "next", "previous", "data_as_of", "license", "results"}
    for name in ("Event", "Partner", "Region", "Industry"):
        assert set(schemas[f"Paginated{name}List"]["properties"]) == common
    assert set(schemas["PaginatedProjectList"]["properties"]) == common | {
        "disclosed_investment",
        "undisclosed_count",
    }


def test_the_docs_page_loads_vendored_assets_only(client):
    response = client.get(reverse("tracker:api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    # Nothing from elsewhere: no CDN, no outside link at all.
    assert re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html) == []
    assert "/static/vendor/swagger-ui-dist-5.35.0/swagger-ui-bundle.js" in html
    assert 'data-schema-url="/api/schema/"' in html
    # No inline script: the site's CSP (script-src 'self') holds.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert (
        "unsafe-inline"
        not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )


def test_the_vendored_swagger_ui_carries_its_licence():
    from django.contrib.staticfiles import finders

    for name in ("LICENSE", "NOTICE", "swagger-ui-bundle.js", "swagger-ui.css"):
        assert finders.find(f"vendor/swagger-ui-dist-5.35.0/{name}"), name


def test_the_dictionary_page_lists_every_field_and_code(client):
    make.build_ledger()
    html = client.get(reverse("tracker:api-dictionary")).content.decode()
    for section in dictionary():
        for field in section["fields"]:
            assert f"<code>{field['name']}</code>" in html
    assert "<code>construction</code>" in html and "在建/落地" in html
    assert "Under construction" in html or "construction" in html
    assert "CC BY 4.0" in html


def test_the_api_root_points_to_the_schema_and_docs(client):
    root = client.get("/api/").json()
    assert root["schema"] == "http://testserver/api/schema/"
    assert root["docs"] == "http://testserver/api/docs/"


def test_docs_api_md_carries_the_whole_dictionary():
    # docs/api.md is written from dictionary(); a field added to a serializer must be added there.
    text = (Path(settings.BASE_DIR) / "docs" / "api.md").read_text(encoding="utf-8")
    sections = {part.split("\n", 1)[0]: part for part in text.split("\n### ")[1:]}
    for section in dictionary():
        body = sections[section["name"]]
        for field in section["fields"]:
            assert f"| `{field['name']}` | {field['type']} |" in body, field["name"]
