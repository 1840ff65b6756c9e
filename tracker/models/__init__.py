"""The tracker's domain: where projects are, who they are with, and what says so.

Amounts are in 万元 as ``Decimal``; ``None`` means undisclosed and is never
replaced by 0 or by a figure derived from something else. An event's declared
totals are the event's own facts and are never summed with its projects' amounts.

One module per concept; import from ``tracker.models`` (every public name is
here, ``NameKeyField`` included: migration 0001 refers to it by this path).
``fields`` and ``alerts`` hold no models; a model refers to one in a module
that imports it back (a project's stage changes, a partner's project) by the
string ``"tracker.Project"``, so the modules import each other one way only.
"""

# In dependency order, so the models register (and apps.get_models() lists them)
# the way they build on each other: places first, sources last.
# isort: off
from .fields import AMOUNT, HistoricalRecords, ImportedHistory, NameKeyField, amount_field
from .places import (
    HistoricalIndustry,
    HistoricalRegion,
    Industry,
    IndustryQuerySet,
    Region,
    RegionQuerySet,
    RegionTree,
)
from .partners import (
    HistoricalOrganization,
    HistoricalProjectPartner,
    Organization,
    OrganizationQuerySet,
    ProjectPartner,
    ProjectPartnerQuerySet,
)
from .events import Event, EventQuerySet, HistoricalEvent
from .staff import HistoricalRegionAssignment, ImportBatch, RegionAssignment
from .jobs import Job, JobQuerySet
from .workflow import HistoricalProgressReport, ProgressReport, StageChange
from .alerts import ALERT_FIELDS, ALERT_LABELS
from .projects import (
    AMOUNT_FIELDS,
    DATE_FIELDS,
    HistoricalProject,
    Project,
    ProjectQuerySet,
    totals_aggregates,
)
from .funds import FundsArrival, FundsArrivalQuerySet, FundsOrigin, HistoricalFundsArrival
from .targets import DistrictTarget, HistoricalDistrictTarget
from .evidence import Evidence, HistoricalEvidence
from .review import REVIEW_PERMISSION, ChangeRequest, HistoricalChangeRequest
from .sources import (
    Citation,
    CitationQuerySet,
    HistoricalCitation,
    HistoricalSource,
    Source,
    SourceQuerySet,
)
from .press import PressReport
# isort: on

__all__ = [
    "ALERT_FIELDS",
    "ALERT_LABELS",
    "AMOUNT",
    "AMOUNT_FIELDS",
    "DATE_FIELDS",
    "REVIEW_PERMISSION",
    "ChangeRequest",
    "Citation",
    "CitationQuerySet",
    "DistrictTarget",
    "Event",
    "EventQuerySet",
    "Evidence",
    "FundsArrival",
    "FundsArrivalQuerySet",
    "FundsOrigin",
    "HistoricalChangeRequest",
    "HistoricalCitation",
    "HistoricalEvidence",
    "HistoricalDistrictTarget",
    "HistoricalEvent",
    "HistoricalFundsArrival",
    "HistoricalIndustry",
    "HistoricalOrganization",
    "HistoricalProgressReport",
    "HistoricalProject",
    "HistoricalProjectPartner",
    "HistoricalRecords",
    "HistoricalRegion",
    "HistoricalRegionAssignment",
    "HistoricalSource",
    "ImportBatch",
    "ImportedHistory",
    "Job",
    "JobQuerySet",
    "Industry",
    "IndustryQuerySet",
    "NameKeyField",
    "Organization",
    "OrganizationQuerySet",
    "ProgressReport",
    "Project",
    "ProjectPartner",
    "ProjectPartnerQuerySet",
    "PressReport",
    "ProjectQuerySet",
    "Region",
    "RegionAssignment",
    "RegionQuerySet",
    "RegionTree",
    "Source",
    "SourceQuerySet",
    "StageChange",
    "amount_field",
    "totals_aggregates",
]
