from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from eduaid.core.dbstate import DataCommand
from eduaid.core.importing import command_actor
from eduaid.matching.describe import category_label
from eduaid.matching.engine import CATEGORIES
from eduaid.matching.services import match_run
from eduaid.registry.services.terms import TermError, term_get_or_create


class Command(DataCommand):
    help = "Run the 比对 for a term: eligible students, duplicates, identity problems, suspected dropouts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--term", required=True)
        parser.add_argument("--user", default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"])
        try:
            term = term_get_or_create(code=options["term"], actor=actor)
        except TermError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        summary = match_run(term=term, actor=actor).summary
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(
            _("Match for term %(term)s (start %(start)s):") % {"term": term.code, "start": term.start_date}
        )
        self.stdout.write(_("Eligible students: %(n)s") % {"n": summary["eligible"]})
        for code in CATEGORIES:
            self.stdout.write(f"  {category_label(code)}: {summary['by_category'][code]}")
        if not summary["priced"]:
            self.stdout.write(_("Missed and wrong aid: the term is not priced yet."))
        else:
            self.stdout.write(_("Missed aid: %(n)s") % {"n": summary["missed"]})
            self.stdout.write(_("Aid without eligibility: %(n)s") % {"n": summary["wrong"]})
        self.stdout.write(_("Duplicate enrolments: %(n)s") % {"n": summary["duplicates"]})
        self.stdout.write(_("Identity problems: %(n)s") % {"n": summary["identity_problems"]})
        self.stdout.write(_("Suspected dropouts: %(n)s") % {"n": summary["suspected_dropouts"]})
