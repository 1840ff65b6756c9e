"""Only public data, everywhere: internal projects and internal fields never leave the admin.

Every internal text in the fixture carries ``SECRET``; no public response may contain it.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests import factories as make
from tests.factories import SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
    return make.build_ledger()


def public_urls(ledger) -> list[str]:
    """Every public page, export and API answer that could mention the internal project."""
    hidden = ledger.hidden_partner.pk
    return [
        reverse("tracker:overview"),
        reverse("tracker:project_list"),
        reverse("tracker:project_list") + "?ordering=-amount",
        reverse("tracker:project_list") + "?year=2020&region=5g-park",
        ledger.classroom.get_absolute_url(),
        reverse("tracker:event_list"),
        ledger.fair.get_absolute_url(),
        reverse("tracker:partner_list"),
        ledger.tencent.get_absolute_url(),
        reverse("tracker:region_list"),
        ledger.park.get_absolute_url(),
        ledger.jiefang.get_absolute_url(),
        reverse("tracker:project_export_csv"),
        reverse("tracker:project_export_xlsx"),
        reverse("tracker:api-project-list"),
        reverse("tracker:api-project-list") + f"?partner={ledger.tencent.pk}",
        reverse("tracker:api-project-detail", args=[ledger.classroom.code]),
        reverse("tracker:api-event-list"),
        reverse("tracker:api-event-detail", args=[ledger.fair.slug]),
        reverse("tracker:api-partner-list"),
        reverse("tracker:api-partner-detail", args=[ledger.tencent.pk]),
        reverse("tracker:api-region-list"),
        reverse("tracker:partner_detail", args=[hidden]),
        reverse("tracker:api-partner-detail", args=[hidden]),
    ]


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        from io import BytesIO

        from openpyxl import load_workbook

        sheet = load_workbook(BytesIO(response.content)).active
        return "\n".join(",".join(str(c or "") for c in row) for row in sheet.values)
    return response.content.decode()


def test_no_public_response_mentions_anything_internal(client, ledger):
    for url in public_urls(ledger):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        text = body(response)
        assert SECRET not in text, url
        assert "JZ-2020-0099" not in text, url
        assert "999999" not in text, url


def test_searching_for_an_internal_project_finds_nothing(client, ledger):
    for query in (SECRET, "JZ-2020-0099", ledger.hidden_partner.name):
        response = client.get(reverse("tracker:project_list"), {"q": query})
        assert response.context["totals"]["count"] == 0
        assert response.context["rows"] == []
        api = client.get(reverse("tracker:api-project-list"), {"q": query}).json()
        assert api["count"] == 0


def test_internal_projects_are_not_found_at_their_urls(client, ledger):
    assert client.get(ledger.hidden.get_absolute_url()).status_code == 404
    api = reverse("tracker:api-project-detail", args=[ledger.hidden.code])
    assert client.get(api).status_code == 404


def test_internal_projects_count_in_no_total_or_chart(client, ledger):
    context = client.get(reverse("tracker:overview")).context
    assert context["totals"]["count"] == 5
    assert context["totals"]["disclosed_total"] == Decimal("116000")
    assert sum(bar.count for bar in context["by_stage"]) == 5
    assert sum(bar.count for bar in context["by_district"]) == 5
    assert sum(bar.count for bar in context["by_industry"]) == 5
    signed_2020 = {bar.label: bar.count for bar in context["by_year"]}["2020"]
    assert signed_2020 == 1  # the internal project was signed in 2020 too
    assert [p.code for p in context["latest"]].count("JZ-2020-0099") == 0


def test_an_event_itemises_only_its_public_projects(client, ledger):
    response = client.get(ledger.fair.get_absolute_url())
    assert response.context["totals"]["count"] == 2
    api = client.get(reverse("tracker:api-event-detail", args=[ledger.fair.slug])).json()
    assert api["itemised_project_count"] == 2


def test_a_partner_only_in_internal_projects_stays_internal(client, ledger):
    hidden = ledger.hidden_partner
    assert client.get(hidden.get_absolute_url()).status_code == 404
    names = [o.name for o in client.get(reverse("tracker:partner_list")).context["rows"]]
    assert hidden.name not in names
    response = client.get(reverse("tracker:project_list"), {"partner": hidden.pk})
    assert response.status_code == 400  # as unknown as a partner that does not exist


def test_a_partners_page_counts_only_its_public_projects(client, ledger):
    response = client.get(ledger.tencent.get_absolute_url())
    assert [p.code for p in response.context["rows"]] == ["JZ-2020-0001"]
    api = client.get(reverse("tracker:api-partner-detail", args=[ledger.tencent.pk])).json()
    assert api["public_project_count"] == 1


def test_internal_fields_are_not_in_the_api_or_exports(client, ledger):
    project = client.get(reverse("tracker:api-project-detail", args=["JZ-2020-0001"])).json()
    for field in ("leader", "responsible_unit", "note", "is_public", "created_at", "updated_at"):
        assert field not in project
    event = client.get(reverse("tracker:api-event-detail", args=["edu-signing"])).json()
    assert "note" not in event
    partner = client.get(reverse("tracker:api-partner-detail", args=[ledger.tencent.pk])).json()
    assert "note" not in partner
    header = body(client.get(reverse("tracker:project_export_csv"))).splitlines()[0]
    for column in ("包联领导", "责任单位", "备注"):
        assert column not in header


def test_citations_of_internal_projects_are_not_shown_with_their_source(client, ledger):
    page = client.get(ledger.classroom.get_absolute_url()).content.decode()
    assert "智慧教室设备生产线项目总投资10.5亿元。" in page
    assert SECRET not in page
