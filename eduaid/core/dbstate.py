from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _


def require_migrated(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Commands that read or write data refuse, with a clear message, a database not yet set up."""
    executor = MigrationExecutor(connections[alias])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandError(
            _("The database is not set up or not up to date: run “eduaid migrate” first."), returncode=2
        )


class DataCommand(BaseCommand):
    """A command over the data: an import, the 比对, pricing, a batch, an export.

    Django runs the system checks before every command. They load the code of every page (the
    URLconf, the API and its pydantic schemas) to check it: 0.15 s of each run, a quarter of a
    command's start-up. Checking the project's code is the work of `eduaid check`, `migrate` and the
    server's start; a data command, run for every file and every step of every term, skips it and
    refuses a database that is not set up instead (`require_migrated`).
    """

    requires_system_checks: list[str] = []  # noqa: RUF012 (Django's attribute)

    def execute(self, *args: Any, **options: Any) -> Any:
        require_migrated(options.get("database") or DEFAULT_DB_ALIAS)
        return super().execute(*args, **options)
