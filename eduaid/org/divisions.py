"""Loading a county's NBS division list (county → townships → villages).

The same code serves the data migration (historical models) and `eduaid load_divisions`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUNDLED = Path(__file__).resolve().parent / "data" / "suiping_divisions.csv"

REQUIRED = ("code", "name", "level", "parent_code")


class DivisionFileError(ValueError):
    pass


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent_code: str


def read_divisions(text: str) -> list[Division]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise DivisionFileError(", ".join(missing))
    rows = [
        Division(
            code=(r["code"] or "").strip(),
            name=(r["name"] or "").strip(),
            level=(r["level"] or "").strip(),
            parent_code=(r["parent_code"] or "").strip(),
        )
        for r in reader
        if any((v or "").strip() for v in r.values())
    ]
    return rows


def validate(rows: list[Division], county_code: str) -> list[str]:
    """Problems that stop the load (line numbers count the header as line 1)."""
    problems: list[str] = []
    counties = [r for r in rows if r.level == "county" and r.code == county_code]
    if not counties:
        problems.append(f"county {county_code} not in file")
    townships = {r.code for r in rows if r.level == "township"}
    for line, r in enumerate(rows, start=2):
        if r.level not in {"county", "township", "village"}:
            problems.append(f"line {line}: level {r.level!r}")
        elif r.level == "township" and (r.parent_code != county_code or len(r.code) != 9):
            problems.append(f"line {line}: township {r.code}")
        elif r.level == "village" and (r.parent_code not in townships or len(r.code) != 12):
            problems.append(f"line {line}: village {r.code}")
        if not r.name or not r.code.isdigit():
            problems.append(f"line {line}: code/name")
    return problems


def apply(
    rows: list[Division], county_code: str, *, County: Any, Township: Any, Village: Any
) -> dict[str, int]:
    """Create or rename the county's divisions; returns counts. Never deletes."""
    county_row = next(r for r in rows if r.level == "county" and r.code == county_code)
    county, _ = County.objects.update_or_create(code=county_code, defaults={"name": county_row.name})
    townships: dict[str, Any] = {}
    for r in rows:
        if r.level == "township":
            townships[r.code], _ = Township.objects.update_or_create(
                code=r.code, defaults={"name": r.name, "county": county}
            )
    villages = 0
    for r in rows:
        if r.level == "village":
            Village.objects.update_or_create(
                code=r.code, defaults={"name": r.name, "township": townships[r.parent_code]}
            )
            villages += 1
    return {"townships": len(townships), "villages": villages}
