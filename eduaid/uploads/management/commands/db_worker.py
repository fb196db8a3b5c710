"""`eduaid db_worker`: django-tasks-db's worker, which first queues again the import jobs of dead workers.

A worker killed in the middle of an import (or a machine restarted) leaves its job "running"; the
next worker to start takes it up again (`services.requeue_abandoned_jobs`).
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from eduaid.uploads.services import requeue_abandoned_jobs


class Command(DatabaseWorkerCommand):
    help = "Run the background worker (import jobs of a worker that died are queued again first)"

    def handle(self, *args: Any, **options: Any) -> None:
        requeued = requeue_abandoned_jobs()
        if requeued and options.get("verbosity", 1):
            jobs = ", ".join(str(pk) for pk in requeued)
            self.stdout.write(f"Queued again the import jobs of a worker that stopped: {jobs}")
        super().handle(*args, **options)
