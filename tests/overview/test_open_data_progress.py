"""区县年度进展 as an open-data file: the API's figures, funds only when published."""

from datetime import date

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.public.test_open_data import no_files_yet, read_csv  # noqa: F401 (autouse fixture)
from tests.scorecard.builders import funds, moved, signed
from tracker import stats
from tracker.services import opendata

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(world):
    a = signed(world, world.jiefang, 1000, on=date(2025, 3, 1))
    moved(a, "construction", date(2026, 2, 1))
    signed(world, world.park, None, on=date(2025, 7, 1))
    signed(world, world.shanyang, 2500, on=date(2026, 1, 5))
    signed(world, world.shanyang, 9000, on=date(2026, 1, 5), is_public=False)
    funds(a, date(2025, 6, 1), 300)
    return world


def api_rows(client):
    body = client.get(reverse("tracker:api-progress")).json()
    return [
        [
            d["name"],
            str(y["year"]),
            str(y["signed_count"]),
            y["signed_amount"] or "",
            str(y["undisclosed_count"]),
            str(y["started_count"]),
            str(y["operating_count"]),
            *([y["funds_amount"] or ""] if "funds_amount" in y else []),
        ]
        for d in body["results"]
        for y in d["years"]
    ]


def test_the_file_holds_the_apis_figures_for_public_projects_without_funds(client, ledger):
    opendata.open_data_build(languages=("zh-hans",))
    header, *rows = read_csv("progress.csv")
    assert header[:3] == ["区县", "年份", "签约项目数"] and "到位资金（万元）" not in header
    assert rows == api_rows(client)
    assert ["山阳区", "2026", "1", "2500", "0", "0", "0"] in rows  # the internal 9000 left out
    assert ["解放区", "2025", "2", "1000", "1", "0", "0"] in rows  # the park counts for 解放区


@override_settings(FUNDS_PUBLIC_AGGREGATE=True)
def test_published_funds_are_a_column_per_district_and_year(client, ledger):
    stats.clear()
    opendata.open_data_build(languages=("zh-hans", "en"))
    header, *rows = read_csv("progress.csv")
    assert header[-1] == "到位资金（万元）"
    assert ["解放区", "2025", "2", "1000", "1", "0", "0", "300"] in rows
    assert rows == api_rows(client)
    assert read_csv("progress-en.csv")[0][:2] == ["District/county", "Year"]
