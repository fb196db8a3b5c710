"""`eduaid import_population FILE [--as-of YYYY-MM-DD] [--dry-run] [--strict] [--json] [--user NAME]
[--rejected-out F.xlsx]`: the 户籍 children list as of a date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from eduaid.core.importing import ImportCommand, ImportReport
from eduaid.registry.imports_population import import_population
from eduaid.registry.imports_registry import as_of_argument


class Command(ImportCommand):
    help = (
        "Import the 户籍 children list (姓名, 身份证号, 乡镇, 行政村) as the population register on a "
        "date, from an .xlsx, .xls or .csv file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--as-of", type=as_of_argument, help="the list's date, YYYY-MM-DD (default: today)"
        )

    def run(
        self, path: Path, *, actor: Any, strict: bool, dry_run: bool, options: dict[str, Any]
    ) -> ImportReport:
        return import_population(path, actor=actor, as_of=options["as_of"], strict=strict, dry_run=dry_run)
