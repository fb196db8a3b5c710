"""`eduaid import_registry FILE [--as-of YYYY-MM-DD] [--dry-run] [--strict] [--json] [--user NAME]
[--rejected-out F.xlsx]`: the 防返贫监测 household registry as of a date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from eduaid.core.importing import ImportCommand, ImportReport
from eduaid.registry.imports_registry import as_of_argument, import_registry


class Command(ImportCommand):
    help = (
        "Import the household registry (户编号, 姓名, 证件号码, 户类型/监测对象类别, 乡镇, 行政村 …), "
        "one row per member, as the county's registry on a date, from an .xlsx, .xls or .csv file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--as-of", type=as_of_argument, help="the registry's date, YYYY-MM-DD (default: today)"
        )

    def run(
        self, path: Path, *, actor: Any, strict: bool, dry_run: bool, options: dict[str, Any]
    ) -> ImportReport:
        return import_registry(path, actor=actor, as_of=options["as_of"], strict=strict, dry_run=dry_run)
