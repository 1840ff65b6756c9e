"""A page of the project list read as plain values, for the API's list and the list page.

Both show, of each project, its own fields and the slug and name of its region,
industry and event. Reading them as model instances built 80 of them a page (project,
region, industry, event): a fifth of an API page rendered afresh. Here a
page is one ``values()`` query, each row a small object that reads like a project
where the list serializer (``tracker.api.serializers.ProjectListSerializer``) and the
HTML table (``{% project_rows %}``) look.
"""

from types import SimpleNamespace

from django.db.models.query import ValuesIterable

from .links import page_url
from .models import AMOUNT_FIELDS, DATE_FIELDS, Event, Project, Region

PROJECT_FIELDS = (
    "code",
    "name",
    "summary",
    "stage",
    "status",
    *AMOUNT_FIELDS,
    *DATE_FIELDS,
)
RELATED_FIELDS = {
    "region": ("slug", "name", "kind"),
    "industry": ("slug", "name"),
    "event": ("slug", "name"),
}
VALUES = PROJECT_FIELDS + tuple(
    f"{relation}__{field}" for relation, fields in RELATED_FIELDS.items() for field in fields
)
# Whose page each part of a row links to (None: no page of its own).
ROUTES = {
    "project": Project.page_route,
    "region": Region.page_route,
    "industry": None,
    "event": Event.page_route,
}


class Row(SimpleNamespace):
    """A project, region, industry or event of a list row, as far as the row shows it."""

    page_route = None

    def get_absolute_url(self) -> str:
        return page_url(self)


_KINDS = {
    name: type(f"{name.title()}Row", (Row,), {"page_route": route})
    for name, route in ROUTES.items()
}


class _RowIterable(ValuesIterable):
    """A ``values()`` query whose rows come out as ``row()`` objects."""

    def __iter__(self):
        return map(row, super().__iter__())


# The values query, built once per process (see rows()).
_BASE: list = []


def rows():
    """Where a page's rows are read from by id (``paging.CountedPaginator``): one
    ``values()`` query, each row a ``row()`` (a clone of it, filtered or ordered, too)."""
    if not _BASE:
        queryset = Project.objects.values(*VALUES)
        queryset._iterable_class = _RowIterable  # kept by every clone (QuerySet._clone)
        _BASE.append(queryset)
    # A clone of the one built per process: resolving the 22 names was 5% of a request.
    return _BASE[0].all()


def row(values: dict) -> Row:
    """One ``rows()`` value dict as a project: its fields, and its region, industry and
    event as small objects (None where it has none)."""
    project = _KINDS["project"](**{name: values[name] for name in PROJECT_FIELDS})
    for relation, fields in RELATED_FIELDS.items():
        first = values[f"{relation}__{fields[0]}"]
        related = None
        if first is not None:
            related = _KINDS[relation](**{f: values[f"{relation}__{f}"] for f in fields})
        setattr(project, relation, related)
    return project
