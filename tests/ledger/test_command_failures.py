"""import_ledger when the database fails mid-import: a plain message, and nothing written."""

from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from tests.factories import ledger_row, make_world, xlsx_bytes
from tracker.models import Project
from tracker.services import ledger as services


def test_a_connection_lost_mid_import_rolls_everything_back_with_a_clear_message(db, tmp_path):
    make_world()
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx_bytes([ledger_row(name="甲项目"), ledger_row(name="乙项目")]))
    real_apply = services.apply_plan

    def apply_then_lose_the_connection(plan, **kwargs):
        real_apply(plan, **kwargs)  # every row written inside the transaction …
        raise OperationalError("terminating connection due to administrator command")

    with (
        mock.patch.object(services, "apply_plan", apply_then_lose_the_connection),
        pytest.raises(CommandError, match="导入已整体回滚，未写入任何数据"),
    ):
        call_command("import_ledger", str(path))
    assert not Project.objects.exists()  # … and none of it kept
