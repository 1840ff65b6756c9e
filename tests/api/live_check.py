"""``make api-check``: schemathesis against the API as served, every check, no failure allowed.

Builds a throw-away SQLite database with the fixtures (``load_articles``), serves it
with gunicorn under the production settings (DEBUG off, hashed static files) on a free
port, runs ``schemathesis run`` on its ``/api/schema/`` with ``--checks all``, stops
the server and exits with schemathesis's status. Extra arguments go to schemathesis
(e.g. ``make api-check API_CHECK_ARGS="--max-examples 200"``).

Filters that name a record (``region``, ``event``, ``partner``...) answer 400 for a
name that exists nowhere — by design, and tested in tests/api. So that schema-valid
requests can be told from wrong ones, those parameters (and the path's codes, half
the time) draw their values from the records the server actually holds, read from
its own lists into a ``schemathesis.toml`` for the run. Rejections schemathesis
counts as such include 414 (gunicorn's 4 KB limit on the request line).
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def values(base: str, path: str, field: str, pages: int = 5) -> list:
    """``field`` of the records of the list at ``path`` (its first ``pages`` pages of 100)."""
    found, url = [], f"{base}{path}?page_size=100"
    for _ in range(pages):
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
        found += [record[field] for record in body["results"]]
        if not (url := body["next"]):
            break
    return found


def toml_list(items) -> str:
    return "[" + ", ".join(json.dumps(item, ensure_ascii=False) for item in items) + "]"


def write_config(base: str, path: Path) -> None:
    known = {
        "regions": values(base, "/api/regions/", "slug"),
        "industries": values(base, "/api/industries/", "slug"),
        "events": values(base, "/api/events/", "slug"),
        "partners": values(base, "/api/partners/", "id"),
        "projects": values(base, "/api/projects/", "code"),
    }
    lines = [
        "[generation]",
        # A NUL in the URL is refused (400) before any view: documented, and tested.
        "allow-x00 = false",
        "",
        "[checks.negative_data_rejection]",
        "expected-statuses = [400, 404, 405, 406, 414]",
        "",
    ]
    for name, items in known.items():
        lines += [f"[dictionaries.{name}]", f"values = {toml_list(items)}", ""]
    bindings = {
        "/api/projects/": {
            "region": "regions",
            "industry": "industries",
            "event": "events",
            "partner": "partners",
        },
        "/api/projects/{code}/": {"path.code": ("projects", 0.5)},
        "/api/events/{slug}/": {"path.slug": ("events", 0.5)},
        "/api/partners/{id}/": {"path.id": ("partners", 0.5)},
        "/api/regions/{slug}/": {"path.slug": ("regions", 0.5)},
        "/api/industries/{slug}/": {"path.slug": ("industries", 0.5)},
    }
    for operation, parameters in bindings.items():
        lines += ["[[operations]]", f'include-path = "{operation}"']
        if operation == "/api/projects/":
            # Generated values outside the dictionaries (the coverage phase's edges) name
            # no record: 400 by design, on this list only (its filters name records).
            lines.append("checks.positive_data_acceptance.expected-statuses = [200, 304, 400, 404]")
        for parameter, binding in parameters.items():
            name, probability = binding if isinstance(binding, tuple) else (binding, 1.0)
            lines.append(
                f'parameters."{parameter}" = {{ dictionary = "{name}", probability = {probability} }}'
            )
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str]) -> int:
    work = Path(tempfile.mkdtemp(prefix="api-check-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "BEHIND_TLS_PROXY": "0",
        "SQLITE_PATH": str(work / "api.sqlite3"),
        "VAR_DIR": str(work / "var"),
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "LOG_LEVEL": "WARNING",
    }
    if "DATABASE_URL" in env:  # always the throw-away SQLite file above
        del env["DATABASE_URL"]
    manage = [str(BIN / "python"), "manage.py"]
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["createcachetable"],
        ["load_articles"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env={**env, "GUNICORN_CMD_ARGS": "--access-logfile /dev/null"},
    )
    try:
        schema = f"http://127.0.0.1:{port}/api/schema/"
        wait_until_up(schema, server)
        write_config(f"http://127.0.0.1:{port}", work / "schemathesis.toml")
        command = [str(BIN / "schemathesis"), "run", schema, "--checks", "all", *argv]
        print("$", " ".join(command), flush=True)
        return subprocess.run(command, cwd=work).returncode
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
