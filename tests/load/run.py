"""Load and fault tests against real gunicorn servers on 127.0.0.1 (`make loadtest`).

Bounded in count and time; every server and database it starts, it stops.

  A. PostgreSQL, 100,000 generated projects, 4 gunicorn workers: 50 connections
     for 30 s on a mix of list (filtered), detail, overview and API URLs.
  B. SQLite, 2 workers, the same load while a 10,000-row ledger import runs.
  C. Faults under load on PostgreSQL: a worker is killed, then PostgreSQL is
     restarted while an import runs; the service must recover by itself and
     the import must be all-or-nothing.

Prints one table; exits non-zero when any scenario fails its bar.
Options: --projects N (default 100000), --duration S (30), --connections C (50),
--only postgres faults sqlite.
"""

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
HERE = Path(__file__).resolve().parent


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(env, *args, timeout=1800) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextmanager
def postgres_database():
    name = f"tracker_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG}/{name}"
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(env, projects: int):
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    manage(env, "load_articles")
    t0 = time.monotonic()
    manage(env, "generate_projects", "--count", str(projects))
    log(f"generated {projects} projects in {time.monotonic() - t0:.0f} s")


@contextmanager
def gunicorn(env, workers: int):
    port = free_port()
    log_path = Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
    with log_path.open("w") as out:
        proc = subprocess.Popen(
            [str(Path(PYTHON).with_name("gunicorn")), "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env={**env, "WEB_CONCURRENCY": str(workers), "BIND": f"127.0.0.1:{port}"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(port, 60)
        yield proc, port, log_path
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def healthy(port) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status == 200
    except Exception:
        return False


def wait_healthy(port, seconds) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if healthy(port):
            return time.monotonic() - start
        time.sleep(0.2)
    raise RuntimeError(f"server on {port} not healthy after {seconds} s")


def sample_paths(env, count=400) -> Path:
    """A mix of real public URLs: filtered lists, details, overview, events, API."""
    script = """
import json
from tracker.models import Event, Industry, Project, Region
from tracker.choices import Stage
codes = list(Project.objects.public().order_by("?").values_list("code", flat=True)[:300])
print(json.dumps({
    "codes": codes,
    "regions": list(Region.objects.values_list("slug", flat=True)),
    "industries": list(Industry.objects.values_list("slug", flat=True)),
    "events": list(Event.objects.order_by("?").values_list("slug", flat=True)[:50]),
    "stages": list(Stage.values),
}))
"""
    data = json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])
    rnd = random.Random(7)
    paths = []
    for _ in range(count):
        kind = rnd.random()
        if kind < 0.30:
            q = f"region={rnd.choice(data['regions'])}&stage={rnd.choice(data['stages'])}"
            if rnd.random() < 0.3:
                q += f"&industry={rnd.choice(data['industries'])}&ordering=-amount"
            paths.append(f"/projects/?{q}")
        elif kind < 0.35:
            paths.append(f"/projects/?page={rnd.randint(2, 20)}")
        elif kind < 0.42:
            paths.append(
                f"/projects/?q={quote(rnd.choice(['教育', '科技', '产业园', '有限公司']))}"
            )
        elif kind < 0.65:
            paths.append(f"/projects/{rnd.choice(data['codes'])}/")
        elif kind < 0.75:
            paths.append("/")
        elif kind < 0.80:
            paths.append(f"/events/{rnd.choice(data['events'])}/")
        elif kind < 0.92:
            paths.append(
                f"/api/projects/?region={rnd.choice(data['regions'])}&stage={rnd.choice(data['stages'])}"
            )
        else:
            paths.append(f"/api/projects/{rnd.choice(data['codes'])}/")
    path = Path(tempfile.mkstemp(prefix="paths-", suffix=".txt")[1])
    path.write_text("\n".join(paths) + "\n", encoding="utf-8")
    return path


def check_paths(port, paths_file: Path):
    """Every distinct URL answers 200 once before the load: a broken URL is a bug, not load."""
    bad = []
    for p in sorted(set(paths_file.read_text().split())):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{p}", timeout=30) as r:
                if r.status != 200:
                    bad.append((p, r.status))
        except urllib.error.HTTPError as err:
            bad.append((p, err.code))
    if bad:
        raise RuntimeError(f"{len(bad)} URLs do not answer 200, e.g. {bad[:5]}")


def wrk(port, paths_file: Path, connections: int, duration: int) -> dict:
    result = subprocess.run(
        [
            "wrk",
            f"-c{connections}",
            "-t2",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(HERE / "mix.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env={**os.environ, "LOAD_PATHS": str(paths_file)},
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1]
    stats = json.loads(line)
    stats["errors"] = sum(v for k, v in stats.items() if k.startswith("errors_"))
    return stats


def ledger_for_import(env, rows: int) -> tuple[Path, int]:
    """A ledger of up to ``rows`` new projects (real regions, partners, events; codes blanked)."""
    from openpyxl import Workbook, load_workbook

    exported = Path(tempfile.mkstemp(prefix="ledger-", suffix=".xlsx")[1])
    manage(env, "export_ledger", str(exported))
    source = load_workbook(exported, read_only=True)
    out = Workbook(write_only=True)
    sheet = out.create_sheet("项目台账")
    written = 0
    for i, row in enumerate(source.active.iter_rows(values_only=True)):
        if i > rows:
            break
        if i == 0:
            sheet.append(row)
            continue
        # A new project cannot start out 终止/流失: that needs a reason the ledger has no
        # column for (rules by stage), so such rows come in as 正常.
        status = "正常" if row[5] in ("终止", "流失") else row[5]
        sheet.append((None, f"压测导入 {i} {row[1]}", *row[2:5], status, *row[6:]))
        written = i
    path = exported.with_name(exported.stem + "-new.xlsx")
    out.save(path)
    return path, written


def project_count(env) -> int:
    return int(
        manage(
            env, "shell", "-c", "from tracker.models import Project; print(Project.objects.count())"
        ).split()[-1]
    )


class Import:
    """``import_ledger`` in the background; .wait() returns (exit code, seconds, output)."""

    def __init__(self, env, path: Path):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [PYTHON, "manage.py", "import_ledger", str(path), "--user", "loadtest"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait(self, timeout=900):
        out, _ = self.proc.communicate(timeout=timeout)
        if self.proc.returncode:
            log("import_ledger failed; its last lines:\n" + "\n".join(out.splitlines()[-15:]))
        return self.proc.returncode, time.monotonic() - self.started, out


def ensure_user(env, name="loadtest"):
    manage(
        env,
        "shell",
        "-c",
        f"from django.contrib.auth.models import User; User.objects.get_or_create(username='{name}', defaults={{'is_staff': True, 'is_superuser': True}})",
    )


def scenario_postgres(args, results, *, faults: bool):
    with postgres_database() as url:
        env = base_env(DATABASE_URL=url)
        prepare(env, args.projects)
        manage(env, "collectstatic", "--noinput", "-v0")
        paths = sample_paths(env)
        with gunicorn(env, workers=4) as (_, port, _log):
            check_paths(port, paths)
            wrk(port, paths, args.connections, 5)  # warm-up: connections, caches
            stats = wrk(port, paths, args.connections, args.duration)
        results.append(
            (
                "A",
                f"PostgreSQL, {args.projects:,} projects, 4 workers",
                stats,
                stats["errors"] == 0,
                "",
            )
        )
        if faults:
            scenario_faults(args, env, paths, results)


def scenario_faults(args, env, paths, results):
    ensure_user(env)
    ledger, rows = ledger_for_import(env, 10_000)
    before = project_count(env)
    with gunicorn(env, workers=4) as (proc, port, _log):
        # 1. Kill one worker with SIGKILL under load: the arbiter replaces it.
        workers = worker_pids(proc)
        load = ThreadedWrk(port, paths, args.connections, 15)
        time.sleep(3)
        os.kill(workers[0], signal.SIGKILL)
        stats = load.join()
        time.sleep(2)  # the arbiter notices the death and forks a replacement
        after = worker_pids(proc)
        replaced = len(after) == len(workers) and workers[0] not in after
        results.append(
            (
                "C1",
                "kill -9 one worker under load",
                stats,
                replaced and healthy(port),
                f"workers {len(workers)}→{len(after)}, errors during kill {stats['errors']}",
            )
        )

        # 2. Restart PostgreSQL while an import runs and the site is under load.
        job = Import(env, ledger)
        load = ThreadedWrk(port, paths, args.connections, 20)
        time.sleep(2)
        restart_postgres()
        recovered_in = wait_healthy(port, 60)
        stats = load.join()
        code, seconds, out = job.wait()
        during = project_count(env)
        all_or_nothing = during in (before, before + rows)
        results.append(
            (
                "C2",
                "restart PostgreSQL during load + import",
                stats,
                all_or_nothing and healthy(port),
                f"healthy again {recovered_in:.1f} s after restart; import exit {code}, "
                f"projects {before}→{during} ({'complete' if during != before else 'rolled back'})",
            )
        )
        if during == before:  # the import was cut off: run it again now the database is back
            code, seconds, out = Import(env, ledger).wait()
            final = project_count(env)
            results.append(
                (
                    "C3",
                    "import rerun after recovery",
                    {},
                    code == 0 and final == before + rows,
                    f"exit {code}, projects {during}→{final}, {seconds:.0f} s",
                )
            )
        steady = wrk(port, paths, args.connections, 10)
        results.append(("C4", "steady state after faults", steady, steady["errors"] == 0, ""))


def worker_pids(proc) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


class ThreadedWrk:
    """wrk in a background thread, so faults can be injected while it runs."""

    def __init__(self, port, paths, connections, duration):
        import threading

        self.result = None
        self.thread = threading.Thread(target=self._run, args=(port, paths, connections, duration))
        self.thread.start()

    def _run(self, *args):
        self.result = wrk(*args)

    def join(self):
        self.thread.join()
        return self.result


def restart_postgres():
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        timeout=120,
    )


def scenario_sqlite(args, results):
    with tempfile.TemporaryDirectory(prefix="tracker-load-") as tmp:
        env = base_env(SQLITE_PATH=str(Path(tmp) / "load.sqlite3"))
        prepare(env, args.projects)
        manage(env, "collectstatic", "--noinput", "-v0")
        ensure_user(env)
        ledger, rows = ledger_for_import(env, 10_000)
        before = project_count(env)
        paths = sample_paths(env)
        with gunicorn(env, workers=2) as (_, port, log_path):
            check_paths(port, paths)
            wrk(port, paths, args.connections, 5)
            load = ThreadedWrk(port, paths, args.connections, args.duration)
            time.sleep(2)
            code, seconds, out = Import(env, ledger).wait()
            stats = load.join()
            locked = "database is locked" in log_path.read_text() + out
        after = project_count(env)
        ok = stats["errors"] == 0 and code == 0 and after == before + rows and not locked
        results.append(
            (
                "B",
                f"SQLite, 2 workers, during a {rows:,}-row import",
                stats,
                ok,
                f"import exit {code} in {seconds:.0f} s, projects {before}→{after}, "
                f"'database is locked': {'yes' if locked else 'no'}",
            )
        )


def run(args) -> int:
    results = []
    if "postgres" in args.only:
        log(f"scenarios A and C: PostgreSQL with {args.projects} projects")
        scenario_postgres(args, results, faults="faults" in args.only)
    if "sqlite" in args.only:
        log(f"scenario B: SQLite with {args.projects} projects")
        scenario_sqlite(args, results)
    print()
    print(f"{'':3} {'scenario':48} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  result")
    for key, name, stats, ok, note in results:
        if stats:
            print(
                f"{key:3} {name:48} {stats['rps']:8.1f} {stats['p50_ms']:8.1f} {stats['p99_ms']:8.1f} {stats['errors']:7d}  {'PASS' if ok else 'FAIL'}"
            )
        else:
            print(f"{key:3} {name:48} {'':8} {'':8} {'':8} {'':7}  {'PASS' if ok else 'FAIL'}")
        if stats and stats["errors"]:
            kinds = ("connect", "read", "write", "timeout", "status")
            note = ", ".join(
                [note] * bool(note)
                + [f"{k} errors {stats[f'errors_{k}']}" for k in kinds if stats[f"errors_{k}"]]
            )
        if note:
            print(f"{'':3}   {note}")
    return 0 if all(ok for *_, ok, _ in results) else 1


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["postgres", "faults", "sqlite"],
        default=["postgres", "faults", "sqlite"],
        help="which scenarios (faults restart PostgreSQL: not while others use it)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    raise SystemExit(run(args))


if __name__ == "__main__":
    main()
