"""Median server time of the public pages at two data sizes, side by side.

For each size a throw-away database is created (Django's test-database machinery, on
the configured engine), filled by ``generate_projects`` and analysed; then every page
is requested in-process through the test client, which measures the server's work
without a network in between. The target: at 100,000 projects each page takes at
most twice its time at 1,000.
"""

import gc
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from tracker import stats
from tracker.choices import RegionKind, Stage
from tracker.models import Event, Project, ProjectPartner, Region
from tracker.views import MAX_OFFSET, PAGE_SIZE

TARGET_RATIO = 2.0


@contextmanager
def throwaway_database():
    """A fresh, migrated database on the configured engine, dropped afterwards."""
    test = connection.settings_dict.setdefault("TEST", {})
    saved = dict(test)
    workdir = None
    if connection.vendor == "sqlite":
        workdir = tempfile.mkdtemp(prefix="bench-pages-")
        test["NAME"] = os.path.join(workdir, "bench.sqlite3")  # a file, as in production
    else:
        test["NAME"] = f"bench_pages_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        connection.settings_dict["TEST"] = saved
        if workdir:
            for name in os.listdir(workdir):
                os.remove(os.path.join(workdir, name))
            os.rmdir(workdir)


def pages() -> list[tuple[str, str, bool]]:
    """(label, path, cold) for each page, chosen by the same rule at every size."""
    district = Region.objects.filter(kind=RegionKind.DISTRICT).order_by("slug").first()
    roles = ProjectPartner.objects.filter(project__is_public=True).order_by("project__code")
    sample = roles.select_related("project").first()
    code, partner = sample.project.code, sample.organization_id
    event = (
        Event.objects.with_public_project_count().order_by("-public_project_count", "slug").first()
    )
    count = Project.objects.public().count()
    last = min(MAX_OFFSET // PAGE_SIZE, -(-count // PAGE_SIZE))
    # A district and a stage: a full first page at either size, so both render as much.
    filtered = f"region={district.slug}&stage={Stage.SIGNED}"
    return [
        ("/", "/", False),
        ("/ (cold cache)", "/", True),
        ("/projects/", "/projects/", False),
        ("/projects/ (cold cache)", "/projects/", True),
        ("/projects/?region&stage", f"/projects/?{filtered}", False),
        ("/projects/?ordering=-amount", "/projects/?ordering=-amount", False),
        ("/projects/?q=<word>", "/projects/?q=碳纤维", False),
        ("/projects/?page=<last>", f"/projects/?page={last}", False),
        ("/projects/<code>/", f"/projects/{code}/", False),
        ("/events/<slug>/", f"/events/{event.slug}/", False),
        ("/partners/<id>/", f"/partners/{partner}/", False),
        ("/regions/<district>/", f"/regions/{district.slug}/", False),
        ("/api/projects/", "/api/projects/", False),
        ("/api/projects/?region&stage", f"/api/projects/?{filtered}", False),
        ("/api/projects/<code>/", f"/api/projects/{code}/", False),
    ]


def measure(client: Client, path: str, *, cold: bool, repeat: int) -> tuple[float, int]:
    """Median milliseconds over ``repeat`` requests, and the queries of one of them."""

    def get():
        if cold:
            stats.clear()
        response = client.get(path)
        if response.status_code != 200:
            raise CommandError(f"{path} answered {response.status_code}")

    for _ in range(2):
        get()
    with CaptureQueriesContext(connection) as queries:
        get()
    query_count = len(queries)  # now: every request start empties the query log
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        get()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), query_count


class Command(BaseCommand):
    help = "在两种数据规模（默认 1,000 与 100,000 个项目）下测量公开页面的服务器耗时中位数并对比。"

    def add_arguments(self, parser):
        parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 100_000])
        parser.add_argument("--repeat", type=int, default=15, help="每页计时请求数（默认 15）")
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, sizes, repeat, seed, **options):
        engine = (
            f"{connection.vendor} {connection.Database.sqlite_version}"
            if (connection.vendor == "sqlite")
            else connection.vendor
        )
        results: dict[int, dict[str, tuple[float, int]]] = {}
        labels: list[str] = []
        for size in sizes:
            self.stdout.write(f"== {size:,} projects on a throw-away {engine} database")
            # DEBUG off throughout: no query log to grow, as on a production server.
            with override_settings(DEBUG=False, ALLOWED_HOSTS=["*"]), throwaway_database():
                started = time.perf_counter()
                call_command("generate_projects", count=size, seed=seed, stdout=StringIO())
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")  # planner statistics, as a maintained database has
                gc.collect()  # generating leaves garbage that would slow the first size only
                self.stdout.write(f"   generated in {time.perf_counter() - started:.1f} s")
                client = Client()
                stats.clear()
                connection.queries_log.clear()
                results[size] = {}
                for label, path, cold in pages():
                    results[size][label] = measure(client, path, cold=cold, repeat=repeat)
                    if label not in labels:
                        labels.append(label)
        self.report(sizes, labels, results, engine, repeat)

    def report(self, sizes, labels, results, engine, repeat):
        small, large = sizes
        out = self.stdout.write
        out("")
        out(f"Median server time per page, ms ({repeat} requests after 2 warm-ups; {engine})")
        head = f"{'page':<36} {'queries':>9} {small:>10,} {large:>10,} {'ratio':>7}  target"
        out(head)
        out("-" * len(head))
        missed = []
        for label in labels:
            (t_small, q_small), (t_large, q_large) = results[small][label], results[large][label]
            ratio = t_large / t_small if t_small else float("inf")
            if "cold" in label:
                verdict = "info"
            elif ratio <= TARGET_RATIO:
                verdict = "ok"
            else:
                verdict = "MISSED"
                missed.append(label)
            queries = f"{q_small}/{q_large}"
            out(
                f"{label:<36} {queries:>9} {t_small:>10.1f} {t_large:>10.1f} {ratio:>6.2f}×  {verdict}"
            )
        out("")
        if missed:
            out(
                f"Target ({large:,} within {TARGET_RATIO:g}× of {small:,}) missed by: {', '.join(missed)}"
            )
        else:
            out(f"Every page at {large:,} projects is within {TARGET_RATIO:g}× of {small:,}.")
        out("Cold-cache rows recompute the cached totals and charts: shown for information.")
