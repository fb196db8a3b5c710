"""Is the worker process that runs an import job still alive? (A job's heartbeat and its worker.)

A worker that takes a job writes ``host:pid`` into the job's ``worker`` and the time into its
``heartbeat_at``; every progress report renews the heartbeat. A job whose worker was killed (or whose
machine restarted) would otherwise stay "running" for ever. It is *stale*:
- at once, when its worker ran on this machine and that process no longer exists;
- otherwise when its heartbeat is older than the staleness limit (`stale_after`, from
  EDUAID_IMPORT_STALE_SECONDS, default five minutes), unless its worker is a live process of this
  machine (a long write holds no progress to report: on SQLite the heartbeat cannot even be written
  while the import's transaction holds the database).
"""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.conf import settings
from django.utils import timezone

from eduaid.core.env import env_int

DEFAULT_STALE_SECONDS = 300


def stale_after() -> dt.timedelta:
    """How long a job may go without a heartbeat before it counts as abandoned."""
    seconds = getattr(settings, "EDUAID_IMPORT_STALE_SECONDS", None)
    if seconds is None:
        seconds = env_int("EDUAID_IMPORT_STALE_SECONDS", DEFAULT_STALE_SECONDS)
    return dt.timedelta(seconds=float(seconds))


def this_worker() -> str:
    """This process, as a job records its worker: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_alive(worker: str, *, new_process: bool = False) -> bool | None:
    """True/False for a worker of this machine (its process exists or not), None for another machine.

    `new_process`: the caller has just started and runs nothing yet, so a job naming the caller's own
    pid was left by an earlier process that had the same pid (after a restart pids repeat).
    """
    host, _sep, pid_text = worker.rpartition(":")
    if not host or not pid_text.isdigit():
        return None
    if host != socket.gethostname():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return not new_process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, under another user
    return True


def heartbeat_age(heartbeat: dt.datetime | None, *, now: dt.datetime | None = None) -> dt.timedelta | None:
    if heartbeat is None:
        return None
    return (now or timezone.now()) - heartbeat
