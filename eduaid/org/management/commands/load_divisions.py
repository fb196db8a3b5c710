from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from eduaid.org import divisions
from eduaid.org.models import County, Township, Village


class Command(BaseCommand):
    help = "Load a county's townships and villages from an NBS division CSV (code,name,level,parent_code)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--county", default=None, help="county code (default EDUAID_COUNTY)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        county = options["county"] or settings.EDUAID_COUNTY
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc}, returncode=2
            ) from exc
        try:
            rows = divisions.read_divisions(text)
        except divisions.DivisionFileError as exc:
            raise CommandError(_("Missing columns: %(columns)s") % {"columns": exc}, returncode=2) from exc
        problems = divisions.validate(rows, county)
        if problems:
            raise CommandError(
                _("The division file has problems, nothing was loaded: %(problems)s")
                % {"problems": "; ".join(problems[:20])},
                returncode=1,
            )
        with transaction.atomic():
            counts = divisions.apply(rows, county, County=County, Township=Township, Village=Village)
        if options["json"]:
            self.stdout.write(json.dumps(counts, ensure_ascii=False))
        else:
            self.stdout.write(_("Loaded %(townships)s townships and %(villages)s villages.") % counts)
