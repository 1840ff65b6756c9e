"""import_ledger: a per-row report, --dry-run, --user, and a failing exit status on any error."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.factories import (
    csv_bytes,
    ledger_row,
    make_project,
    make_user,
    xlsx_bytes,
)
from tracker.models import ImportBatch, Project
from tracker.permissions import EDITOR_GROUP, READER_GROUP


@pytest.fixture
def ledger(tmp_path):
    def write(rows, name="台账.xlsx"):
        path = tmp_path / name
        path.write_bytes(xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows))
        return path

    return write


def test_import_prints_a_line_per_row_and_writes(world, ledger, capsys):
    make_project(world, code="JZ-2020-0001", name="旧名")
    path = ledger(
        [ledger_row(code="JZ-2020-0001", name="新名"), ledger_row(name="新项目", partners="新公司")]
    )
    call_command("import_ledger", str(path))
    out = capsys.readouterr().out
    assert "第 2 行\t更新\tJZ-2020-0001\t新名" in out
    assert "项目名称：旧名 → 新名" in out
    assert "第 3 行\t新增\tJZ-2020-0002\t新项目" in out
    assert "新建合作方：新公司" in out
    assert "已写入，批次" in out
    assert Project.objects.count() == 2
    assert ImportBatch.objects.get().source == "command"


def test_dry_run_reports_and_writes_nothing(world, ledger, capsys):
    call_command("import_ledger", str(ledger([ledger_row()], name="t.csv")), dry_run=True)
    assert "试运行，未写入" in capsys.readouterr().out
    assert not Project.objects.exists()
    assert not ImportBatch.objects.exists()


def test_any_row_error_fails_the_command_and_writes_nothing(world, ledger, capsys):
    path = ledger([ledger_row(name="好的"), ledger_row(region="火星")])
    with pytest.raises(CommandError, match="有错误，未写入任何数据"):
        call_command("import_ledger", str(path))
    assert "所属区域：没有名为“火星”的区域" in capsys.readouterr().out
    assert not Project.objects.exists()


def test_a_refused_file_fails_the_command(world, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"%PDF-1.7")
    with pytest.raises(CommandError, match="内容是 PDF"):
        call_command("import_ledger", str(path))


def test_user_option_records_the_user_and_applies_their_region_scope(world, ledger):
    editor = make_user("editor", group=EDITOR_GROUP, regions=[world.shanyang])
    with pytest.raises(CommandError):
        call_command("import_ledger", str(ledger([ledger_row(region="解放区")])), user="editor")
    call_command(
        "import_ledger", str(ledger([ledger_row(region="山阳区")])), user="editor", verbosity=0
    )
    assert Project.objects.get().history.get().history_user == editor


def test_user_option_needs_an_existing_user_with_import_permission(world, ledger):
    make_user("reader", group=READER_GROUP)
    with pytest.raises(CommandError, match="没有用户名为 ghost"):
        call_command("import_ledger", str(ledger([ledger_row()])), user="ghost")
    with pytest.raises(CommandError, match="没有导入项目台账的权限"):
        call_command("import_ledger", str(ledger([ledger_row()])), user="reader")


@pytest.mark.slow  # a subprocess
def test_the_exit_status_is_non_zero_on_errors(tmp_path):
    """Run the real manage.py: a refused file exits with status 1 and says why on stderr."""
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    result = subprocess.run(
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "import_ledger",
            str(bad),
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "SQLITE_PATH": str(tmp_path / "x.sqlite3"),
            "PATH": "/usr/bin:/bin",
        },
        check=False,
    )
    assert result.returncode == 1
    assert "不是有效的 xlsx" in result.stderr
