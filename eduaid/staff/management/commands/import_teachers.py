"""`eduaid import_teachers FILE`: the staff sheet of one or more schools (see eduaid.staff.imports)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eduaid.core.importing import ImportCommand, ImportReport
from eduaid.staff.imports import import_teachers


class Command(ImportCommand):
    help = "Import teachers: 姓名, 身份证号, 手机号, 学校标识码 or 学校名称, 班级, 是否班主任."

    def run(
        self, path: Path, *, actor: Any, strict: bool, dry_run: bool, options: dict[str, Any]
    ) -> ImportReport:
        return import_teachers(path, actor=actor, filename=path.name, strict=strict, dry_run=dry_run)
