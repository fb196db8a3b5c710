"""`eduaid import_accounts FILE [--dry-run] [--strict] [--json] [--user NAME] [--rejected-out F.xlsx]`:
the bank accounts sheet (一人一卡), through the same checks as the upload page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eduaid.core.importing import ImportCommand, ImportReport
from eduaid.payments.imports import import_accounts


class Command(ImportCommand):
    help = (
        "Import the bank accounts sheet (姓名, 身份证号, 持卡人姓名, 持卡人身份证号, 开户行, 账号) "
        "from an .xlsx, .xls or .csv file."
    )

    def run(
        self, path: Path, *, actor: Any, strict: bool, dry_run: bool, options: dict[str, Any]
    ) -> ImportReport:
        report: ImportReport = import_accounts(
            path, actor=actor, filename=path.name, strict=strict, dry_run=dry_run
        )
        return report
