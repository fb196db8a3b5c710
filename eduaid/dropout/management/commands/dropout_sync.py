from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from eduaid.core.dbstate import DataCommand
from eduaid.core.importing import command_actor
from eduaid.dropout.selectors import current_term
from eduaid.dropout.services import cases_age_out, cases_sync
from eduaid.matching.selectors import last_run


class Command(DataCommand):
    help = (
        "Bring the dropout ledgers in line with the last match run of the current term; "
        "close the cases of children who turned 16."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"])
        term = current_term()
        run = last_run(term.code) if term else None
        if run is None:
            raise CommandError(
                _("No match of the current term yet: run eduaid match --term T first."), returncode=2
            )
        counts = cases_sync(run=run, actor=actor)
        counts["aged_out"] += cases_age_out(actor=actor)
        if options["json"]:
            self.stdout.write(json.dumps(counts, ensure_ascii=False))
            return
        self.stdout.write(
            _(
                "Dropout ledgers: %(opened)s cases opened, %(confirmed)s confirmed, %(closed)s closed as "
                "enrolled, %(returned)s back at school, %(aged_out)s closed at 16."
            )
            % counts
        )
