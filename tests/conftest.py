import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import translation
from xdist.scheduler import LoadScopeScheduling

from tests.databases import (
    MigratedTemplates,
    drop_postgres_template,
    start_making,
    use_for_test_databases,
)
from tests.factories import make_user, make_world
from tracker import stats
from tracker.services.fixtures import articles_load
from tracker.services.groups import groups_sync


def _run_folder(config, tmp_path_factory):
    """The folder this run's processes share: the controller's base temp, which holds
    each xdist worker's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


@pytest.fixture(scope="session")
def migrated_templates(request, tmp_path_factory) -> MigratedTemplates:
    """A migrated SQLite file and PostgreSQL database for this run (tests/databases.py)."""
    return MigratedTemplates(_run_folder(request.config, tmp_path_factory))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, request, migrated_templates):
    """Each worker's test database starts as a copy of the run's migrated template
    instead of migrating on its own (``--reuse-db`` keeps pytest-django's way)."""
    if not request.config.getvalue("reuse_db"):
        use_for_test_databases(migrated_templates)


# The controller's threads making templates, by engine (absent: it makes none, as with
# --reuse-db or without xdist).
_MAKING = pytest.StashKey[dict]()


def pytest_sessionstart(session):
    config = session.config
    controller = config.getoption("numprocesses", default=None)  # None without xdist
    if controller and not config.getvalue("reuse_db"):
        root = config._tmp_path_factory.getbasetemp()
        config.stash[_MAKING] = {
            connection.vendor: start_making(MigratedTemplates(root), connection.vendor)
        }


# Modules whose tests copy the PostgreSQL template even when the run is on SQLite
# (subprocesses on both databases). When a worker has collected one, the controller
# starts that template too, beside the SQLite one, instead of a worker making it later
# while the other waits. A module missing here still works: its worker makes it.
POSTGRES_TEMPLATE_MODULES = (
    "tests/services/test_backup.py",
    "tests/ledger/test_import_job_killed.py",
)


@pytest.hookimpl(optionalhook=True)  # an xdist hook, run by the controller
def pytest_xdist_node_collection_finished(node, ids):
    making = node.config.stash.get(_MAKING, None)
    if making is None or "postgresql" in making:
        return  # none made here, or under way already (a run on PostgreSQL starts it)
    if any(nodeid.split("::", 1)[0] in POSTGRES_TEMPLATE_MODULES for nodeid in ids):
        root = node.config._tmp_path_factory.getbasetemp()
        making["postgresql"] = start_making(MigratedTemplates(root), "postgresql")


def pytest_sessionfinish(session):
    if not hasattr(session.config, "workerinput"):  # the controller, after every worker
        for thread in session.config.stash.get(_MAKING, {}).values():
            thread.join()  # a template still being made is dropped too, not left behind
        drop_postgres_template(session.config._tmp_path_factory.getbasetemp())


@pytest.fixture
def articles(db):
    """The database with every article fixture loaded, as `make run` serves it."""
    return articles_load()


# The staff-workspace ledger; the public-site tests define a "world" of their own.
@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def boss(world):
    return make_user("boss", superuser=True)


@pytest.fixture
def staff(client, boss):
    """A client logged in as a superuser."""
    client.force_login(boss)
    return client


@pytest.fixture(autouse=True)
def chinese_after_each_test():
    """A test that switches to English must not leave the next test in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _uses_database(request) -> bool:
    return bool(
        request.node.get_closest_marker("django_db")
        or {"db", "transactional_db"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def fresh_stats(request, django_db_blocker):
    """Cached figures outlive a test's rolled-back rows: in process memory, and in the
    shared cache (a database table), which only a test that uses the database can reach."""
    stats.forget_local()
    if _uses_database(request):
        request.getfixturevalue("django_db_setup")  # the test database, never the real one
        with django_db_blocker.unblock():
            stats.clear()
    yield
    stats.forget_local()


@pytest.fixture(scope="module")
def articles_in_module(django_db_setup, django_db_blocker):
    """The article fixtures loaded once for a whole test module and rolled back after it.

    A module whose tests all read the articles overrides ``articles`` with this. Each
    test still runs in its own savepoint inside this transaction, so what it changes
    is undone before the next test.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield articles_load()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def groups_after_a_flush(request, django_db_blocker):
    """A transactional test ends by flushing the database, which drops the three groups
    that migration 0003 made. Under xdist another module's tests may follow it on the
    same worker, so each test that uses the database finds them made again."""
    if _uses_database(request):
        with django_db_blocker.unblock():
            if not Group.objects.exists():
                groups_sync()
    yield


def pytest_collection_modifyitems(items):
    """Modules with slow tests (subprocesses, a browser, big data) run first.

    Under xdist (``--dist loadscope --no-loadscope-reorder``, as `make test` runs) each
    module goes to one worker in this order, so the few long modules start at once and
    the many short ones fill in beside them; xdist's own order (most tests first) left
    the long ones for last, with one worker idle at the end. A module's tests stay
    together, so module-scoped fixtures still load once."""
    slow_modules = {
        item.module.__name__
        for item in items
        if item.get_closest_marker("slow") or item.get_closest_marker("browser")
    }
    items.sort(key=lambda item: item.module.__name__ not in slow_modules)  # stable


# Modules whose tests are long and share nothing set up per module: under xdist each
# of their tests may go to any worker, instead of the whole module to one (the role
# matrix: six roles at about six seconds each). The killed-worker import tests are not
# among them: two at once on two cores starve the worker they mean to kill mid-write.
SPREAD_MODULES = ("tests/admin/test_matrix.py",)


class ModuleScheduling(LoadScopeScheduling):
    """xdist's ``loadscope`` (a module's tests on one worker), but with each test of a
    module in SPREAD_MODULES a unit of its own."""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.split("::", 1)[0] in SPREAD_MODULES:
            return nodeid
        return super()._split_scope(nodeid)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown when xdist is off (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadscope":
        return ModuleScheduling(config, log)
    return None
