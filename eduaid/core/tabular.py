"""Reading uploaded tables (.xlsx, .xls, .csv) by header name. Pure: no database.

Users live in Excel and WPS: the header may sit below title rows, a workbook may hold several
sheets, and Excel turns long numbers such as ID numbers into floats. `read_table` finds the header
row in each sheet, keeps the row numbers the user sees, and marks cells that were stored as numbers
so that a caller can refuse an ID that has lost its digits.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import python_calamine
from django.utils.translation import gettext as _

HEADER_SEARCH_ROWS = 10
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted .xlsx is an OLE file holding an "EncryptedPackage" stream (MS-OFFCRYPTO).
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
TEXT_EXTENSIONS = frozenset({".csv", ".tsv"})
SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"))
_WHITESPACE = re.compile(r"\s+")
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")


class TabularError(Exception):
    """The file cannot be read as a table; the message tells the user what to do."""

    def __init__(self, message: str, *, found: Sequence[str] = (), expected: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.found = list(found)
        self.expected = list(expected)


# --- normalisation -------------------------------------------------------------------------------


def clean(text: str) -> str:
    """Trim, fold full-width to half-width (NFKC), drop invisible marks, collapse inner whitespace."""
    if not text.isascii():  # plain ASCII is already NFKC and has no invisible marks
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        text = text.translate(_INVISIBLE)
    return " ".join(text.split())


@lru_cache(maxsize=1 << 16)
def compact(text: str) -> str:
    """`clean` without any whitespace at all: for codes, header names and choice values (cached: the
    same few values — 是, 在读, 三年级, school codes — fill most cells of a column)."""
    return "".join(clean(text).split())


def clean_name(text: str) -> str:
    """A person's or school's name: `clean`, and no spaces next to Chinese characters."""
    text = clean(text)
    return _SPACE_NEXT_TO_CJK.sub("", text) if " " in text else text  # `clean` left single spaces only


def header_key(text: str) -> str:
    """How header names compare: `compact`, ignoring the asterisk templates put on required ones."""
    return compact(text).strip("*")


# --- cells, rows, sheets -----------------------------------------------------------------------


class CellKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"  # stored as a number: long digit strings may have lost digits
    DATE = "date"
    BOOL = "bool"


class Cell:
    """One cell: its text as the user sees it (`raw`; numbers in Excel's General format, 4.11728E+17),
    what it held (`kind`), and two forms computed once when the cell is made: `text` (`clean(raw)`)
    and `key` (`compact(raw)`, what a cell counts as when rows are compared).

    Plain slots rather than properties: a county's enrolment file reads them millions of times. The
    reader makes one Cell per distinct text of a file, so each text is cleaned once. Treat as immutable.
    """

    __slots__ = ("key", "kind", "raw", "text")

    def __init__(self, raw: str, kind: CellKind = CellKind.TEXT) -> None:
        self.raw = raw
        self.kind = kind
        self.text = clean(raw)
        self.key = self.text.replace(" ", "") if " " in self.text else self.text  # clean leaves single spaces

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cell):
            return NotImplemented
        return self.raw == other.raw and self.kind == other.kind

    def __hash__(self) -> int:
        return hash((self.raw, self.kind))

    def __repr__(self) -> str:
        return f"Cell({self.raw!r}, {self.kind!s})"

    @property
    def is_blank(self) -> bool:
        return not self.text

    @property
    def is_number(self) -> bool:
        return self.kind == CellKind.NUMBER


BLANK = Cell("")


@dataclass(frozen=True)
class Column:
    """One expected column: its canonical header, the other headers users write, whether required.

    Required columns that share a `one_of` name are alternatives: the header must hold at least one
    of them, not each (a registry writes its household category under 户类型, 监测对象类别 or 家庭类别).
    """

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    one_of: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def required_headers(columns: Sequence[Column]) -> list[tuple[str, ...]]:
    """What a header must hold: for each entry, at least one of its canonical column names."""
    needed: dict[tuple[str, str], list[str]] = {}
    for column in columns:
        if column.required:
            group = ("one_of", column.one_of) if column.one_of else ("column", column.name)
            needed.setdefault(group, []).append(column.name)
    return [tuple(names) for names in needed.values()]


def _missing(positions: Mapping[str, int], columns: Sequence[Column]) -> list[str]:
    """The required headers (or sets of alternatives, written 甲/乙) that `positions` lacks."""
    return [
        "/".join(names) for names in required_headers(columns) if not any(name in positions for name in names)
    ]


@dataclass(frozen=True, eq=False)
class Row:
    sheet: str
    number: int  # the row number the user sees in the spreadsheet (1-based)
    cells: tuple[Cell, ...]  # every cell of the row, in file order
    header: tuple[str, ...]  # the sheet's header row as written
    positions: Mapping[str, int]  # canonical column name -> index in `cells`

    def get(self, name: str) -> Cell | None:
        """The cell of a column, BLANK past the row's end, None when the sheet lacks the column."""
        index = self.positions.get(name)
        if index is None:
            return None
        return self.cells[index] if index < len(self.cells) else BLANK

    def header_of(self, name: str) -> str:
        """The header of a column exactly as the file writes it (the canonical name if absent)."""
        index = self.positions.get(name)
        return name if index is None else self.header[index]

    def raw(self, name: str) -> str:
        cell = self.get(name)
        return "" if cell is None else cell.raw


@dataclass(frozen=True)
class Sheet:
    name: str
    header_row: int
    header: tuple[str, ...]
    columns: Mapping[str, str]  # canonical column name -> header as written
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    sheets: list[Sheet]

    @property
    def rows(self) -> Iterator[Row]:
        for sheet in self.sheets:
            yield from sheet.rows


Grid = list[list[Cell]]


# --- reading -------------------------------------------------------------------------------------


def read_table(source: bytes | Path, *, columns: Sequence[Column], filename: str = "") -> Table:
    """Every sheet of the file whose header holds all required columns, with its non-blank rows."""
    if isinstance(source, Path):
        filename = filename or source.name
        source = source.read_bytes()
    grids = load_grids(source, filename)
    sheets: list[Sheet] = []
    for name, grid in grids:
        found = _find_header(grid, columns)
        if found is not None:
            sheets.append(_sheet(name, grid, found[0], found[1]))
    if not sheets:
        raise _missing_columns_error(grids, columns)
    return Table(sheets)


def load_grids(data: bytes, filename: str = "") -> list[tuple[str, Grid]]:
    """Each sheet's cells from row 1, column A; raises TabularError for what is not a table."""
    if not data or data.isspace():
        raise TabularError(_("The file is empty."))
    if data.startswith(ZIP_MAGIC):
        _check_zip(data)
        return _workbook_grids(data)
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in data:
            raise TabularError(_encrypted_message())
        return _workbook_grids(data)
    if data.lstrip().startswith(b"<"):
        raise TabularError(
            _(
                "The file is a web page or XML saved under a spreadsheet's name: open it in Excel or "
                "WPS, save it as .xlsx and upload that file."
            )
        )
    if Path(filename).suffix.lower() in TEXT_EXTENSIONS and b"\x00" not in data[:4096]:
        return [("", _csv_grid(data))]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return [("", _csv_grid(data))]
    raise TabularError(_not_a_spreadsheet_message())


def _encrypted_message() -> str:
    return _("The file is encrypted: remove its password and upload it again.")


def _not_a_spreadsheet_message() -> str:
    return _("The file is not a spreadsheet: upload an .xlsx, .xls or .csv file.")


def _corrupt_message() -> str:
    return _(
        "The file is damaged and cannot be read: open it in Excel or WPS, save it again and upload "
        "the new file."
    )


def _check_zip(data: bytes) -> None:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise TabularError(_corrupt_message()) from exc
    if not any(name.startswith("xl/workbook.") or name == "content.xml" for name in names):
        raise TabularError(_not_a_spreadsheet_message())


def _workbook_grids(data: bytes) -> list[tuple[str, Grid]]:
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        grids = []
        for meta in book.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            values = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            grids.append((meta.name, _grid(values)))
    except python_calamine.PasswordError as exc:
        raise TabularError(_encrypted_message()) from exc
    except Exception as exc:  # calamine raises several unrelated types on a damaged file
        raise TabularError(_corrupt_message()) from exc
    return grids


def _csv_grid(data: bytes) -> Grid:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        cells: dict[str, Cell] = {}
        return [[_shared_text_cell(value, cells) for value in record] for record in reader]
    except csv.Error as exc:
        raise TabularError(_corrupt_message()) from exc


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularError(_("The file's text encoding is not recognised: save it as UTF-8 or GB18030 CSV."))


def _text_cell(value: str) -> Cell:
    """Text; but 4.11728E+17 is a number that lost its digits on the way (CSV, or pasted from one)."""
    if ("E" in value or "e" in value) and SCIENTIFIC.match(value.strip()):
        return Cell(value, CellKind.NUMBER)
    return Cell(value, CellKind.TEXT)


def _shared_text_cell(value: str, cells: dict[str, Cell]) -> Cell:
    """`_text_cell`, sharing one (immutable) Cell between the cells of a file that hold the same text."""
    cell = cells.get(value)
    if cell is None:
        cell = cells[value] = _text_cell(value) if value else BLANK
    return cell


def _new_cell(value: Any, cells: dict[str, Cell]) -> Cell:
    if type(value) is str:
        return _shared_text_cell(value, cells)
    return to_cell(value)


def _grid(values: Iterable[Sequence[Any]]) -> Grid:
    """A sheet's values as Cells, one Cell per distinct text (it cleans its text once). Only texts
    are keys of `cells`, so a number never finds a text's Cell; a text seen before costs one lookup."""
    cells: dict[str, Cell] = {}
    known = cells.get
    return [[known(value) or _new_cell(value, cells) for value in row] for row in values]  # type: ignore[arg-type]


def to_cell(value: Any) -> Cell:
    """A workbook value as a Cell: dates in ISO form, numbers as Excel shows them."""
    if value is None or value == "":
        return BLANK
    if isinstance(value, str):
        return _text_cell(value)
    if isinstance(value, bool):
        return Cell("TRUE" if value else "FALSE", CellKind.BOOL)
    if isinstance(value, int | float):
        return Cell(number_text(value), CellKind.NUMBER)
    if isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
        return Cell(text, CellKind.DATE)
    if isinstance(value, dt.date | dt.time):
        return Cell(value.isoformat(), CellKind.DATE)
    return Cell(str(value))


def number_text(value: float) -> str:
    """A number as text: whole numbers in digits (3, 2141011008), long ones as Excel shows them
    (4.11728E+17), since past 15 digits Excel has already rounded what was typed."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))  # below 10^15 a whole number keeps every digit
    if abs(value) >= 1e15:
        mantissa, exponent = f"{value:.5E}".split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E{exponent[0]}{exponent[1:].lstrip('0').zfill(2)}"
    return f"{value:.10g}"


# --- header detection ----------------------------------------------------------------------------


def _find_header(grid: Grid, columns: Sequence[Column]) -> tuple[int, dict[str, int]] | None:
    """The first row within the first ten that holds every required column, and where each is."""
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        positions = match_header([cell.raw for cell in row], columns)
        if not _missing(positions, columns):
            return index, positions
    return None


def match_header(header: Sequence[str], columns: Sequence[Column]) -> dict[str, int]:
    """Canonical column name -> index in `header`; the canonical name wins over an alias."""
    keys = [header_key(text) for text in header]
    positions: dict[str, int] = {}
    taken: set[int] = set()
    for column in columns:
        for name in column.names:
            wanted = header_key(name)
            index = next((i for i, key in enumerate(keys) if key == wanted and i not in taken), None)
            if index is not None:
                positions[column.name] = index
                taken.add(index)
                break
    return positions


def _sheet(name: str, grid: Grid, header_index: int, positions: dict[str, int]) -> Sheet:
    header = tuple(cell.raw.strip() for cell in grid[header_index])
    columns = {column: header[index] for column, index in positions.items()}
    sheet = Sheet(name=name, header_row=header_index + 1, header=header, columns=columns)
    header_keys = [(index, header_key(header[index])) for index in positions.values()]
    for index in range(header_index + 1, len(grid)):
        cells = tuple(grid[index])
        if all(cell.is_blank for cell in cells) or _repeats_header(cells, header_keys):
            continue
        sheet.rows.append(Row(name, index + 1, cells, header, positions))
    return sheet


def _repeats_header(cells: tuple[Cell, ...], header_keys: Sequence[tuple[int, str]]) -> bool:
    """A header printed again below (a report laid out for paper) is not a data row. (`header_keys`:
    each read column's position and `header_key`; a cell's `key` is its text compacted.)"""
    return all(index < len(cells) and cells[index].key.strip("*") == key for index, key in header_keys)


def _missing_columns_error(grids: list[tuple[str, Grid]], columns: Sequence[Column]) -> TabularError:
    """Name the columns of the row that came closest to a header, and the columns expected."""
    best: list[str] = []
    best_score = (-1, -1)
    for _name, grid in grids:
        for row in grid[:HEADER_SEARCH_ROWS]:
            texts = [cell.raw.strip() for cell in row if not cell.is_blank]
            score = (len(match_header(texts, columns)), len(texts))
            if score > best_score:
                best, best_score = texts, score
    missing = _missing(match_header(best, columns), columns)
    expected = ["/".join(names) for names in required_headers(columns)]
    message = _(
        "No sheet has all the required columns. Missing: %(missing)s. Columns found: %(found)s. "
        "Columns expected: %(expected)s."
    ) % {
        "missing": "、".join(missing),
        "found": "、".join(best) or _("(none)"),
        "expected": "、".join(expected),
    }
    return TabularError(message, found=best, expected=expected)
