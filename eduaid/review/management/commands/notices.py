"""`eduaid notices close`: notices whose period is over pass their entitlements without an open objection."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from eduaid.core.dbstate import DataCommand
from eduaid.review.services import notices_close


class Command(DataCommand):
    help = "Public notices: close the ones whose period is over."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["close"])
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        moved = notices_close(actor=None)
        if options["json"]:
            self.stdout.write(json.dumps({"passed": moved}))
        else:
            self.stdout.write(_("%(n)s entitlements passed their public notice.") % {"n": moved})
