"""Other writers during a big ledger confirm, under gunicorn (production settings).

A 50,000-row ledger (generated as ``bench_import`` does) is previewed, then
confirmed, while this script, once a second, starts a login to the admin with
a fresh session or a save of a project in the admin change form, each in its
own thread (they overlap). It prints how many of those calls succeeded, how
many failed, and the longest wait, and the confirm's own outcome and time.

The confirm runs as the admin runs it: ``--via job`` (the default) queues it
as a background job (``project_import_submit``) and a ``manage.py jobs_worker``
subprocess does it; ``--via request`` calls ``project_import_confirm`` in a
process of its own, as the web request did before jobs. ``--database`` is
sqlite (a temp file) or postgres (a scratch database); ``--backend`` is the
task queue (database or redis).

  .venv/bin/python tests/load/big_write.py [--rows 50000] [--workers 3]
      [--via job|request] [--database sqlite|postgres] [--backend database|redis]

Everything lives in a temp directory and is removed at the end.
"""

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subprocess  # noqa: E402

from run import PYTHON, ROOT, base_env, gunicorn, log, manage, postgres_database  # noqa: E402

PASSWORD = "big-write-load-test-pw"

SETUP = """
from django.contrib.auth import get_user_model
from benchmarks.management.commands.bench_import import Command
from tracker.models import Project
from tracker.services.ledger import project_import_preview
c = Command(); c._world()
c.user.set_password({password!r}); c.user.save()
data = c._xlsx({rows}, seed=1, year=2021)
Project.objects.bulk_create([Project(code=f"JZ-2019-{{i:04d}}", name=f"保存测试{{i}}",
    region_id=1, stage="lead", status="on_track") for i in range(1, 201)])
batch = project_import_preview(data=data, file_name="big.xlsx", user=c.user).batch
print(json.dumps({{"token": str(batch.token), "status": batch.status, "batch": batch.pk,
    "projects": list(Project.objects.filter(code__startswith="JZ-2019-").values_list("pk", flat=True))}}))
"""

CONFIRM = """
import time
from django.contrib.auth import get_user_model
from tracker.services.ledger import project_import_confirm
t = time.monotonic()
try:
    outcome = project_import_confirm(token={token!r}, user=get_user_model().objects.get(username="bench"))
    print("applied", outcome.batch.created_count, "rows in", round(time.monotonic() - t, 1), "s")
except Exception as exc:
    print("failed:", type(exc).__name__, exc, "after", round(time.monotonic() - t, 1), "s")
"""


# For --browser: the same world and file, but the preview is the browser's own upload.
SETUP_FILE = """
from benchmarks.management.commands.bench_import import Command
from tracker.models import Project
c = Command(); c._world()
c.user.set_password({password!r}); c.user.save()
open({path!r}, "wb").write(c._xlsx({rows}, seed=1, year=2021))
Project.objects.bulk_create([Project(code=f"JZ-2019-{{i:04d}}", name=f"保存测试{{i}}",
    region_id=1, stage="lead", status="on_track") for i in range(1, 201)])
print(json.dumps({{"projects": list(Project.objects.filter(code__startswith="JZ-2019-")
    .values_list("pk", flat=True))}}))
"""

SUBMIT = """
import json
from django.contrib.auth import get_user_model
from tracker.services.ledger import project_import_submit
outcome = project_import_submit(token={token!r}, user=get_user_model().objects.get(username="bench"))
print(json.dumps({{"job": outcome.job.pk}}))
"""


def job_state(env, job) -> dict:
    """The job's row, read directly (a manage.py process per poll would load the 2 cores)."""
    sql = "SELECT status, error, result, started_at, finished_at FROM tracker_job WHERE id = %s"
    if env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as conn:
            status, error, result, started, finished = conn.execute(sql, [job]).fetchone()
    else:
        import sqlite3
        from datetime import datetime

        with sqlite3.connect(env["SQLITE_PATH"], timeout=60) as conn:
            row = conn.execute(sql.replace("%s", "?"), [job]).fetchone()
        status, error, result = row[:3]
        result = json.loads(result) if result else {}
        started, finished = (datetime.fromisoformat(v) if v else None for v in row[3:])
    seconds = (finished - started).total_seconds() if finished and started else None
    return {"status": status, "error": error, "result": result, "seconds": seconds}


class FormFields(HTMLParser):
    """The values a browser would post for the page's main form."""

    def __init__(self):
        super().__init__()
        self.fields, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "image"):
                self.fields.append(
                    (a["name"], a.get("value") or ("on" if kind == "checkbox" else ""))
                )
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None, None]
        elif tag == "option" and self._select is not None:
            if self._select[2] is None:
                self._select[2] = a.get("value", "")
            if "selected" in a:
                self._select[1] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, chosen, _first = self._select
            if chosen is not None:
                self.fields.append((name, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect), jar


def call(opener, url, data=None, timeout=180):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Referer": url})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def csrf(page):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def login(base):
    opener, _jar = browser()
    _status, page = call(opener, f"{base}/admin/login/")
    status, _ = call(
        opener,
        f"{base}/admin/login/?next=/admin/",
        {"csrfmiddlewaretoken": csrf(page), "username": "bench", "password": PASSWORD},
    )
    return status == 302, opener, status


def save_project(base, opener, pk, n):
    url = f"{base}/admin/tracker/project/{pk}/change/"
    status, page = call(opener, url)
    if status != 200:
        return False, status
    parser = FormFields()
    parser.feed(page)
    fields = [(k, v) for k, v in parser.fields if k != "name"] + [("name", f"保存测试 第{n}次")]
    fields.append(("_save", "保存"))
    status, body = call(opener, url, dict(fields))
    if status == 200:  # the form came back: say why
        errors = re.findall(r'<ul class="errorlist[^"]*">\s*<li>([^<]+)', body)
        return False, f"200: {errors[0][:60] if errors else 'form shown again'}"
    return status == 302, status


def one_call(base, opener, projects, n, results):
    started = time.monotonic()
    kind = "login" if n % 2 else "save"
    try:
        if kind == "login":
            done, status = login(base)[0], "login"
        else:
            # Each save edits a project no other call touches: two overlapping saves of
            # one project are refused as a lost update, which is not what this measures.
            done, status = save_project(base, opener, projects[(n // 2) % len(projects)], n)
    except Exception as exc:  # timeouts, resets: a failed call
        done, status = False, type(exc).__name__
    results.append((kind, done, status, time.monotonic() - started))


def writer(base, projects, stop, results):
    """Start a login or a save every second, each in its own thread, whether or not
    the previous one has come back, so calls pile up behind the write lock as real
    users' would."""
    ok, opener, status = login(base)
    if not ok:
        raise RuntimeError(f"cannot log in before the test: {status}")
    calls, n = [], 0
    while not stop.is_set():
        n += 1
        call_thread = threading.Thread(target=one_call, args=(base, opener, projects, n, results))
        call_thread.start()
        calls.append(call_thread)
        stop.wait(1.0)
    for call_thread in calls:
        call_thread.join()


def stop_worker(worker):
    """SIGTERM (a worker finishes its task first), then SIGKILL if it is still there."""
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def confirm_by_request(env, setup):
    t = time.monotonic()
    confirm = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", CONFIRM.format(token=setup["token"])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    seconds = time.monotonic() - t
    return f"{confirm.stdout.strip() or confirm.stderr.strip()[-500:]} ({seconds:.0f} s wall)"


def confirm_by_job(env, setup, tmp):
    """Queue the confirm as the admin does, and let a jobs_worker subprocess run it."""
    t = time.monotonic()
    job = json.loads(
        manage(env, "shell", "-c", SUBMIT.format(token=setup["token"])).strip().splitlines()[-1]
    )["job"]
    with open(Path(tmp) / "worker.log", "w") as out:
        worker = subprocess.Popen(
            [PYTHON, "manage.py", "jobs_worker", "--no-schedule"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        while True:
            time.sleep(2)
            state = job_state(env, job)
            if state["status"] in ("succeeded", "failed") or worker.poll() is not None:
                break
    finally:
        stop_worker(worker)
    seconds = time.monotonic() - t
    return (
        f"job #{job} {state['status']} {state['error'] or state['result']}, "
        f"{state['seconds'] or 0:.0f} s in the worker ({seconds:.0f} s wall)"
    )


def confirm_in_browser(env, base, ledger, shots, worker_log, start_writer):
    """Chromium uploads the ledger in the admin, confirms it, and watches the job's page.

    Screenshots: the job page as the confirm lands on it (start), when the bar
    is about half way (middle), and when it has finished (end).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    worker = subprocess.Popen(
        [PYTHON, "manage.py", "jobs_worker", "--no-schedule"],
        cwd=ROOT,
        env=env,
        stdout=worker_log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = chromium.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(300_000)
            page.goto(f"{base}/admin/login/?next=/admin/tracker/project/import/")
            page.fill("#id_username", "bench")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.set_input_files("input[type=file]", str(ledger))
            t = time.monotonic()
            page.click("input[type=submit]")
            page.wait_for_selector("input[name=confirm]")
            log(f"preview shown in the browser after {time.monotonic() - t:.0f} s")
            start_writer()
            time.sleep(3)
            t = time.monotonic()
            page.click("input[name=confirm]")
            page.wait_for_selector("#job-progress")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(shots / "14-import-start.png"), full_page=True)
            middle = end = None
            while end is None:
                page.wait_for_timeout(500)
                # The finished page reloads itself; a busy server may take a while to
                # answer it, so a missing element means "look again", not a failure.
                try:
                    status = page.get_attribute("#job-progress", "data-active", timeout=5000)
                    bar = page.locator("progress")
                    percent = (
                        int(bar.get_attribute("value", timeout=2000) or 0) if bar.count() else 0
                    )
                    label = page.inner_text("[data-field=status_label]", timeout=5000)
                except PlaywrightTimeout:
                    continue
                if middle is None and 40 <= percent <= 70:
                    page.screenshot(path=str(shots / "14-import-middle.png"), full_page=True)
                    middle = percent
                if label in ("已完成", "失败") or status == "0":
                    page.wait_for_timeout(1500)
                    page.screenshot(path=str(shots / "14-import-end.png"), full_page=True)
                    end = label
            seconds = time.monotonic() - t
            chromium.close()
    finally:
        stop_worker(worker)
    return f"{end} in the browser {seconds:.0f} s after 确认导入 (middle shot at {middle}%)"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--via", choices=["job", "request"], default="job")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--backend", choices=["database", "redis"], default="database")
    parser.add_argument(
        "--browser",
        type=Path,
        metavar="DIR",
        help="upload and confirm in Chromium, screenshots of the job page into DIR",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="big-write-") as tmp, contextlib.ExitStack() as stack:
        # The preview is not what is measured: on a busy machine reading 50,000 rows may
        # outlast the upload's read budget (45 s) and gunicorn's timeout (120 s).
        extra = {
            "VAR_DIR": tmp,
            "TASKS_BACKEND": args.backend,
            "LEDGER_READ_SECONDS": "900",
            "GUNICORN_TIMEOUT": "900",
        }
        if args.database == "postgres":
            extra["DATABASE_URL"] = stack.enter_context(postgres_database())
        else:
            extra["SQLITE_PATH"] = str(Path(tmp) / "big.sqlite3")
        env = base_env(**extra)
        if args.backend == "redis":  # a Redis database of its own, emptied of nothing else
            env["REDIS_URL"] = "redis://127.0.0.1:6379/3"
        else:
            env.pop("REDIS_URL", None)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--noinput", "-v0")
        t = time.monotonic()
        ledger = Path(tmp) / "台账-50000.xlsx"
        script = SETUP_FILE if args.browser else SETUP
        setup = json.loads(
            manage(
                env,
                "shell",
                "-c",
                "import json\n"
                + script.format(password=PASSWORD, rows=args.rows, path=str(ledger)),
            )
            .strip()
            .splitlines()[-1]
        )
        log(
            f"{args.rows:,}-row {'file' if args.browser else 'preview'} ready in {time.monotonic() - t:.0f} s"
        )
        with gunicorn(env, workers=args.workers) as (_proc, port, log_path):
            base = f"http://127.0.0.1:{port}"
            stop, results = threading.Event(), []
            thread = threading.Thread(target=writer, args=(base, setup["projects"], stop, results))
            if args.browser:
                outcome = confirm_in_browser(
                    env, base, ledger, args.browser, Path(tmp) / "worker.log", thread.start
                )
            else:
                thread.start()
                time.sleep(3)
                if args.via == "job":
                    outcome = confirm_by_job(env, setup, tmp)
                else:
                    outcome = confirm_by_request(env, setup)
            time.sleep(3)
            stop.set()
            thread.join()
            locked = log_path.read_text().count("database is locked")
    print(f"{args.database}, confirm by {args.via}: {outcome}")
    for kind in ("login", "save"):
        calls = [r for r in results if r[0] == kind]
        ok = [r for r in calls if r[1]]
        failed = [r for r in calls if not r[1]]
        longest = max((r[3] for r in calls), default=0)
        print(
            f"{kind:5}: {len(ok)} succeeded, {len(failed)} failed"
            f"{' ' + str(sorted({str(r[2]) for r in failed})) if failed else ''}, "
            f"longest wait {longest:.1f} s"
        )
    print(f'"database is locked" in the gunicorn log: {locked}')
    return 0 if all(r[1] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
