"""Importing the 户籍 children list (`eduaid import_population FILE`): 姓名, 身份证号, 乡镇, 行政村.

Optional input from the public-security household register. It widens the 适龄儿童 ledger beyond
the household registry. The file is the whole list as of `--as-of` (default today).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

from eduaid.core import clock
from eduaid.core.importing import Applied, ImportReport, Judged, run_import
from eduaid.core.tabular import Column, Row
from eduaid.registry.imports_registry import (
    GENDER,
    NAME,
    TOWNSHIP,
    TOWNSHIP_ALIASES,
    VILLAGE,
    VILLAGE_ALIASES,
    Places,
    gender_warning,
    held_keys,
    id_number,
    person_name,
    place,
    places_for,
    refused_date,
)
from eduaid.registry.models import SnapshotKind
from eduaid.registry.services.population import ChildData, population_import

ID = "身份证号"
COLUMNS = (
    Column(NAME),
    Column(ID, ("证件号码", "身份证号码", "公民身份号码")),
    Column(TOWNSHIP, TOWNSHIP_ALIASES),
    Column(VILLAGE, VILLAGE_ALIASES),
    Column(GENDER, (), required=False),
)


def import_population(
    source: bytes | Path,
    *,
    actor: Any,
    as_of: dt.date | None = None,
    filename: str = "",
    strict: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Judge every row, then make the population list say what the file says as of `as_of`."""
    day = as_of or clock.today()
    name = filename or (source.name if isinstance(source, Path) else "")
    refused = refused_date(SnapshotKind.POPULATION, day, strict=strict, dry_run=dry_run)
    if refused is not None:
        return refused
    places = places_for(settings.EDUAID_COUNTY)
    today = clock.today()

    def apply(values: Sequence[ChildData], *, dry_run: bool, report: ImportReport) -> Applied:
        if not values:  # a file without one valid row says nothing about the population
            return Applied()
        summary = {"rows": report.rows, "rejected": report.rejected, "duplicates": report.duplicates}
        return population_import(
            children=values,
            as_of=day,
            actor=actor,
            filename=name,
            held=held_keys(report, id_column=ID),
            dry_run=dry_run,
            summary=summary,
        )

    return run_import(
        source,
        columns=COLUMNS,
        judge=lambda row: judge_child(row, places, today),
        key_column=ID,
        apply=apply,
        filename=filename,
        strict=strict,
        dry_run=dry_run,
    )


def judge_child(row: Row, places: Places, today: dt.date) -> Judged[ChildData]:
    """One child, or the reasons the row cannot be one (one per bad cell)."""
    judged: Judged[ChildData] = Judged(row)
    number = id_number(judged, ID, today)
    name = person_name(judged)
    where = place(judged, places)
    gender_warning(judged, number)
    judged.key = number
    if not judged.rejected and number and name and where:
        judged.value = ChildData(number, name, where[1])
    return judged
