"""Public data changed: queue a rebuild of the open-data files once the change commits.

Only enqueueing happens here (the build is ``services.opendata``). One job
however many rows a transaction saved; and ``job_enqueue``'s ``dedupe_key``
folds a change made while a build is queued or running into that build, which
checks at its end whether the data moved under it and builds again if so.

Bulk writes (``bulk_create``/``update``) send no model signals: the services that
make them call ``open_data_changed()`` themselves.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext

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

DEDUPE_KEY = "open_data"
SENDERS = (Project, ProjectPartner, Event, Organization, Region, Industry, Citation, Source)


def _enqueue():
    from .jobs import job_enqueue

    # Many rows saved in one transaction leave one callback each: the first queues the job,
    # the others find it queued (one indexed read) and stop there.
    if Job.objects.active().filter(dedupe_key=DEDUPE_KEY).exists():
        return
    job_enqueue(
        kind=Job.Kind.OPEN_DATA,
        title=gettext("公开数据变动，重建开放数据文件"),
        dedupe_key=DEDUPE_KEY,
    )


def open_data_changed() -> None:
    """Queue a rebuild when the current transaction commits (at once outside one)."""
    # robust: a failure to queue must never undo or break the edit that was just saved.
    transaction.on_commit(_enqueue, robust=True)


def _changed(sender, raw=False, **kwargs):
    if not raw:  # loaddata writes fixtures as they are; the loader's caller rebuilds
        open_data_changed()


def connect() -> None:
    for model in SENDERS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"open-data-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"open-data-del-{model.__name__}")
    m2m_changed.connect(
        _changed, sender=Event.organisers.through, dispatch_uid="open-data-organisers"
    )
