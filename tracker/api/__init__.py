"""Read-only JSON API over public data, under ``/api/`` (and ``/en/api/`` in English).

- ``views``: the viewsets and the one page envelope every list answers;
- ``serializers``: the records, each field documented (the data dictionary);
- ``http``: ETag/Last-Modified and 304, the 数据截至 and licence stamp, CORS;
- ``progress``: each district's signings, starts and operations by year;
- ``openapi``, ``docs``: the OpenAPI schema (drf-spectacular), its docs page and the
  dictionary page.

It reads through ``tracker.selectors`` and never imports ``tracker.views``.
"""

from django.http import JsonResponse
from django.urls import path, re_path
from rest_framework.exceptions import NotFound

from .docs import DictionaryView, DocsView, SchemaView
from .progress import DistrictProgressView
from .views import router


def not_found(request, *args, **kwargs):
    """Any other URL under /api/ ending in a slash: the API's JSON 404, not the site's page."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(), name="api-docs"),
    path("dictionary/", DictionaryView.as_view(), name="api-dictionary"),
    path("progress/", DistrictProgressView.as_view(), name="api-progress"),
    *router.urls,
    # Last, and only for paths ending in "/": without one, APPEND_SLASH redirects first.
    re_path(r"^.*/$", not_found),
]
