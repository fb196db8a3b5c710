"""Generate the benchmark's input files: schools, registry, students and population.

    uv run python benchmarks/generate.py --students 100000 --out benchmarks/out/county --format xlsx,csv

Writes schools.xlsx and registry / students / population as .xlsx (XlsxWriter, constant_memory) and/or
.csv (UTF-8 with BOM). People come from `eduaid.demo.people` (families streamed one by one, so memory
stays bounded at any size) and schools from the demo's planner (`eduaid.demo.seed.plan_schools` on the
real townships and villages of `eduaid/org/data/suiping_divisions.csv`: the same 360 schools and codes
as `eduaid demo`).

On top of the generator's own data problems (a few students without ID, at two schools, ...) a light,
seeded layer of the dirt real exports carry is added, so that the cleaning is exercised:
full-width digits and spaces around ID numbers (normalised, accepted), a lower-case x (accepted),
wrong check digits (rejected) and exact repeats of a row (taken once). Its counts go to manifest.json.

Deterministic: the same arguments give the same rows (and byte-identical files).
An .xlsx sheet holds 1,048,576 rows: a file that could exceed it is written as CSV instead.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DIVISIONS = ROOT / "eduaid" / "org" / "data" / "suiping_divisions.csv"
COUNTY_CODE = "411728"
COUNTY_NAME = "遂平县"
XLSX_MAX_DATA_ROWS = 1_048_575  # 1,048,576 rows a sheet, one of them the header
FIXED_TIME = dt.datetime(2024, 3, 15, 8, 0, 0)  # workbook metadata, for identical bytes run to run
GENERATOR_VERSION = 1  # bump when the files change for the same arguments (invalidates run.py's cache)

SCHOOL_HEADERS = ["学校标识码", "学校名称", "乡镇", "学校类型", "办学性质", "城乡", "是否寄宿制"]
SCHOOL_TYPE_LABELS = {
    "kindergarten": "幼儿园",
    "primary": "小学",
    "junior": "初中",
    "nine_year": "九年一贯制",
    "complete_secondary": "完全中学",
    "senior": "高中",
    "vocational": "中职",
    "special": "特殊教育",
}
OWNERSHIP_LABELS = {"public": "公办", "private": "民办"}
URBAN_RURAL_LABELS = {"urban": "城区", "town": "镇区", "rural": "乡村"}
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _django() -> None:
    """The demo's planner imports the models (no database is touched)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduaid.settings")
    os.environ.setdefault("EDUAID_SECRET_KEY", "benchmark-generator-not-a-secret")
    import django

    django.setup()


# --- writers -------------------------------------------------------------------------------------


class XlsxTable:
    def __init__(self, path: Path, headers: Sequence[str]) -> None:
        import xlsxwriter

        self.path = path
        self.book = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False},
        )
        self.book.set_properties({"created": FIXED_TIME})
        self.sheet = self.book.add_worksheet("Sheet1")
        self.sheet.write_row(0, 0, headers)
        self.rows = 0

    def write(self, row: Sequence[str]) -> None:
        if self.rows >= XLSX_MAX_DATA_ROWS:
            raise SystemExit(f"{self.path.name}: more rows than an .xlsx sheet holds; use --format csv")
        self.rows += 1
        sheet, line = self.sheet, self.rows
        for col, value in enumerate(row):
            if value:
                sheet.write_string(line, col, value)

    def close(self) -> None:
        self.book.close()


class CsvTable:
    def __init__(self, path: Path, headers: Sequence[str]) -> None:
        self.path = path
        self.handle = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.handle, lineterminator="\r\n")
        self.writer.writerow(headers)
        self.rows = 0

    def write(self, row: Sequence[str]) -> None:
        self.rows += 1
        self.writer.writerow(row)

    def close(self) -> None:
        self.handle.close()


class Output:
    """One logical table written in one or more formats at once."""

    def __init__(self, out: Path, name: str, headers: Sequence[str], formats: Sequence[str]) -> None:
        self.tables = [
            (XlsxTable if fmt == "xlsx" else CsvTable)(out / f"{name}.{fmt}", headers) for fmt in formats
        ]
        self.rows = 0

    def write(self, row: Sequence[str]) -> None:
        self.rows += 1
        for table in self.tables:
            table.write(row)

    def close(self) -> None:
        for table in self.tables:
            table.close()


# --- places and schools --------------------------------------------------------------------------


def read_divisions() -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """Townships as (code, name) in code order, and each township's villages as (code, name)."""
    townships: list[tuple[str, str]] = []
    villages: dict[str, list[tuple[str, str]]] = {}
    with DIVISIONS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["level"] == "township":
                townships.append((row["code"], row["name"]))
            elif row["level"] == "village":
                villages.setdefault(row["parent_code"], []).append((row["code"], row["name"]))
    townships.sort()
    return townships, villages


def plan_schools() -> tuple[list[list[str]], list, dict[str, list[str]]]:
    """The demo's schools: rows of schools.xlsx, `SchoolInfo`s for the people generator, villages."""
    from eduaid.demo import seed
    from eduaid.demo.people import SchoolInfo

    townships, villages = read_divisions()
    places = [seed.Place(code, name, tuple(sorted(villages.get(code, [])))) for code, name in townships]
    # the demo's own seed and order: the same schools and codes as `eduaid demo`
    rng = random.Random(f"eduaid-demo-{COUNTY_CODE}-v{seed.SEED_VERSION}")
    plans = seed.plan_schools(COUNTY_NAME, places, rng, frozenset({seed.DONGYING_VILLAGE}))
    codes = seed.school_codes(plans, COUNTY_CODE[:2], rng)
    rows, infos = [], []
    for plan, code in zip(plans, codes, strict=True):
        township = plan.place.name if plan.place else ""
        rows.append(
            [
                code,
                plan.name,
                township or "县直",
                SCHOOL_TYPE_LABELS[plan.school_type],
                OWNERSHIP_LABELS[plan.ownership],
                URBAN_RURAL_LABELS[plan.urban_rural],
                "是" if plan.boarding else "否",
            ]
        )
        infos.append(SchoolInfo(code, str(plan.school_type), township, plan.boarding))
    by_township = {name: [v for _c, v in sorted(villages.get(code, []))] for code, name in townships}
    return rows, infos, by_township


# --- dirt ----------------------------------------------------------------------------------------


class Dirt:
    """Seeded noise on ID cells and whole rows; counts what it did."""

    RATES = {"full_width": 0.004, "spaces": 0.004, "lower_x": 0.3, "bad_check": 0.0005, "repeat": 0.0005}

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)
        self.counts = {name: 0 for name in self.RATES}

    def rows(self, row: list[str], id_index: int) -> list[list[str]]:
        """The row as written (once, or twice for an exact repeat)."""
        rng, rates, number = self.rng, self.RATES, row[id_index]
        if number:
            roll = rng.random()
            if roll < rates["bad_check"]:
                number = number[:-1] + rng.choice([c for c in "0123456789X" if c != number[-1]])
                self.counts["bad_check"] += 1
            elif number.endswith("X") and rng.random() < rates["lower_x"]:
                number = number[:-1] + "x"
                self.counts["lower_x"] += 1
            elif roll < rates["bad_check"] + rates["full_width"]:
                number = number.translate(FULL_WIDTH)
                self.counts["full_width"] += 1
            elif roll < rates["bad_check"] + rates["full_width"] + rates["spaces"]:
                number = f" {number}  "
                self.counts["spaces"] += 1
            row = [*row[:id_index], number, *row[id_index + 1 :]]
        if rng.random() < rates["repeat"]:
            self.counts["repeat"] += 1
            return [row, row]
        return [row]


# --- main ----------------------------------------------------------------------------------------


def xlsx_fits(students: int) -> bool:
    """Whether every file surely fits one sheet. Students ≈ 1 row per student (plus repeats and a
    few second schools); the registry and population files are smaller."""
    return students * 1.01 + 100 <= XLSX_MAX_DATA_ROWS


def generate(students: int, out: Path, formats: Sequence[str], *, quiet: bool = False) -> dict:
    _django()
    from eduaid.demo.people import POPULATION_HEADERS, REGISTRY_HEADERS, STUDENT_HEADERS, Plan, families

    started = time.perf_counter()
    formats = list(dict.fromkeys(formats))
    notes = []
    if "xlsx" in formats and not xlsx_fits(students):
        formats = [f for f in formats if f != "xlsx"] or ["csv"]
        notes.append(f"{students} students exceed an .xlsx sheet (1,048,576 rows): written as CSV")
        formats = list(dict.fromkeys([*formats, "csv"]))
    out.mkdir(parents=True, exist_ok=True)
    school_rows, infos, villages = plan_schools()
    schools = XlsxTable(out / "schools.xlsx", SCHOOL_HEADERS)
    for row in school_rows:
        schools.write(row)
    schools.close()

    plan = Plan(schools=infos, villages=villages, students=students)
    registry = Output(out, "registry", REGISTRY_HEADERS, formats)
    enrolments = Output(out, "students", STUDENT_HEADERS, formats)
    population = Output(out, "population", POPULATION_HEADERS, formats)
    dirt = Dirt(f"eduaid-bench-dirt-v{GENERATOR_VERSION}")
    families_count = 0
    registry_id = REGISTRY_HEADERS.index("证件号码")
    student_id = STUDENT_HEADERS.index("身份证号")
    for rows in families(plan, COUNTY_CODE):
        families_count += 1
        for row in rows.registry:
            for line in dirt.rows(row, registry_id):
                registry.write(line)
        for row in rows.students:
            for line in dirt.rows(row, student_id):
                enrolments.write(line)
        for row in rows.population:
            population.write(row)
        if not quiet and families_count % 50000 == 0:
            print(f"  {enrolments.rows:,} student rows …", file=sys.stderr, flush=True)
    for output in (registry, enrolments, population):
        output.close()
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "students": students,
        "formats": formats,
        "families": families_count,
        "rows": {
            "schools": len(school_rows),
            "registry": registry.rows,
            "students": enrolments.rows,
            "population": population.rows,
        },
        "dirt": dirt.counts,
        "notes": notes,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--format", default="xlsx", help="xlsx, csv, or both: xlsx,csv")
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    if not formats or any(f not in ("xlsx", "csv") for f in formats):
        parser.error("--format is xlsx, csv or xlsx,csv")
    manifest = generate(args.students, args.out, formats)
    print(json.dumps(manifest, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
