import pytest
from django.conf import settings
from django.utils import translation

from tests.conftest_ledger import make_user, make_world
from tracker.services.fixtures import articles_load


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
