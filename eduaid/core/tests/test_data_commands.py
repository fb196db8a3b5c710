"""The data commands: they refuse a database that is not set up, and leave the system checks to
`eduaid check` (which loads every page's code: a quarter of each command's start-up)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core import checks
from django.core.management import get_commands, load_command_class
from django.core.management.base import OutputWrapper, SystemCheckError
from django.test.utils import override_system_checks

from eduaid.core.dbstate import DataCommand

ROOT = Path(__file__).resolve().parents[3]
# Commands of the project that are not over the data: setting up, the demo, the worker.
NOT_DATA = {"create_admin", "demo", "load_divisions", "db_worker"}


def _project_commands() -> dict[str, str]:
    return {name: app for name, app in get_commands().items() if app.startswith("eduaid.")}


def _always_fails(**kwargs: Any) -> list[checks.CheckMessage]:
    return [checks.Error("a broken check", id="eduaid_test.E001")]


def test_every_data_command_is_a_data_command() -> None:
    commands = _project_commands()
    assert {"match", "import_students", "entitlements", "payments", "notices"} <= set(commands)
    plain = [
        name
        for name, app in commands.items()
        if name not in NOT_DATA and not isinstance(load_command_class(app, name), DataCommand)
    ]
    assert plain == []


def _as_from_the_command_line(app: str, name: str, *argv: str) -> str:
    """`run_from_argv` without its closing of the connections (the test database lives on)."""
    out = io.StringIO()
    command = load_command_class(app, name)
    command.stdout = OutputWrapper(out)
    options = vars(command.create_parser("eduaid", name).parse_args(argv))
    command.execute(**options)
    return out.getvalue()


@pytest.mark.django_db
@override_system_checks([_always_fails])
def test_a_data_command_skips_the_system_checks() -> None:
    with pytest.raises(SystemCheckError, match="eduaid_test.E001"):
        _as_from_the_command_line("django.core", "dumpdata", "org.County")  # a plain command runs them
    out = _as_from_the_command_line("eduaid.review", "notices", "close", "--json")
    assert json.loads(out) == {"passed": 0}


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EDUAID_", "DATABASE_URL", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "eduaid", *args],
        env={**clean, "EDUAID_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)},
        cwd=data_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["match", "--term", "2023-2024-1"],
        ["notices", "close"],
        ["import_students", "students.csv"],
    ],
)
def test_a_data_command_refuses_a_database_not_set_up(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "students.csv").write_text("姓名,身份证件号\n", encoding="utf-8")
    result = _run(args, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "eduaid migrate" in result.stderr
    assert "Traceback" not in result.stderr
