"""Median server time of the public pages at two data sizes, side by side.

Each size gets a throw-away database on the configured engine (Django's test-database
machinery), filled by ``generate_projects`` and analysed. Pages are requested
in-process through the test client, which measures the server's work without a
network in between. The two databases stay up together and are timed in alternating
rounds, so a change in machine load touches both sizes alike. The target: at 100,000
projects each page takes at most twice its time at 1,000.
"""

import gc
import os
import statistics
import tempfile
import time
from contextlib import ExitStack, contextmanager
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from tracker import stats
from tracker.choices import RegionKind, Stage
from tracker.models import Event, Project, ProjectPartner, Region
from tracker.paging import MAX_OFFSET, PAGE_SIZE

TARGET_RATIO = 2.0
WARM_UPS = 2


@contextmanager
def throwaway_databases(sizes):
    """Yield {size: database name}, one fresh migrated database per size; drop them after.

    The first is migrated; the others are copies of it made before anything is written
    (Django's test-database cloning: a file copy, or CREATE DATABASE … TEMPLATE), since a
    migrate costs seconds and a copy milliseconds."""
    test = connection.settings_dict.setdefault("TEST", {})
    saved = dict(test)
    workdir = None
    if connection.vendor == "sqlite":
        workdir = tempfile.mkdtemp(prefix="bench-pages-")
        test["NAME"] = os.path.join(workdir, "bench.sqlite3")  # a file, as in production
    else:
        test["NAME"] = f"bench_pages_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    source = connection.settings_dict["NAME"]
    first, *others = sizes
    names, clones = {first: source}, []
    try:
        connection.close()  # PostgreSQL copies only a database nobody is connected to
        for size in others:
            suffix = str(size)
            connection.creation.clone_test_db(suffix, verbosity=0, autoclobber=True)
            clones.append(suffix)
            names[size] = connection.creation.get_test_db_clone_settings(suffix)["NAME"]
        yield names
    finally:
        for suffix in clones:
            use(source)
            connection.creation.destroy_test_db(old_name, verbosity=0, suffix=suffix)
        use(source)
        connection.creation.destroy_test_db(old_name, verbosity=0)
        connection.settings_dict["TEST"] = saved
        if workdir:
            for leftover in os.listdir(workdir):
                os.remove(os.path.join(workdir, leftover))
            os.rmdir(workdir)


def engine_name() -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    return f"{connection.display_name} {connection.pg_version // 10000}"


def use(name: str):
    """Point the default connection at database ``name``."""
    if connection.settings_dict["NAME"] != name:
        connection.close()
        connection.settings_dict["NAME"] = name


def analyse():
    """Planner statistics, as a maintained database has them."""
    with connection.cursor() as cursor:
        # VACUUM as well on PostgreSQL, or autovacuum would start during the timing.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


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
        ("/projects/?q=<2 characters>", "/projects/?q=锂电", False),
        ("/projects/?page=<last>", f"/projects/?page={last}", False),
        ("/projects/<code>/", f"/projects/{code}/", False),
        ("/events/<slug>/", f"/events/{event.slug}/", False),
        ("/partners/<id>/", f"/partners/{partner}/", False),
        ("/regions/<district>/", f"/regions/{district.slug}/", False),
        ("/api/projects/", "/api/projects/", False),
        ("/api/projects/?region&stage", f"/api/projects/?{filtered}", False),
        ("/api/projects/<code>/", f"/api/projects/{code}/", False),
    ]


def request(client: Client, path: str, cold: bool) -> float:
    """One request; its server time in milliseconds."""
    if cold:
        stats.clear()
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise CommandError(f"{path} answered {response.status_code}")
    return elapsed


class Command(BaseCommand):
    help = "在两种数据规模（默认 1,000 与 100,000 个项目）下测量公开页面的服务器耗时中位数并对比。"

    def add_arguments(self, parser):
        parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 100_000])
        parser.add_argument("--rounds", type=int, default=3, help="交替计时的轮数（默认 3）")
        parser.add_argument("--per-round", type=int, default=5, help="每轮每页请求数（默认 5）")
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, sizes, rounds, per_round, seed, **options):
        if sizes[0] == sizes[1]:
            raise CommandError("两种规模必须不同（--sizes 1000 100000）")
        # DEBUG off throughout: no query log to grow, as on a production server.
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["*"]), ExitStack() as stack:
            databases = {}
            for size, name in stack.enter_context(throwaway_databases(sizes)).items():
                use(name)
                engine = engine_name()
                self.stdout.write(f"== {size:,} projects on a throw-away {engine} database")
                started = time.perf_counter()
                call_command("generate_projects", count=size, seed=seed, stdout=StringIO())
                analyse()
                gc.collect()
                self.stdout.write(f"   generated in {time.perf_counter() - started:.1f} s")
                databases[size] = (name, {label: (path, cold) for label, path, cold in pages()})
            results = self.measure(databases, rounds, per_round)
        self.report(sizes, results, engine, rounds * per_round)

    def measure(self, databases, rounds, per_round):
        """{label: {size: (median ms, queries)}}, the sizes timed in alternating rounds."""
        client = Client()
        stats.clear()
        labels = list(next(iter(databases.values()))[1])
        results = {}
        for label in labels:
            times, queries = {}, {}
            for size, (name, paths) in databases.items():
                use(name)
                path, cold = paths[label]
                for _ in range(WARM_UPS):
                    request(client, path, cold)
                with CaptureQueriesContext(connection) as captured:
                    request(client, path, cold)
                queries[size] = len(captured)  # now: each request start empties the log
                times[size] = []
            for _ in range(rounds):
                for size, (name, paths) in databases.items():
                    use(name)
                    path, cold = paths[label]
                    request(client, path, cold)  # untimed: the first after reconnecting
                    times[size] += [request(client, path, cold) for _ in range(per_round)]
            results[label] = {
                size: (statistics.median(times[size]), queries[size]) for size in databases
            }
        return results

    def report(self, sizes, results, engine, count):
        small, large = sizes
        out = self.stdout.write
        out("")
        out(f"Median server time per page, ms ({count} requests per size, alternating; {engine})")
        head = f"{'page':<32} {'queries':>8} {small:>9,} {large:>9,} {'ratio':>7}  target"
        out(head)
        out("-" * len(head))
        missed = []
        for label, by_size in results.items():
            (t_small, q_small), (t_large, q_large) = by_size[small], by_size[large]
            ratio = t_large / t_small if t_small else float("inf")
            if "cold" in label:
                verdict = "info"
            elif ratio <= TARGET_RATIO:
                verdict = "ok"
            else:
                verdict = "MISSED"
                missed.append(label)
            out(
                f"{label:<32} {q_small:>3}/{q_large:<4} {t_small:>9.1f} {t_large:>9.1f}"
                f" {ratio:>6.2f}×  {verdict}"
            )
        out("")
        if missed:
            out(f"{len(missed)} page(s) over {TARGET_RATIO:g}× at {large:,}: {', '.join(missed)}")
        else:
            out(f"Every page at {large:,} projects is within {TARGET_RATIO:g}× of {small:,}.")
        out("Cold-cache rows recompute the cached totals and charts; shown for information.")
