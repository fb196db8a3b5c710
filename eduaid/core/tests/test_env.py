from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from eduaid.core import env


def test_bool_accepts_the_usual_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env.env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env.env_bool("X_FLAG", True) is False


def test_bool_refuses_a_typo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(env.EnvError, match="X_FLAG"):
        env.env_bool("X_FLAG")


def test_date_and_county_are_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_DAY", "2024-03-15")
    assert env.env_date("X_DAY") == dt.date(2024, 3, 15)
    monkeypatch.setenv("X_DAY", "15/03/2024")
    with pytest.raises(env.EnvError):
        env.env_date("X_DAY")
    monkeypatch.setenv("X_COUNTY", "41172")
    with pytest.raises(env.EnvError):
        env.env_county("X_COUNTY", "411728")


def test_secret_key_is_generated_once_with_mode_600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDUAID_SECRET_KEY", raising=False)
    first = env.secret_key(tmp_path)
    assert len(first) >= 50
    assert env.secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def _run(args: list[str], extra_env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EDUAID_", "DATABASE_URL", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "eduaid", *args],
        env={**clean, **extra_env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_fresh_data_folder_needs_no_environment(tmp_path: Path) -> None:
    """With nothing set, the data folder defaults to ./var and SQLite runs in WAL mode."""
    result = _run(
        [
            "shell",
            "--no-imports",
            "-c",
            "from django.db import connection; c=connection.cursor(); "
            "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]); "
            "from django.conf import settings; print(settings.DATA_DIR, settings.DEBUG, settings.TIME_ZONE)",
        ],
        {"PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert lines[0] == "wal"
    assert lines[1] == str(tmp_path / "var")
    assert lines[2:] == ["False", "Asia/Shanghai"]
    assert (tmp_path / "var" / "secret_key").exists()


def test_https_deploy_check_is_clean(tmp_path: Path) -> None:
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "EDUAID_HTTPS": "1",
            "EDUAID_DATA_DIR": str(tmp_path),
            "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 silenced" in result.stdout + result.stderr


def test_plain_http_deploy_check_warns(tmp_path: Path) -> None:
    """Without EDUAID_HTTPS the deploy check must still point at the missing HTTPS settings."""
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {"EDUAID_DATA_DIR": str(tmp_path), "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        tmp_path,
    )
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stdout + result.stderr
