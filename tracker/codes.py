"""Project codes (``JZ-2020-0007``): their format, and the next free one for a year.

A read, not a write: the ledger planner hands out codes for new rows with it,
and the services never need more than the planner's answer.
"""

import re

from django.conf import settings

from .models import Project

CODE_FORMAT = re.compile(r"^(?P<prefix>[A-Z]+)-(?P<year>\d{4})-(?P<seq>\d{4,})$")


def project_code_next(*, year: int, taken: set[str] | None = None) -> str:
    """The next free code for ``year``: one above the highest sequence in use.

    ``taken`` holds codes reserved in the same unit of work but not yet saved
    (a bulk import hands out many codes before it writes any).
    """
    prefix = f"{settings.PROJECT_CODE_PREFIX}-{year}-"
    codes = set(Project.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    codes |= {c for c in (taken or ()) if c.startswith(prefix)}
    highest = max((int(m["seq"]) for c in codes if (m := CODE_FORMAT.match(c))), default=0)
    return f"{prefix}{highest + 1:04d}"
