"""Fixtures the review tests share."""

import pytest

from tests.factories import make_user
from tracker.permissions import ADMIN_GROUP, EDITOR_GROUP, READER_GROUP


@pytest.fixture
def people(world):
    return {
        "reader": make_user("reader", group=READER_GROUP),
        "editor": make_user("editor", group=EDITOR_GROUP, regions=[world.jiefang]),
        "other_editor": make_user("editor2", group=EDITOR_GROUP, regions=[world.shanyang]),
        "manager": make_user("manager", group=ADMIN_GROUP),
    }
