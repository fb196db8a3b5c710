from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from eduaid.core.audit import actor_name, record
from eduaid.core.dbstate import DataCommand
from eduaid.core.exports import EXPORTS, ExportError, exporter, write_table
from eduaid.core.importing import command_actor
from eduaid.core.models import AuditKind


class Command(DataCommand):
    help = "Write a standard table (findings, …) as CSV (UTF-8 with BOM) or .xlsx, with full ID numbers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=sorted(EXPORTS))
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--term", default="")
        parser.add_argument("--user", default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        name, out = options["name"], options["out"]
        if out.suffix.lower() not in {".csv", ".xlsx"}:
            raise CommandError(_("The output file must end in .csv or .xlsx."), returncode=2)
        actor = command_actor(options["user"])
        try:
            table = exporter(name)(options["term"], actor)
            rows = write_table(table, out)
        except ExportError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        record(
            AuditKind.EXPORT,
            actor=actor,
            username=actor_name(actor),
            detail={
                "export": name,
                "file": str(out),
                "rows": rows,
                "term": options["term"],
                "full_ids": True,
            },
        )
        if options["json"]:
            self.stdout.write(
                json.dumps({"export": name, "rows": rows, "file": str(out)}, ensure_ascii=False)
            )
        else:
            self.stdout.write(_("Wrote %(rows)s rows to %(file)s.") % {"rows": rows, "file": out})
