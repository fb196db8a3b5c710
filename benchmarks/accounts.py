"""The bank accounts sheet (一人一卡) of the benchmark: one card for every student the registry lists.

    uv run python benchmarks/accounts.py --data DIR --format xlsx|csv

Derived from the generated files themselves (it reads students and registry, never changes them, and
is not part of generate.py, so the cache keys of the other files stay as they are): every student row
whose ID number — normalised as EduAid does (NFKC, spaces out, upper-case X) — is a valid resident ID
that also appears in the registry file gets one account, held by the student, at one bank, with a
19-digit card number that passes the Luhn check (621700 + the account's running number). A student
of two schools gets one account; students without a valid ID get none (the import would reject them).
Written as accounts.xlsx (constant_memory) or accounts.csv (UTF-8 with BOM). Memory: the registry's ID
numbers as a set.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline_common as common  # noqa: E402

HEADERS = ["姓名", "身份证号", "持卡人姓名", "持卡人身份证号", "开户行", "账号"]
BANK = "遂平县农村信用合作联社"
VERSION = 1  # bump when the file changes for the same inputs


def normalise_id(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).upper()


def valid_id(number: str) -> bool:
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], common.ID_WEIGHTS, strict=True))
    return common.CHECK_CHARS[total % 11] == number[17]


def luhn_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:  # these positions are doubled once the check digit is appended
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)


def card_number(n: int) -> str:
    body = f"621700{n:012d}"
    return body + luhn_digit(body)


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.DictReader(handle)
        return
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = iter(sheet.iter_rows())
    headers = [str(h) for h in next(rows)]
    for row in rows:
        yield {h: "" if v is None else str(v) for h, v in zip(headers, row, strict=False)}


def source(data: Path, name: str) -> Path:
    """The CSV copy when there is one (faster to stream), else the .xlsx."""
    csv_path = data / f"{name}.csv"
    return csv_path if csv_path.exists() else data / f"{name}.xlsx"


def key(data: Path, fmt: str) -> str:
    manifest = json.loads((data / "manifest.json").read_text())
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(repr((VERSION, fmt, manifest.get("cache_key"), manifest.get("rows"))).encode())
    return digest.hexdigest()[:16]


def accounts(data: Path) -> Iterator[list[str]]:
    registry = {normalise_id(row["证件号码"]) for row in read_rows(source(data, "registry"))}
    seen: set[str] = set()
    for row in read_rows(source(data, "students")):
        number = normalise_id(row["身份证号"])
        if number in seen or number not in registry or not valid_id(number):
            continue
        seen.add(number)
        name = unicodedata.normalize("NFKC", row["姓名"]).strip()
        yield [name, number, name, number, BANK, card_number(len(seen))]


def write(data: Path, fmt: str) -> dict:
    """Write accounts.<fmt> into `data` unless it is there for the same inputs; its summary."""
    meta_path = data / f"accounts.{fmt}.json"
    wanted = key(data, fmt)
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == wanted and (data / meta["file"]).exists():
            return meta
    path = data / f"accounts.{fmt}"
    count = 0
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            for row in accounts(data):
                writer.writerow(row)
                count += 1
    else:
        import xlsxwriter

        book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, HEADERS)
        for count, row in enumerate(accounts(data), start=1):
            for col, value in enumerate(row):
                sheet.write_string(count, col, value)
        book.close()
    meta = {"key": wanted, "file": path.name, "rows": count}
    meta_path.write_text(json.dumps(meta) + "\n")
    return meta


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--format", choices=("xlsx", "csv"), required=True)
    args = parser.parse_args()
    print(json.dumps(write(args.data, args.format)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
