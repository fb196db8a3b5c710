"""`eduaid import_schools FILE [--dry-run] [--strict] [--json] [--user NAME] [--rejected-out F.xlsx]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eduaid.core.importing import ImportCommand, ImportReport
from eduaid.org.imports import import_schools


class Command(ImportCommand):
    help = (
        "Import schools (学校标识码, 学校名称, 乡镇, 学校类型, 办学性质, 城乡, 是否寄宿制) "
        "from an .xlsx, .xls or .csv file."
    )

    def run(
        self, path: Path, *, actor: Any, strict: bool, dry_run: bool, options: dict[str, Any]
    ) -> ImportReport:
        return import_schools(path, actor=actor, strict=strict, dry_run=dry_run)
