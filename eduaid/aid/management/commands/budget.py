"""`eduaid budget --term T | --year YYYY [--json]`: money totals, loans and referrals apart."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from eduaid.aid.budget import (
    Budget,
    PeriodError,
    budget_for,
    dimension_titles,
    period_for_term,
    period_for_year,
)
from eduaid.aid.pricing import yuan
from eduaid.core.dbstate import DataCommand
from eduaid.core.importing import command_actor


class Command(DataCommand):
    help = "Money totals of priced entitlements for a term or a calendar year (loans and referrals apart)."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--term")
        which.add_argument("--year")
        parser.add_argument("--user", default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"])
        try:
            period = period_for_year(options["year"]) if options["year"] else period_for_term(options["term"])
        except PeriodError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        result = budget_for(actor, period)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        self._print(result)

    def _print(self, b: Budget) -> None:
        self.stdout.write(
            _("Budget for %(period)s (terms %(terms)s).")
            % {"period": b.period.label, "terms": "、".join(b.period.term_codes)}
        )
        self.stdout.write(
            _("Money total: %(total)s yuan; students: %(students)s; entitlements: %(n)s.")
            % {"total": yuan(b.total_fen), "students": b.students, "n": b.entitlements}
        )
        for name, title in dimension_titles().items():
            self.stdout.write("")
            self.stdout.write(title)
            for line in b.groups[name]:
                self.stdout.write(f"  {line.label}\t{line.students}\t{line.yuan}")
        self.stdout.write("")
        self.stdout.write(_("Loans and referrals (not counted)"))
        if not b.apart:
            self.stdout.write("  " + _("None."))
        for line in b.apart:
            self.stdout.write(f"  {line.label}\t{line.students}\t{line.yuan}")
