"""Starting the background worker (`eduaid db_worker`) as a child process on this process's database.

The demo starts one beside its web server; the tests start one on the test database. The child gets
the same environment, the absolute data folder and a DATABASE_URL naming the very database this
process uses (with SQLite's options, so that it waits for locks as the web server does).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection

SCHEMES = {"sqlite": "sqlite", "postgresql": "postgres"}
STOP_TIMEOUT_SECONDS = 10
PR_SET_PDEATHSIG = 1


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """A DATABASE_URL for the database of `settings_dict` (a connection's), options included."""
    vendor = str(settings_dict["ENGINE"]).rsplit(".", 1)[-1].replace("sqlite3", "sqlite")
    scheme = SCHEMES[vendor]
    options = {key: value for key, value in (settings_dict.get("OPTIONS") or {}).items() if value is not None}
    query = f"?{urlencode(options)}" if options else ""
    if scheme == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}{query}"
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"{scheme}://{credentials}{host}{port}/{quote(str(settings_dict['NAME']), safe='')}{query}"


def worker_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment, pointed at its database, data folder and clock."""
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url(connection.settings_dict)
    env["EDUAID_DATA_DIR"] = str(settings.DATA_DIR)
    today = getattr(settings, "EDUAID_TODAY", None)
    if today:
        env["EDUAID_TODAY"] = today.isoformat()
    env.update(extra or {})
    return env


def worker_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "eduaid", "db_worker", "--no-reload", *args]


def _die_with_parent() -> None:
    """In the child: on Linux, be sent SIGTERM if the parent dies without stopping us (os._exit)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_worker(*, interval: float = 1.0) -> subprocess.Popen[bytes]:
    """A worker that keeps polling the queue until `stop_worker` (or until this process dies)."""
    return subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        worker_command("--interval", str(interval)), env=worker_env(), preexec_fn=_die_with_parent
    )


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """Ask the worker to finish its task and stop; kill it if it does not."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
