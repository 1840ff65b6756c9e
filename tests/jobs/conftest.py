import os

import pytest
import redis

BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "django_tasks_rq.RQBackend",
}


def _redis_url() -> str:
    # One Redis database per xdist worker (gw0 → 15, gw1 → 14, …), so parallel runs
    # never take each other's jobs.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"redis://127.0.0.1:6379/{15 - int(worker.removeprefix('gw') or 0) % 15}"


@pytest.fixture(params=list(BACKENDS))
def tasks_backend(request, settings):
    """Each job test runs on the database backend and on RQ over Redis."""
    name = request.param
    settings.TASKS = {"default": {"BACKEND": BACKENDS[name], "QUEUES": settings.JOB_QUEUES}}
    if name == "redis":
        url = _redis_url()
        settings.RQ_QUEUES = {
            queue: {"URL": url, "DEFAULT_TIMEOUT": 600} for queue in settings.JOB_QUEUES
        }
        connection = redis.Redis.from_url(url)
        try:
            connection.flushdb()
        except redis.ConnectionError:
            pytest.fail("Redis is not running at 127.0.0.1:6379 (see docs/deploy.md)")
        yield name
        connection.flushdb()
    else:
        yield name
