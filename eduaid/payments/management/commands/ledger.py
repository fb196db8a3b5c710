"""`eduaid ledger verify [--json]`: recompute the money ledger's hash chain; exit 1 at a broken link."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from eduaid.core.dbstate import DataCommand
from eduaid.payments import ledger


class Command(DataCommand):
    help = "The money ledger: `verify` recomputes its hash chain (exit 1 at the first broken link)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = ledger.verify()
        if options["json"]:
            self.stdout.write(json.dumps(verdict.as_dict(), ensure_ascii=False))
        elif verdict.ok:
            self.stdout.write(_("The ledger is intact: %(n)s entries.") % {"n": verdict.entries})
        else:
            self.stdout.write(
                _(
                    "The ledger is broken at entry %(id)s (of %(n)s entries): "
                    "it was changed after it was written."
                )
                % {"id": verdict.broken_at, "n": verdict.entries}
            )
        if not verdict.ok:
            raise SystemExit(1)
