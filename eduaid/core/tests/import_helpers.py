"""What every import command's tests share: run it with --json, and read its report."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command

COUNT_KEYS = ("rows", "created", "updated", "unchanged", "duplicates", "rejected")


def run_import_command(command: str, path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """Run `eduaid <command> FILE --json ...`: its exit status and its one JSON object."""
    out = io.StringIO()
    try:
        call_command(command, str(path), "--json", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def counts(report: dict[str, Any]) -> tuple[int, ...]:
    return tuple(report[key] for key in COUNT_KEYS)


def errors(report: dict[str, Any]) -> list[tuple[Any, str, str, str]]:
    return [(e["row"], e["column"], e["value"], e["reason"]) for e in report["errors"]]
