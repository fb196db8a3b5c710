from __future__ import annotations

from django.core.management.base import CommandError
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
