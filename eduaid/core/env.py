"""Strict helpers that read settings from the environment.

Each helper refuses a value it cannot understand instead of guessing, so that a
typo in a deployment fails at start-up rather than at the first request.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path


class EnvError(RuntimeError):
    """An environment variable holds a value that cannot be used."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise EnvError(f"{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_date(name: str) -> dt.date | None:
    raw = env_str(name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise EnvError(f"{name} must be a date written YYYY-MM-DD, not {raw!r}") from exc


def env_county(name: str, default: str) -> str:
    value = env_str(name, default)
    if len(value) != 6 or not value.isdigit():
        raise EnvError(f"{name} must be a 6-digit county code, not {value!r}")
    return value


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise EnvError(f"{name} must be a whole number, not {raw!r}") from exc


def data_dir(name: str = "EDUAID_DATA_DIR", default: str = "var") -> Path:
    """The data folder, absolute, created if missing."""
    path = Path(env_str(name, default) or default).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(folder: Path, name: str = "EDUAID_SECRET_KEY") -> str:
    """The secret key from the environment, or one generated once into the data folder (mode 600)."""
    value = env_str(name)
    if value:
        return value
    key_file = folder / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()
