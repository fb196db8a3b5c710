"""`eduaid import_loans FILE [--dry-run] [--strict] [--json] [--user NAME] [--rejected-out F.xlsx]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eduaid.aid.imports import import_loans
from eduaid.core.importing import ImportCommand, ImportReport


class Command(ImportCommand):
    help = (
        "Import 生源地信用助学贷款 applications (身份证号, 姓名, 学年, 就读院校, 层次, 申请金额) "
        "from an .xlsx, .xls or .csv file."
    )

    def run(
        self, path: Path, *, actor: Any, strict: bool, dry_run: bool, options: dict[str, Any]
    ) -> ImportReport:
        return import_loans(path, actor=actor, strict=strict, dry_run=dry_run)
