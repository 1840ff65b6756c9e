"""Job functions for the tests: one that counts its runs, one that crashes, one that refuses."""

from tracker.jobs import JobFailed

RUNS = []


def counted(run, **params):
    RUNS.append((run.job.pk, params))
    run.progress(3, 3, force=True)
    run.log("counted")
    run.save_file("out.txt", b"done")
    run.job.result = {"runs": len(RUNS)}


def crashes(run, **params):
    RUNS.append((run.job.pk, params))
    raise RuntimeError("disk on fire")


def refuses(run, **params):
    RUNS.append((run.job.pk, params))
    raise JobFailed("预览已过期，请重新上传。")
