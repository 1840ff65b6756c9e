"""Reads of public data, shared by the public pages, the open-data exports and the API.

Each function returns a queryset (never evaluated here) with the joins and
prefetches its page shows, so every page and its API twin run the same fixed
number of queries. What one model answers alone stays on its queryset
(``Project.objects.public()``, ``.for_list()``); what needs several models, or
the shape of one page, is here. The figures over these selections (totals,
per-region counts) are ``stats``: they are cached, these are not.
"""

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from .models import (
    Citation,
    Event,
    Industry,
    Organization,
    Project,
    ProjectPartner,
    Region,
    StageChange,
)

# A record's sources, oldest first: the detail pages and the API's project detail.
CITATIONS = Prefetch(
    "citations",
    queryset=Citation.objects.select_related("source").order_by("source__published_on", "pk"),
)


# --- Projects ------------------------------------------------------------------------


def project_list():
    """The public list of projects, newest code first, each row with the foreign keys it shows."""
    return Project.objects.public().for_list().order_by("-code")


def project_rows():
    """Where a page of projects is read from by id (see ``paging.CountedPaginator``)."""
    return Project.objects.for_list()


def project_detail():
    """A public project's page: its places, partners, sources and public stage timeline."""
    return (
        Project.objects.public()
        .with_review_basis()
        .select_related("region__parent__parent", "industry", "event")
        .prefetch_related(
            Prefetch(
                "project_partners",
                queryset=ProjectPartner.objects.select_related("organization"),
            ),
            CITATIONS,
            # The public timeline: stages and dates only (no notes, no users).
            Prefetch(
                "stage_changes",
                queryset=StageChange.objects.exclude(to_stage="")
                .order_by("effective_on", "pk")
                .only("project_id", "from_stage", "to_stage", "effective_on"),
                to_attr="public_stage_changes",
            ),
        )
    )


def project_record(queryset):
    """``queryset``'s projects as the API details them: partners by role then name, and sources."""
    return queryset.prefetch_related(
        Prefetch(
            "project_partners",
            queryset=ProjectPartner.objects.select_related("organization").order_by(
                "role", "organization__name"
            ),
        ),
        CITATIONS,
    )


# --- Events --------------------------------------------------------------------------


def _public_project_count(field: str):
    projects = (
        Project.objects.public()
        .filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(projects, output_field=IntegerField()), 0)


def event_list():
    """Events, newest first, each with how many public projects it itemises (``itemised``)."""
    return (
        Event.objects.select_related("region")
        .annotate(itemised=_public_project_count("event"))
        .order_by("-start_date", "name")
    )


def event_detail():
    return Event.objects.select_related("region").prefetch_related("organisers", CITATIONS)


def event_projects(event):
    """The public projects signed at ``event``, by code."""
    return Project.objects.public().filter(event=event).order_by("code")


# --- Partners ------------------------------------------------------------------------


def public_organizations():
    """Organisations the public may see: a partner in a public project, or an event organiser.

    One that only appears in internal projects stays internal: its name alone would
    tell who the district is talking to.
    """
    return Organization.objects.filter(
        Exists(ProjectPartner.objects.filter(organization=OuterRef("pk"), project__is_public=True))
        | Exists(Event.organisers.through.objects.filter(organization_id=OuterRef("pk")))
    )


def projects_of(organizations):
    """Ids of the projects ``organizations`` take part in, as a subquery.

    ``pk IN (…)`` starts from the partner's few rows; a correlated EXISTS would be
    checked against every project in the list's order instead.
    """
    return ProjectPartner.objects.filter(organization__in=organizations).values("project_id")


def partner_list():
    """Public organisations by name, each with its count of public projects (``project_count``)."""
    return (
        public_organizations()
        .annotate(
            project_count=Coalesce(
                Subquery(
                    ProjectPartner.objects.filter(
                        organization=OuterRef("pk"), project__is_public=True
                    )
                    .order_by()
                    .values("organization")
                    .annotate(n=Count("project", distinct=True))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            )
        )
        .order_by("name_key")
    )


def partner_detail():
    return public_organizations().prefetch_related(
        Prefetch("organised_events", queryset=Event.objects.order_by("-start_date")),
        CITATIONS,
    )


def partner_projects(organization):
    """The public projects ``organization`` takes part in, newest code first."""
    return Project.objects.public().filter(pk__in=projects_of([organization])).order_by("-code")


def with_roles_of(rows, organization):
    """``rows`` of projects, each with the roles ``organization`` has in it (``roles_here``)."""
    return rows.prefetch_related(
        Prefetch(
            "project_partners",
            queryset=ProjectPartner.objects.filter(organization=organization),
            to_attr="roles_here",
        )
    )


# --- Regions -------------------------------------------------------------------------


def region_projects(region_ids):
    """The public projects in the regions ``region_ids`` (a subtree), newest code first."""
    return Project.objects.public().filter(region_id__in=region_ids).order_by("-code")


def regions():
    """Every region (all are public), by name, each with its parent."""
    return Region.objects.select_related("parent").order_by("name")


def industries():
    return Industry.objects.order_by("name")
