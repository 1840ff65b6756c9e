"""Public data changed: queue the work derived from it once the change commits.

Only enqueueing happens here: each entry of ``ON_PUBLIC_CHANGE`` is a job (kind,
dedupe key, title) that rebuilds something from public data — today the
open-data files (``services.opendata``). One job per key however many rows a
transaction saved, and ``job_enqueue``'s ``dedupe_key`` folds a change made
while that job is queued or running into it; the job checks at its end whether
the data moved under it and works again if so, so no change is left out.

Bulk writes (``bulk_create``/``update``) send no model signals: the services that
make them call ``public_data_changed()`` themselves.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _

from .models import (
    Citation,
    Event,
    Industry,
    Job,
    Organization,
    Project,
    ProjectPartner,
    Region,
    Source,
)

# (kind, dedupe key, title): what a change of public data queues.
ON_PUBLIC_CHANGE = (
    (Job.Kind.OPEN_DATA, "open_data", _("公开数据变动，重建开放数据文件")),
    # The shared public figures (tracker/stats.py; the key is stats.WARM_KEY).
    (Job.Kind.STATS, "stats", _("公开数据变动，重新计算公开统计")),
)
SENDERS = (Project, ProjectPartner, Event, Organization, Region, Industry, Citation, Source)


def _enqueue():
    from .jobs import job_enqueue

    active = set(
        Job.objects.active()
        .filter(dedupe_key__in=[key for _kind, key, _title in ON_PUBLIC_CHANGE])
        .values_list("dedupe_key", flat=True)
    )
    # Many rows saved in one transaction leave one callback each: the first queues the
    # jobs, the others find them queued (one indexed read) and stop there.
    for kind, key, title in ON_PUBLIC_CHANGE:
        if key not in active:
            job_enqueue(kind=kind, title=str(title), dedupe_key=key)


def public_data_changed() -> None:
    """Queue the rebuilds when the current transaction commits (at once outside one)."""
    # robust: a failure to queue must never undo or break the edit that was just saved.
    transaction.on_commit(_enqueue, robust=True)


def _changed(sender, raw=False, **kwargs):
    if not raw:  # loaddata writes fixtures as they are; whoever loads them rebuilds
        public_data_changed()


def connect() -> None:
    for model in SENDERS:
        name = model.__name__
        post_save.connect(_changed, sender=model, dispatch_uid=f"public-data-save-{name}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"public-data-delete-{name}")
    m2m_changed.connect(_changed, sender=Event.organisers.through, dispatch_uid="public-data-m2m")
