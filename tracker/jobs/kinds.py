"""What each kind of job runs: a table, so adding a job is one line and one function.

Each entry names a function ``f(run: JobRun, **params)`` by dotted path (so this
table imports nothing heavy) and how many attempts a job of that kind gets.
Every function is safe to run again after a crash: an import is one
transaction (a killed worker leaves nothing written, and the batch stays
confirmable), and files are written under a temporary name and moved into place.
"""

from dataclasses import dataclass

from ..models import Job


@dataclass(frozen=True)
class JobKind:
    run: str
    max_attempts: int = 2
    # The task queue (settings.JOB_QUEUES): "figures" for the short recompute that must
    # not wait behind an import or an open-data build.
    queue: str = "default"


KINDS = {
    Job.Kind.LEDGER_IMPORT: JobKind("tracker.services.ledger.project_import_confirm_job"),
    Job.Kind.OPEN_DATA: JobKind("tracker.services.opendata.open_data_build_job", max_attempts=3),
    Job.Kind.PERFORMANCE_REPORT: JobKind("tracker.services.reports.performance_report_job"),
    Job.Kind.MONTHLY_REPORT: JobKind("tracker.services.reports.monthly_report_job"),
    Job.Kind.ALERTS: JobKind("tracker.services.alerts.alerts_mail_job"),
    # Retried more: a lost recompute leaves visitors on older figures until the next write.
    Job.Kind.STATS: JobKind(
        "tracker.services.stats_warm.stats_warm_job", max_attempts=3, queue="figures"
    ),
}
