"""The two task backends the job tests run on, and the Redis databases they use."""

import os

import redis

BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "django_tasks_rq.RQBackend",
}


def _worker_index() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def redis_url(base: int) -> str:
    # Redis databases of the ledger job tests alone (tests/jobs uses 15, 14, …), one per
    # xdist worker: the in-process tests take base 8, the killed-worker ones base 4.
    return f"redis://127.0.0.1:6379/{base - _worker_index() % 4}"


def forget_queue(url: str) -> None:
    """Delete the RQ and progress keys in that Redis database, nothing else."""
    connection = redis.Redis.from_url(url)
    for pattern in ("rq:*", "*tracker:job:*"):
        keys = list(connection.scan_iter(pattern))
        if keys:
            connection.delete(*keys)
