"""Requests no page can answer are refused with 400, before they reach a view or the database.

- A NUL anywhere in the path or the query string: no URL of the site holds one, and
  PostgreSQL cannot even compare text with it (a 500 there, a 404 on SQLite).
- An OverflowError out of a view: a number too large for the machine, which only a
  request can bring (e.g. the admin's ``?signed_on__year=99999999999999999999``,
  which Django's date hierarchy turns into ``datetime(year)``). It is logged, so a
  real bug of that kind would still be seen.
"""

import logging

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _has_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            return self.refuse(request, _("网址中含有不允许的字符（NUL）。"))
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError):
            logger.warning("Number out of range: %s", request.get_full_path(), exc_info=exception)
            return self.refuse(request, _("网址中的数值超出范围。"))
        return None

    def refuse(self, request, message):
        # The API answers in JSON, like its own errors.
        if request.path_info.startswith(reverse("tracker:api-root")):
            return JsonResponse({"detail": message}, status=400)
        return render(request, "400.html", {"message": message}, status=400)
