"""Every admin URL × every role × GET and POST: refused where the role may not, and nothing written.

The URLs come from the URL resolver, so an admin page added later is in the
matrix without anyone remembering to add it; a URL name the matrix cannot
classify fails ``test_every_admin_url_is_in_the_matrix``. What each role may
do is written down here once (``expected``), from the groups' documented
rights (docs/staff.md), not read back from the admin classes under test.

Each request runs in a savepoint that is rolled back, so one cell cannot
change what the next one sees; a refusal must answer 403 (anonymous: the
login page) and leave every tracker and auth row as it was.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.forms import MultiWidget
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import add_partner, make_project, make_user
from tracker.models import (
    ChangeRequest,
    Citation,
    DistrictTarget,
    Evidence,
    FundsArrival,
    ImportBatch,
    Job,
    PressReport,
    ProgressReport,
    RegionAssignment,
    Source,
    StageChange,
)
from tracker.permissions import ADMIN_GROUP, EDITOR_GROUP, READER_GROUP

ROLES = ["anonymous", "reader", "editor_own", "editor_other", "manager", "superuser"]

# Rows that belong to a project: a region-scoped editor may touch only those of their regions.
PROJECT_SCOPED = {
    "project",
    "projectpartner",
    "citation",
    "progressreport",
    "stagechange",
    "fundsarrival",
    "evidence",
    "changerequest",
}
# Admins that nobody may use to write, whatever their permissions (written by the services).
NO_WRITE = {
    "stagechange": {"add", "change", "delete"},
    # Batches are audit records: a wrong import is rolled back, never deleted.
    "importbatch": {"add", "change", "delete"},
    "job": {"add", "change"},
    # Evidence is uploaded on the project page; claims are decided on the review page.
    "evidence": {"add"},
    "changerequest": {"add", "change", "delete"},
}
# Pages that never write, open to every staff account (index, autocomplete, password, …).
STAFF_PAGES = {
    "index",
    "app_list",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "password_change",
    "password_change_done",
    "tracker_project_mine",
}
# Pages that need no login at all.
OPEN_PAGES = {"login", "logout"}
OBJECT_KINDS = {
    "change",
    "delete",
    "history",
    "simple_history",
    "password_change_user",
    "job_progress",
    "job_download",
    "job_retry",
    "press_rollback",
    "batch_rollback",
}


@dataclass(frozen=True)
class AdminUrl:
    name: str
    model: str | None  # "project", "user", … or None for site pages
    kind: str  # changelist, add, change, delete, history, simple_history, or the page's name


def admin_url_names() -> list[str]:
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "admin" and pattern.name:
                yield pattern.name

    return sorted(set(walk(get_resolver().url_patterns)))


KIND = re.compile(r"^(?P<app>auth|tracker)_(?P<model>[a-z]+)_(?P<kind>[a-z_]+)$")
PROJECT_PAGES = {
    "ledger_template",
    "attention",
    "mine",
    "performance",
    "monthly",
    "ranking",
    "followthrough",
    "progress",
    "import",
    "process_import",
    "export",
    # 凭证 download (an evidence row) and 审核 (the queue, one request).
    "evidence_download",
    "review",
    "review_decide",
}
# Project pages about one row of their own (evidence, a change request), not a project.
ROW_PAGES = {"evidence_download": "evidence", "review_decide": "changerequest"}


# The jobs admin's own pages: progress (JSON) and download read a job; retry re-queues it.
JOB_PAGES = {"progress", "download", "retry"}


def classify(name: str) -> AdminUrl | None:
    match = KIND.match(name)
    if match is None:
        return AdminUrl(name, None, name) if name in STAFF_PAGES | OPEN_PAGES else None
    model, kind = match["model"], match["kind"]
    if name in STAFF_PAGES:
        return AdminUrl(name, model, name)
    if kind in {"changelist", "add", "change", "delete", "history", "simple_history"}:
        return AdminUrl(name, model, kind)
    if kind == "export":
        return AdminUrl(name, model, kind)  # the ledger and every reference table
    if model == "user" and kind == "password_change":
        return AdminUrl(name, model, "password_change_user")
    if model == "project" and kind in PROJECT_PAGES:
        return AdminUrl(name, model, kind)
    if model == "job" and kind in JOB_PAGES:
        return AdminUrl(name, model, f"job_{kind}")
    if model == "pressreport" and kind == "rollback":
        return AdminUrl(name, model, "press_rollback")
    if model == "importbatch" and kind == "rollback":
        return AdminUrl(name, model, "batch_rollback")
    return None


def matrix_urls() -> list[AdminUrl]:
    return [url for url in map(classify, admin_url_names()) if url is not None]


def test_every_admin_url_is_in_the_matrix():
    unknown = [name for name in admin_url_names() if classify(name) is None]
    assert unknown == [], (
        f"admin URLs the role matrix does not know; add them to expected(): {unknown}"
    )


# --- The world: one district the editor owns, one they do not ------------------------------


@pytest.fixture
def matrix(world):
    users = {
        "reader": make_user("reader", group=READER_GROUP),
        "editor": make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang]),
        "manager": make_user("manager", group=ADMIN_GROUP),
        "superuser": make_user("root", superuser=True),
    }
    other_editor = make_user("editor2", group=EDITOR_GROUP, regions=[world.shanyang])
    source = Source.objects.create(
        title="焦作日报", file="000_x.txt", published_on=date(2020, 10, 12), region=world.city
    )
    objects = {}
    for side, region in (("own", world.park), ("other", world.shanyang)):
        code = "JZ-2020-0001" if side == "own" else "JZ-2020-0002"
        project = make_project(world, code=code, region=region, leader_user=None)
        partner = add_partner(project, world.mudu)
        objects[side] = {
            "project": project,
            "projectpartner": partner,
            "citation": Citation.objects.create(source=source, quote="原文。", project=project),
            "progressreport": ProgressReport.objects.create(
                project=project, reported_on=date(2021, 1, 5), progress="推进中"
            ),
            "stagechange": StageChange.objects.create(
                project=project, effective_on=date(2020, 10, 12), to_stage="signed"
            ),
            "fundsarrival": FundsArrival.objects.create(
                project=project, month=date(2021, 3, 1), origin="city", amount=100
            ),
            "evidence": Evidence.objects.create(
                project=project,
                kind="contract",
                title="合同",
                file=f"evidence/{project.pk}/x.pdf",
                original_name="合同.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
            ),
            "changerequest": ChangeRequest.objects.create(
                project=project, changes={"investment": "60000"}, before={"investment": "50000"}
            ),
        }
    shared = {
        "region": world.jiefang,
        "industry": world.digital,
        "organization": world.mudu,
        "event": world.fair,
        "source": source,
        "districttarget": DistrictTarget.objects.create(
            region=world.jiefang, year=2021, signed_count=10
        ),
        "importbatch": ImportBatch.objects.create(file_name="台账.xlsx", user=users["manager"]),
        "pressreport": PressReport.objects.create(title="稿件", text="原文。"),
        # A failed system job (no owner): every staff account sees it, managers retry it.
        "job": Job.objects.create(
            kind=Job.Kind.OPEN_DATA, title="开放数据", status=Job.Status.FAILED, error="x"
        ),
        "user": other_editor,
        "group": Group.objects.get(name=READER_GROUP),
    }
    own_assignment = RegionAssignment.objects.get(user=users["editor"])
    objects["own"].update(shared, regionassignment=own_assignment)
    objects["other"].update(
        shared, regionassignment=RegionAssignment.objects.get(user=other_editor)
    )
    return users, objects


def user_for(role, users):
    if role == "anonymous":
        return None
    return users["editor" if role.startswith("editor") else role]


# --- What each role may do, from the documented rights ---------------------------------------

EDITOR_WRITES = {
    ("project", "add"),
    ("project", "change"),
    ("projectpartner", "add"),
    ("projectpartner", "change"),
    ("projectpartner", "delete"),
    ("citation", "add"),
    ("citation", "change"),
    ("citation", "delete"),
    ("organization", "add"),
    ("progressreport", "add"),
    ("progressreport", "change"),
    ("fundsarrival", "add"),
    ("fundsarrival", "change"),
    ("fundsarrival", "delete"),
    ("evidence", "change"),
    ("evidence", "delete"),
}


def may(role: str, model: str, action: str) -> bool:
    """Whether ``role`` holds the right to ``action`` (view/add/change/delete) on ``model``."""
    if action in NO_WRITE.get(model, ()):
        return False
    if role == "superuser":
        return True
    if role == "manager":
        return model != "user" and model != "group" or action == "view" and model == "user"
    if model in {"user", "group"}:
        return False
    if action == "view":
        return True
    if role.startswith("editor"):
        return (model, action) in EDITOR_WRITES
    return False  # reader


def expected(role: str, url: AdminUrl, method: str) -> bool:
    """Whether the request must be let through (True) or refused (False)."""
    if url.kind in OPEN_PAGES:
        return True
    if role == "anonymous":
        return False
    if url.kind in STAFF_PAGES:
        return True
    outside = role == "editor_other" and url.model in PROJECT_SCOPED
    if url.model == "project" and url.kind in PROJECT_PAGES:
        ledger = {"import": "import", "process_import": "import", "export": "export"}
        if url.kind in ledger:
            return role != "reader"  # editors and managers import and export; readers do not
        if url.kind == "ledger_template":
            return role != "reader"
        if url.kind == "progress":
            return not outside and may(role, "progressreport", "add")
        if url.kind == "evidence_download":
            # Files of the projects a role may see; an editor only their regions'.
            return role_editor_other_refused(role)
        if url.kind in {"review", "review_decide"}:
            return role in {"manager", "superuser"}  # the reviewers
        return True  # attention, performance, ranking, followthrough: views
    if url.kind == "export":
        return role != "reader"  # the export permission: editors and managers, not readers
    if url.kind in {"job_progress", "job_download"}:
        return True  # the system's jobs are seen by every staff account
    if url.kind == "job_retry":
        return role in {"manager", "superuser"}  # a failed system job: managers retry it
    if url.kind == "press_rollback":
        return role in {"manager", "superuser"}  # docs/press.md: they confirm and roll back
    if url.kind == "batch_rollback":
        return role in {"manager", "superuser"}  # docs/staff.md: 招商管理员 roll imports back
    # Projects of other districts are read everywhere, written nowhere; their rows
    # (progress reports, partners …) stay inside the editor's regions.
    writes = url.model != "project" or method == "POST" or url.kind == "delete"
    if outside and url.kind in OBJECT_KINDS and writes:
        return False
    if url.kind == "changelist":
        return may(role, url.model, "view")
    if url.kind == "add":
        return may(role, url.model, "add")
    if url.kind in {"change", "simple_history"}:
        return may(role, url.model, "change" if method == "POST" else "view")
    if url.kind == "delete":
        return may(role, url.model, "delete")
    if url.kind == "history":
        return may(role, url.model, "view")
    if url.kind == "password_change_user":
        return may(role, "user", "change")
    raise AssertionError(url)


def role_editor_other_refused(role: str) -> bool:
    return role != "editor_other"


# --- Requests --------------------------------------------------------------------------------


def concrete_path(url: AdminUrl, obj) -> str:
    if url.kind == "app_list":
        return reverse("admin:app_list", args=["tracker"])
    if url.kind == "autocomplete":
        query = "app_label=tracker&model_name=project&field_name=region&term=区"
        return f"{reverse('admin:autocomplete')}?{query}"
    if url.kind == "view_on_site":
        return reverse("admin:view_on_site", args=[1, 1])
    if url.kind in OBJECT_KINDS:
        if url.kind == "simple_history":
            version = obj.history.order_by("-history_id").first().history_id
            return reverse(f"admin:{url.name}", args=[obj.pk, version])
        return reverse(f"admin:{url.name}", args=[obj.pk])
    if url.kind == "progress" or url.kind in ROW_PAGES:
        return reverse(f"admin:{url.name}", args=[obj.pk])
    return reverse(f"admin:{url.name}")


def form_data(model_admin, obj, superuser) -> dict:
    """What the change form of ``obj`` posts, with one text field edited and no inline rows."""
    request = RequestFactory().get("/")
    request.user = superuser
    form = model_admin.get_form(request, obj)(instance=obj)
    data, edited = {}, False
    for bound in form:
        value, widget = bound.value(), bound.field.widget
        if isinstance(widget, MultiWidget):
            for i, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{i}"] = "" if part is None else str(part)
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = str(value)
            if not edited and isinstance(value, str) and value and bound.name != "code":
                data[bound.html_name] = value + "（改）"
                edited = True
    for inline in model_admin.get_inline_instances(request, obj):
        prefix = inline.get_formset(request, obj).get_default_prefix()
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def post_data(url: AdminUrl, obj, superuser) -> dict:
    model_admin = admin.site._registry.get(type(obj)) if obj is not None else None
    if url.kind in {"change", "add", "simple_history"} and model_admin is not None:
        return form_data(model_admin, obj, superuser)
    if url.kind == "delete":
        return {"post": "yes"}
    if url.kind == "changelist" and obj is not None:
        return {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    if url.kind == "progress":
        return {"reported_on": "2021-02-01", "progress": "已开工"}
    if url.kind == "password_change_user":
        return {"password1": "Another-pw-9381", "password2": "Another-pw-9381"}
    if url.kind == "process_import":
        return {"token": "00000000-0000-0000-0000-000000000000"}
    return {}


READS = re.compile(r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK)\b", re.IGNORECASE)


def fingerprint() -> str:
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.app_label in {"tracker", "auth"}:
            for row in model._default_manager.order_by("pk").values_list():
                digest.update(repr(row).encode())
    return digest.hexdigest()


def refused(response, role) -> bool:
    if role == "anonymous":
        return response.status_code == 302 and "/login/" in response.get("Location", "")
    return response.status_code == 403


def cell_outcome(client, url, obj, method, superuser, *, before: str | None):
    """(path, response, wrote) for one request, rolled back afterwards.

    ``before``: the database's fingerprint, to compare with after a refusal (every
    cell is rolled back, so one taken before the first cell serves them all; the
    fingerprint is the slow part, so allowed cells skip it).
    """
    path = concrete_path(url, obj)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, post_data(url, obj, superuser))
        # Rows change only through a statement other than a read, so a request that ran
        # none left them as they were; one that did is compared row by row.
        wrote = (
            before is not None
            and any(not READS.match(query["sql"]) for query in queries)
            and fingerprint() != before
        )
        transaction.set_rollback(True)
    return path, response, wrote


def model_object(url: AdminUrl, role: str, objects):
    side = "other" if role == "editor_other" else "own"
    if url.kind == "progress":
        return objects[side]["project"]
    if url.kind in ROW_PAGES:
        return objects[side][ROW_PAGES[url.kind]]
    key = url.model if url.model != "user" else "user"
    return objects[side].get(key)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_its_rights_on_every_admin_url(client, matrix, role):
    users, objects = matrix
    user = user_for(role, users)
    if user is not None:
        client.force_login(user)
    problems, cells = [], 0
    baseline = fingerprint()
    for url in matrix_urls():
        obj = model_object(url, role, objects)
        if url.kind in OBJECT_KINDS and obj is None:
            problems.append(f"{url.name}: no object to open")
            continue
        for method in ("GET", "POST"):
            if url.kind == "logout" or (url.kind == "process_import" and method == "GET"):
                continue  # logout ends the session; process_import answers POST only
            cells += 1
            allow = expected(role, url, method)
            path, response, wrote = cell_outcome(
                client, url, obj, method, users["superuser"], before=None if allow else baseline
            )
            status = response.status_code
            if status >= 500:
                problems.append(f"{method} {path}: {status}")
            elif allow and refused(response, role):
                problems.append(f"{method} {path}: refused ({status}), should be allowed")
            elif not allow and not refused(response, role):
                problems.append(f"{method} {path}: {status}, should be refused")
            if not allow and wrote:
                problems.append(f"{method} {path}: refused but the database changed")
            if user is not None and client.session.get("_auth_user_id") is None:
                client.force_login(user)  # a page that logged the user out
                baseline = fingerprint()  # logging in writes last_login
    assert problems == [], "\n".join(problems)
    assert cells > 100, cells


def test_the_matrix_covers_every_admin_url_for_every_role_and_method():
    urls = matrix_urls()
    per_role = sum(
        1 if url.kind in {"process_import"} else 0 if url.kind == "logout" else 2 for url in urls
    )
    print(
        f"role matrix: {len(urls)} URLs × {len(ROLES)} roles × GET/POST = {per_role * len(ROLES)}"
    )
    assert len(urls) >= 80
