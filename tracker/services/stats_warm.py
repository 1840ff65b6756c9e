"""The background recompute of the public figures (job kind ``stats``).

A write queues it on commit (``signals.ON_PUBLIC_CHANGE``); while it is queued or running,
visitors are served the figures computed before the write, with their time
(see ``stats``), so no visitor waits seconds for a recompute at full size.

One job at a time: ``job_enqueue``'s dedupe key folds every write made while a
recompute is queued or running into that one. So the job checks at its end
whether the data moved while it computed, and computes again if so: a write is
never left uncounted because its enqueue found this job already running.
"""

from django.utils.translation import gettext as _

from .. import stats

# The data moving under every pass means a flood of writes; the next write queues a new job.
MAX_PASSES = 5


def stats_warm_job(run, **params) -> None:
    """The ``stats`` job: compute every shared figure afresh until the data holds still."""
    passes = figures = 0
    while passes < MAX_PASSES:
        passes += 1
        before = stats.data_fingerprint()  # outside a request: read afresh each time
        figures = stats.recompute_all(progress=run.progress)
        if stats.is_current(before, stats.data_fingerprint()):
            break
        run.log(_("计算期间数据有变动，重新计算。"))
    run.job.result = {"figures": figures, "passes": passes}
    run.log(_("已重新计算 %(n)s 项公开统计。") % {"n": figures})
