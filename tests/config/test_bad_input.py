"""Bad input is refused, never a 5xx: every public and API URL and every filter, on either database.

The URLs come from the URL resolver and the parameters from the filtersets, so a
new page or a new filter is fuzzed without anyone listing it here.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.factories import make_project
from tracker.filtersets import EventFilterSet, PartnerFilterSet, ProjectFilterSet

HUGE = "9" * 25
# As they travel in a URL: percent-escapes are sent as they are.
PATH_VALUES = [HUGE, "-1", "%00", "a%00b", "%ff", "%c3%28"]
QUERY_VALUES = [HUGE, f"-{HUGE}", "9223372036854775808", "1e999", "%00", "a%00b", "%ff", "%c3%28"]
PAGING = ["page", "page_size", "ordering"]
PARAMS = sorted(
    {
        name
        for fs in (ProjectFilterSet, EventFilterSet, PartnerFilterSet)
        for name in fs.base_filters
    }
    | set(PAGING)
)
PLACEHOLDER = re.compile(r"<[^>]+>|\(\?P<\w+>[^)]*\)")


def routes(patterns, prefix=""):
    """Every route as a template ("projects/{}/"), with the namespace it lives in."""
    for entry in patterns:
        text = str(entry.pattern).lstrip("^").rstrip("$").replace("\\", "")
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + text)
        elif isinstance(entry, URLPattern):
            yield PLACEHOLDER.sub("{}", prefix + text)


@pytest.fixture
def site(world):
    make_project(world, code="JZ-2020-0001", is_public=True)
    public = [
        r for r in routes(get_resolver().url_patterns) if not r.startswith(("admin/", "i18n/"))
    ]
    return public


def server_errors(client, urls):
    client.raise_request_exception = False
    return [(url, status) for url in urls if (status := client.get(url).status_code) >= 500]


def test_every_public_url_takes_any_path_value(client, site):
    urls = ["/" + r.replace("{}", value) for r in site if "{}" in r for value in PATH_VALUES]
    assert len(urls) >= 6 * len(PATH_VALUES)
    assert server_errors(client, urls) == []


def parameters(path) -> tuple[list[str], list[str]]:
    """What to send ``path``: its filterset's filters with every value, or, for a view
    without one, every known parameter with the values that broke things before."""
    view = resolve(path).func
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    filterset = getattr(view_class, "filterset_class", None)
    if filterset is None:
        return PARAMS, [HUGE, "1e999", "%ff"]
    return sorted(set(filterset.base_filters) | set(PAGING)), QUERY_VALUES


def test_every_public_list_takes_any_value_of_every_filter(client, site):
    urls = []
    for path in ("/" + r for r in site if "{}" not in r):
        names, values = parameters(path)
        urls += [f"{path}?{name}={value}" for name in names for value in values]
        urls.append(f"{path}?%00=1")
    assert parameters("/projects/")[0] == sorted(set(ProjectFilterSet.base_filters) | set(PAGING))
    assert parameters("/api/events/")[0] == sorted(set(EventFilterSet.base_filters) | set(PAGING))
    assert {"year", "partner", "event", "amount_min", "region"} <= set(PARAMS)
    assert server_errors(client, urls) == []


def test_a_nul_anywhere_in_the_url_is_a_bad_request(client, site):
    for url in ["/projects/%00/", "/projects/?q=a%00b", "/api/projects/%00/", "/api/events/?q=%00"]:
        assert client.get(url).status_code == 400, url
    assert client.get("/api/projects/?q=%00")["Content-Type"] == "application/json"


@pytest.fixture
def superuser(client, world):
    user = get_user_model().objects.create_superuser("root", "", "pw-for-tests-only")
    client.force_login(user)
    return client


def test_the_admin_takes_any_path_value_and_any_date_or_page(superuser, world):
    make_project(world, code="JZ-2020-0001")
    urls = []
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls += [f"{base}{value}/change/" for value in ("%00", HUGE, "%ff")]
        params = ["p", "q", "o"]
        if model_admin.date_hierarchy:
            field = model_admin.date_hierarchy
            params += [f"{field}__year", f"{field}__month", f"{field}__day"]
        for name in params:
            urls += [f"{base}?{name}={value}" for value in (HUGE, "%00", "%ff")]
        if model_admin.date_hierarchy:
            urls.append(f"{base}?{field}__year=2020&{field}__month={HUGE}")
    assert server_errors(superuser, urls) == []
