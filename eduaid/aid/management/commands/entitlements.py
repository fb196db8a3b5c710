from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from eduaid.aid.exports import entitlements
from eduaid.aid.pricing import yuan
from eduaid.aid.services import COMMAND_LINE_ACTOR, PolicyError, entitlements_compute
from eduaid.core.audit import record
from eduaid.core.dbstate import DataCommand
from eduaid.core.exports import write_table
from eduaid.core.importing import command_actor
from eduaid.core.models import AuditKind
from eduaid.registry.services.terms import TermError, term_get_or_create


class Command(DataCommand):
    help = "Price a term from the policy version in force: one entitlement per student and item."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--term", required=True)
        parser.add_argument("--out", type=Path, default=None)
        parser.add_argument("--user", default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path | None = options["out"]
        if out is not None and out.suffix.lower() not in {".csv", ".xlsx"}:
            raise CommandError(_("The output file must end in .csv or .xlsx."), returncode=2)
        actor = command_actor(options["user"])
        try:
            term = term_get_or_create(code=options["term"], actor=actor)
            summary = entitlements_compute(term=term, actor=actor).summary
        except (TermError, PolicyError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if out is not None:
            summary["file"] = str(out)
            summary["file_rows"] = self._write(out, term.code, actor)
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self._print(summary)

    def _write(self, out: Path, term_code: str, actor: Any) -> int:
        rows = write_table(entitlements(term_code, actor), out)
        record(
            AuditKind.EXPORT,
            actor=actor,
            username=actor.get_username() if actor else COMMAND_LINE_ACTOR,
            detail={
                "export": "entitlements",
                "file": str(out),
                "rows": rows,
                "term": term_code,
                "full_ids": True,
            },
        )
        return rows

    def _print(self, s: dict[str, Any]) -> None:
        self.stdout.write(
            _("Term %(term)s priced under %(version)s.") % {"term": s["term"], "version": s["version"]}
        )
        self.stdout.write(
            _("Students: %(students)s; entitlements: %(rows)s; total: %(total)s yuan.")
            % {"students": s["students"], "rows": s["rows"], "total": yuan(s["total_fen"])}
        )
        self.stdout.write(
            _("New: %(created)s; changed: %(updated)s; removed: %(deleted)s; unchanged: %(unchanged)s.") % s
        )
        if s["would_change"]:
            self.stdout.write(
                _("%(n)s entitlements past “computed” would change; they were left as they are.")
                % {"n": len(s["would_change"])}
            )
        if "file" in s:
            self.stdout.write(_("Written: %(file)s (%(n)s rows).") % {"file": s["file"], "n": s["file_rows"]})
