import pytest

from tracker.services import articles_load


@pytest.fixture
def articles(db):
    """The database with every article fixture loaded, as `make run` serves it."""
    return articles_load()
