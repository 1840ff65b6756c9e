"""Requests per second under gunicorn, ours against a minimal Django project, side by side.

For each database (SQLite, and PostgreSQL at ``--pg-url``) the command makes a
throw-away database (migrated, the article fixtures, ``generate_projects``,
analysed), then starts two servers on it with the same gunicorn settings
(``config/gunicorn.py``) and production settings:

- ours, as ``make serve`` runs it (``config.wsgi``, with one ``jobs_worker``
  beside it, so writes are followed by their background recompute);
- a baseline written to a temporary directory: the same database settings and
  Django, a template of 20 rows of the projects table, and 20 rows as JSON. It is
  what a page of 20 rows costs on this stack with nothing of ours in it.

``wrk`` then loads each page, ours and the baseline's in alternating rounds (so a
change in machine load touches both alike), and the table gives the medians of the
rounds: requests/s, p50, p99 and the ratio ours/baseline. The target: at least
half of the baseline (``serve_report.TARGET_RATIO``).

Our pages answer anonymous readers from the shared page cache (``config.pagecache``)
while the data is unchanged, so most rows measure a stored page. The rows marked
"miss" put a new value in an ignored parameter on every request (``MISS`` in the
path, see ``MISS_SCRIPT``): each is rendered anew, the cost of a first reader of a
URL. ``--no-page-cache`` runs our server with the page cache off altogether.

Then the cold figures of the overview: its first requests after a restart of our
server, and after one edit (a saved project, as a staff edit saves it), against a
warm request: one from the page cache, and one rendered anew by a warm process (a new
URL), in ``--cold-samples`` samples (report: ``benchmarks/serve_report.py``). Target:
the median of the samples' worst within 2× of the rendered one.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from benchmarks.serve_report import median_of, print_report
from benchmarks.serve_scripts import (
    BASELINE_FILES,
    EDIT_SCRIPT,
    MISS_SCRIPT,
    PAGES_SCRIPT,
    WARM_STATUS_SCRIPT,
    WRK_SCRIPT,
)

ROOT = Path(settings.BASE_DIR)
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))


ANALYZE = (
    "from django.db import connection; c = connection.cursor(); "
    "c.execute('VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE')"
    "; print('ok')"
)


def log(message: str):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """One database prepared for the run, and the environment that serves it."""

    def __init__(self, label: str, env: dict, workdir: Path):
        self.label, self.env, self.workdir = label, env, workdir

    def manage(self, *args, timeout=3600) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise CommandError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def shell(self, script: str) -> str:
        return self.manage("shell", "-c", script).strip().splitlines()[-1]


def base_env(workdir: Path, **extra) -> dict:
    """Production settings as ``make serve`` has them (Makefile SERVE_ENV), plain HTTP."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
        VAR_DIR=str(workdir / "var"),
    )
    env.update(extra)
    return env


@contextmanager
def database(kind: str, *, count: int, pg_url: str, keep: bool, reuse: bool):
    """A prepared database of ``count`` generated projects; dropped afterwards unless ``keep``."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-serve-{kind}-"))
    if kind == "sqlite":
        path = Path(tempfile.gettempdir()) / f"bench_serve_{count}.sqlite3"
        env = base_env(workdir, SQLITE_PATH=str(path))
        exists = path.exists()
    else:
        import psycopg

        parts = urlsplit(pg_url)
        name = parts.path.lstrip("/")
        admin = parts._replace(path="/postgres").geturl()
        env = base_env(workdir, DATABASE_URL=pg_url)
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = bool(
                conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            )
            if exists and not reuse:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            if not (exists and reuse):
                conn.execute(f'CREATE DATABASE "{name}"')
    site = Site("SQLite" if kind == "sqlite" else "PostgreSQL", env, workdir)
    try:
        if kind == "sqlite" and exists and not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        if not (exists and reuse):
            started = time.monotonic()
            site.manage("migrate", "--noinput", "-v0")
            site.manage("createcachetable")
            site.manage("load_articles")
            site.manage("generate_projects", "--count", str(count))
            site.shell(ANALYZE)
            log(f"{site.label}: {count:,} projects generated in {time.monotonic() - started:.0f} s")
        else:
            site.manage("migrate", "--noinput", "-v0")
            site.manage("createcachetable")
            # A migration may have remade a table (SQLite) and lost its statistics: without
            # them the planner sorted the whole table for the baseline's 20 rows.
            site.shell(ANALYZE)
            log(f"{site.label}: reusing the database of an earlier run")
        yield site
    finally:
        if not keep:
            if kind == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            else:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


class Server:
    """gunicorn with ``config/gunicorn.py``, in its own process group."""

    def __init__(self, site: Site, app: str, *, cwd: Path = ROOT, extra_env=None, worker=False):
        self.site, self.app, self.cwd = site, app, cwd
        self.env = {**site.env, **(extra_env or {})}
        self.port = free_port()
        self.worker = worker
        self.procs: list[subprocess.Popen] = []

    def start(self):
        log_file = (self.site.workdir / f"{self.app}.log").open("a")
        env = {**self.env, "BIND": f"127.0.0.1:{self.port}"}
        command = [GUNICORN, "-c", str(ROOT / "config" / "gunicorn.py"), self.app]
        self.procs = [
            subprocess.Popen(
                command,
                cwd=self.cwd,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        ]
        if self.worker:  # as `make serve`: one background worker beside the server
            self.procs.append(
                subprocess.Popen(
                    [PYTHON, "manage.py", "jobs_worker"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 180  # a busy machine starts workers slowly
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        raise CommandError(f"{self.app} did not start: see {log_file.name}")

    def stop(self):
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs = []

    def restart(self):
        self.stop()
        return self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def baseline_project(directory: Path):
    for name, text in BASELINE_FILES.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def fetch(url: str) -> tuple[float, int]:
    """One request; milliseconds and status."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return (time.perf_counter() - started) * 1000, status


def wrk(url: str, *, seconds: int, connections: int, threads: int, script: Path) -> dict:
    result = subprocess.run(
        [
            "wrk",
            f"-c{connections}",
            f"-t{threads}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise CommandError(f"wrk printed no result for {url}:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(lines[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


class Command(BaseCommand):
    help = "在 gunicorn 下与最小 Django 项目交替压测公开页面与 API（每秒请求数、p50、p99 与比值）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--count", type=int, default=100_000, help="生成的项目数（默认 100000）"
        )
        parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
        parser.add_argument(
            "--pg-url",
            default=os.environ.get(
                "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench_serve"
            ),
            help="PostgreSQL 测试库（运行时创建、结束后删除）",
        )
        parser.add_argument("--seconds", type=int, default=5, help="每轮 wrk 秒数（默认 5）")
        parser.add_argument("--rounds", type=int, default=3, help="交替轮数（默认 3）")
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--pages", nargs="*", help="只测这些页面（标签）")
        parser.add_argument("--no-cold", action="store_true", help="不测重启/编辑后的冷启动")
        parser.add_argument(
            "--cold-samples", type=int, default=3, help="冷启动测几遍（默认 3，取中位数）"
        )
        parser.add_argument(
            "--no-page-cache", action="store_true", help="关闭整页缓存（config.pagecache）再测"
        )
        parser.add_argument("--keep", action="store_true", help="保留生成的数据库")
        parser.add_argument("--reuse", action="store_true", help="复用上次 --keep 保留的数据库")

    def handle(self, *args, **options):
        if not shutil.which("wrk"):
            raise CommandError("wrk is not installed: apt-get install -y wrk")
        if not Path(GUNICORN).exists():
            raise CommandError(f"gunicorn not found at {GUNICORN}")
        self.options = options
        reports = []
        scratch = Path(tempfile.mkdtemp(prefix="bench-serve-"))
        try:
            script = scratch / "report.lua"
            script.write_text(WRK_SCRIPT)
            (scratch / "miss.lua").write_text(MISS_SCRIPT)
            baseline_dir = scratch / "baseline"
            baseline_project(baseline_dir)
            for kind in options["databases"]:
                with database(
                    kind,
                    count=options["count"],
                    pg_url=options["pg_url"],
                    keep=options["keep"],
                    reuse=options["reuse"],
                ) as site:
                    reports.append(self.run_site(site, baseline_dir, script))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        for report in reports:
            self.print_report(*report)

    def pages(self, site: Site) -> list[tuple[str, str, str]]:
        """(label, our path, the baseline's path)."""
        found = json.loads(site.shell(PAGES_SCRIPT))
        filtered = f"region={found['district']}&stage={found['signed']}"
        pages = [
            ("/", "/", "/"),
            ("/projects/", "/projects/", "/"),
            ("/projects/?region&stage", f"/projects/?{filtered}", "/"),
            ("/projects/<code>/", f"/projects/{found['code']}/", "/"),
            ("/api/projects/", "/api/projects/", "/api/"),
            ("/projects/?q=教育", f"/projects/?q={quote('教育')}", "/"),
            ("/partners/?q=科技", f"/partners/?q={quote('科技')}", "/"),
            # Rendered anew every request (see MISS_SCRIPT).
            ("/projects/ miss", "/projects/?_=MISS", "/"),
            ("/projects/<code>/ miss", f"/projects/{found['code']}/?_=MISS", "/"),
            ("/api/projects/ miss", "/api/projects/?_=MISS", "/api/"),
            ("/projects/?q=教育 miss", f"/projects/?q={quote('教育')}&_=MISS", "/"),
        ]
        wanted = self.options["pages"]
        return [p for p in pages if not wanted or p[0] in wanted]

    def run_site(self, site: Site, baseline_dir: Path, script: Path):
        options = self.options
        miss = script.with_name("miss.lua")
        site.manage("collectstatic", "--noinput", "-v0")
        ours = Server(
            site,
            "config.wsgi",
            worker=True,
            extra_env={"PUBLIC_PAGE_CACHE": ""} if options["no_page_cache"] else None,
        )
        baseline = Server(
            site,
            "baseline_wsgi",
            cwd=baseline_dir,
            extra_env={"PYTHONPATH": f"{baseline_dir}:{ROOT}"},
        )
        ours.start()
        baseline.start()
        try:
            pages = self.pages(site)
            for _label, path, base_path in pages:
                for server, p in ((ours, path.replace("MISS", "0")), (baseline, base_path)):
                    _elapsed, status = fetch(server.url + p)
                    if status != 200:
                        raise CommandError(f"{server.app} {p} answered {status}")
            log(f"{site.label}: servers up (ours :{ours.port}, baseline :{baseline.port})")
            rows = []
            load = dict(
                seconds=options["seconds"],
                connections=options["connections"],
                threads=options["threads"],
                script=script,
            )
            for label, path, base_path in pages:
                ours_load = {**load, "script": miss} if "MISS" in path else load
                # Warm-up: every worker connects, compiles its templates, fills its caches.
                wrk(ours.url + path, **{**ours_load, "seconds": 2})
                wrk(baseline.url + base_path, **{**load, "seconds": 2})
                runs = {"ours": [], "base": []}
                for _ in range(options["rounds"]):
                    runs["ours"].append(wrk(ours.url + path, **ours_load))
                    runs["base"].append(wrk(baseline.url + base_path, **load))
                rows.append((label, runs))
                ratio = median_of(runs["ours"], "rps") / median_of(runs["base"], "rps")
                log(
                    f"{site.label} {label}: {median_of(runs['ours'], 'rps'):.0f} req/s, {ratio:.2f}×"
                )
            cold = (
                None
                if options["no_cold"]
                else [self.cold(site, ours) for _ in range(options["cold_samples"])]
            )
        finally:
            ours.stop()
            baseline.stop()
        return site.label, rows, cold

    def cold(self, site: Site, ours: Server) -> dict:
        """The overview's first requests after a restart and after an edit, against warm."""
        url = ours.url + "/"
        first = 5  # one a worker at the default WEB_CONCURRENCY on 2 cores
        warm = statistics.median(fetch(url)[0] for _ in range(10))
        # A warm process rendering the page anew (a URL not in the page cache yet).
        rendered = statistics.median(fetch(f"{url}?_=warm{i}")[0] for i in range(10))
        ours.restart()
        restart = [fetch(url)[0] for _ in range(first)]
        warm_again = statistics.median(fetch(url)[0] for _ in range(10))
        site.shell(EDIT_SCRIPT + "print('edited')")
        edited_at = time.monotonic()
        after_edit = [fetch(url)[0] for _ in range(first)]
        fresh_after = None
        while time.monotonic() - edited_at < 120:
            if site.shell(WARM_STATUS_SCRIPT) == "succeeded":
                fresh_after = time.monotonic() - edited_at
                break
            time.sleep(0.5)
        after_fresh = [fetch(url)[0] for _ in range(first)]
        return {
            "warm": min(warm, warm_again),
            "warm_rendered": rendered,
            "restart": restart,
            "after_edit": after_edit,
            "after_recompute": after_fresh,
            "recompute_seconds": fresh_after,
        }

    def print_report(self, label, rows, cold):
        print_report(self.stdout.write, self.options, label, rows, cold)
