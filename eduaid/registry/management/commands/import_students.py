"""`eduaid import_students FILE [--as-of YYYY-MM-DD] [--dry-run] [--strict] [--json] [--user NAME]
[--rejected-out F.xlsx]`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from eduaid.core.importing import ImportCommand, ImportReport
from eduaid.registry.imports_students import import_students


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise CommandError(
            _("“%(value)s” is not a date: write it like 2024-03-15.") % {"value": text}, returncode=2
        ) from exc


class Command(ImportCommand):
    help = (
        "Import enrolments (学籍: 姓名, 身份证号, 学籍号, 学校标识码 or 学校名称 or 就读院校, "
        "学段, 年级, 班级, 是否住校, 学籍状态 …) from an .xlsx, .xls or .csv file, as a snapshot "
        "of the schools it contains."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--as-of", help="the date the file describes (YYYY-MM-DD, default today)")

    def run(
        self, path: Path, *, actor: Any, strict: bool, dry_run: bool, options: dict[str, Any]
    ) -> ImportReport:
        as_of = iso_date(options["as_of"]) if options.get("as_of") else None
        return import_students(path, actor=actor, as_of=as_of, strict=strict, dry_run=dry_run)
