"""The machinery every import shares: judge each row, then apply the valid ones in one transaction.

An import is described by its columns, a `judge` that turns one spreadsheet row into a value (or
rejections), the column holding each row's natural key, and an `apply` that writes the accepted
values. `run_import` reads the file, counts exact repeats, rejects rows whose key appears twice with
different content, and only then calls `apply` once, with every accepted value. `apply` owns the
transaction (it is a service) and must write nothing when called with ``dry_run=True``, while still
counting what it would have created, updated or left unchanged.

Progress: `run_import` reports `(rows judged, rows in the file)` every `PROGRESS_EVERY` rows, and
once when every row is judged, to its `progress` argument or, when none is given, to the reporter
installed with `reporting_progress` (the upload worker uses it around any import function).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import xlsxwriter
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from eduaid.core.bulkwork import fewer_collections
from eduaid.core.dbstate import DataCommand
from eduaid.core.tabular import Column, Row, TabularError, read_table

if TYPE_CHECKING:
    from eduaid.core.staging import Staging

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)

__all__ = [
    "Applied",
    "Column",
    "ImportCommand",
    "ImportReport",
    "Issue",
    "Judged",
    "number_lost_digits_message",
    "reporting_progress",
    "run_import",
    "write_rejected_xlsx",
]


@dataclass(frozen=True)
class Issue:
    """One bad cell (an error) or one thing to check (a warning); `row` is None for the whole file."""

    row: int | None
    column: str
    value: str
    reason: str
    sheet: str = ""

    def as_dict(self, *, with_sheet: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }
        if with_sheet:
            data["sheet"] = self.sheet
        return data

    def line(self, *, with_sheet: bool = False) -> str:
        if self.row is None:
            return self.reason
        params = {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}
        if not self.column:
            text = _("Row %(row)s: %(reason)s") % params
        else:
            text = _("Row %(row)s, column “%(column)s”, value “%(value)s”: %(reason)s") % params
        if with_sheet and self.sheet:
            text = _("Sheet “%(sheet)s”, %(line)s") % {"sheet": self.sheet, "line": text}
        return text


@dataclass
class Judged(Generic[T]):
    """What one row became: a value to apply, or rejections; plus warnings either way."""

    row: Row
    value: T | None = None
    key: Hashable | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def _issue(self, column: str, reason: str) -> Issue:
        cell = self.row.get(column)
        return Issue(
            row=self.row.number,
            column=self.row.header_of(column) if column else "",
            value="" if cell is None else cell.raw.strip(),
            reason=reason,
            sheet=self.row.sheet,
        )

    def reject(self, column: str, reason: str) -> None:
        """Reject the row for the cell of `column` (a canonical name; "" for the row as a whole)."""
        self.errors.append(self._issue(column, reason))

    def warn(self, column: str, reason: str) -> None:
        self.warnings.append(self._issue(column, reason))

    @property
    def rejected(self) -> bool:
        return bool(self.errors)


@dataclass(frozen=True)
class Applied:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """The outcome of one import, serialised as DESIGN §7 says (`as_dict`)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    dry_run: bool = False
    strict: bool = False
    applied: bool = False
    multi_sheet: bool = False
    rejected_rows: list[tuple[Row, list[Issue]]] = field(default_factory=list, repr=False)

    @property
    def exit_code(self) -> int:
        """0 when everything was accepted, 1 when anything (a row or the file) was rejected."""
        return 1 if self.errors else 0

    def as_dict(self) -> dict[str, Any]:
        with_sheet = self.multi_sheet
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "errors": [issue.as_dict(with_sheet=with_sheet) for issue in self.errors],
            "warnings": [issue.as_dict(with_sheet=with_sheet) for issue in self.warnings],
            "applied": self.applied,
            "dry_run": self.dry_run,
        }

    def summary(self) -> str:
        return _(
            "Rows: %(rows)s; created %(created)s, updated %(updated)s, unchanged %(unchanged)s, "
            "duplicates %(duplicates)s, rejected %(rejected)s"
        ) % {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
        }

    def lines(self) -> list[str]:
        """The summary, what was (not) written, then one line per error and per warning."""
        if self.errors and self.errors[0].row is None:
            return [self.errors[0].reason]  # the file itself could not be read
        lines = [self.summary()]
        if self.dry_run:
            lines.append(_("Dry run: nothing was written."))
        elif self.strict and not self.applied:
            lines.append(
                _("Some rows were rejected and only a fully valid file is applied: nothing was written.")
            )
        lines += [issue.line(with_sheet=self.multi_sheet) for issue in self.errors]
        lines += [
            _("Warning: %(line)s") % {"line": issue.line(with_sheet=self.multi_sheet)}
            for issue in self.warnings
        ]
        return lines


Judge = Callable[[Row], Judged[T]]
Progress = Callable[[int, int], None]

PROGRESS_EVERY = 500
_progress_reporter: ContextVar[Progress | None] = ContextVar("progress_reporter", default=None)


@contextmanager
def reporting_progress(progress: Progress) -> Iterator[None]:
    """Within the block, imports that are given no `progress` report to this one."""
    token = _progress_reporter.set(progress)
    try:
        yield
    finally:
        _progress_reporter.reset(token)


class Apply(Protocol[T_contra]):
    """Writes the accepted values in one transaction (a service); counts only when ``dry_run``."""

    def __call__(self, values: Sequence[T_contra], *, dry_run: bool, report: ImportReport) -> Applied: ...


@fewer_collections()
def run_import(
    source: bytes | Path,
    *,
    columns: Sequence[Column],
    judge: Judge[T],
    key_column: str,
    apply: Apply[T],
    filename: str = "",
    strict: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    stage: Staging | None = None,
) -> ImportReport:
    """Read, judge every row, then apply the accepted ones at once (or not at all).

    With `stage` (or inside `staging.staging(...)`), the rows go through the staging table
    (`eduaid.core.staging`): judged in chunks, checked set-wise, resumable; the report is the same.
    """
    from eduaid.core import staging

    report = ImportReport(dry_run=dry_run, strict=strict)
    progress = progress or _progress_reporter.get()
    stage = stage or staging.current_staging()
    if isinstance(source, Path):
        filename = filename or source.name
        source = source.read_bytes()
    try:
        table = read_table(source, columns=columns, filename=filename)
    except TabularError as exc:
        report.errors.append(Issue(row=None, column="", value="", reason=exc.message))
        return report
    report.multi_sheet = len(table.sheets) > 1
    run = None
    total = sum(len(sheet.rows) for sheet in table.sheets)
    if stage is not None and total < staging.STAGE_FROM_ROWS:
        stage = None  # a file of one chunk gains nothing: judged again at once if cut off
    if stage is None:
        judged = _judge_rows(table.rows, judge, report, progress=_every(progress, total))
        _reject_conflicts(judged, key_column)
        accepted = _collect(judged, report)
    else:
        run, accepted = staging.stage_and_collect(
            stage,
            data=source,
            table=table,
            judge=judge,
            key_column=key_column,
            report=report,
            dry_run=dry_run,
            progress=progress,
        )
    order = {sheet.name: index for index, sheet in enumerate(table.sheets)}
    report.warnings.sort(key=lambda issue: (order.get(issue.sheet, 0), issue.row or 0))
    write = not dry_run and not (strict and report.rejected)
    outcome = apply(accepted, dry_run=not write, report=report)
    report.created, report.updated, report.unchanged = outcome.created, outcome.updated, outcome.unchanged
    report.applied = write
    if run is not None:
        staging.stage_run_end(run)
    return report


def _row_signature(row: Row) -> tuple[tuple[str, str], ...]:
    """What makes two rows exact repeats: the same values in the imported columns.

    Columns the import does not read (序号, 备注) and the spelling of headers do not count, so the
    same row on two sheets, or under another serial number, is one row.
    """
    cells = row.cells
    width = len(cells)
    return tuple(
        (name, key)
        for name, index in _sorted_columns(row.positions)
        if index < width and (key := cells[index].key)
    )


# The sheets' column maps (one object per sheet, shared by its rows), each with its columns in
# name order: a signature is then built in that order, with no sort per row.
_column_orders: dict[int, tuple[Mapping[str, int], tuple[tuple[str, int], ...]]] = {}


def _sorted_columns(positions: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    entry = _column_orders.get(id(positions))
    if entry is None or entry[0] is not positions:
        if len(_column_orders) > 64:
            _column_orders.clear()
        entry = _column_orders[id(positions)] = (positions, tuple(sorted(positions.items())))
    return entry[1]


def _every(progress: Progress | None, total: int) -> Callable[[int], None]:
    """Called with the number of rows judged so far; reports every PROGRESS_EVERY rows and at the end."""

    def tick(done: int) -> None:
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)

    if progress is not None:
        progress(0, total)
    return tick


def _judge_rows(
    rows: Iterable[Row], judge: Judge[T], report: ImportReport, *, progress: Callable[[int], None]
) -> list[Judged[T]]:
    seen: dict[tuple[tuple[str, str], ...], Row] = {}
    judged: list[Judged[T]] = []
    for row in rows:
        report.rows += 1
        progress(report.rows)
        signature = _row_signature(row)
        earlier = seen.get(signature)
        if earlier is not None:
            report.duplicates += 1
            repeat: Judged[T] = Judged(row)
            repeat.warn("", repeat_message(earlier, row))
            report.warnings.extend(repeat.warnings)
            continue
        seen[signature] = row
        judged.append(judge(row))
    return judged


def _row_ref(row: Row, reader: Row) -> str:
    """A row number, naming its sheet when the reader is on another sheet."""
    if row.sheet == reader.sheet:
        return str(row.number)
    return _("%(row)s (sheet “%(sheet)s”)") % {"row": row.number, "sheet": row.sheet}


def repeat_message(earlier: Row, row: Row) -> str:
    return _("Exact repeat of row %(row)s; counted once.") % {"row": _row_ref(earlier, row)}


def conflict_message(others: Sequence[Row], reader: Row) -> str:
    rows = "、".join(_row_ref(other, reader) for other in others)
    return _("Also in row %(rows)s with different content.") % {"rows": rows}


def _reject_conflicts(judged: list[Judged[T]], key_column: str) -> None:
    """Rows that share a natural key but differ are all rejected: the file contradicts itself."""
    groups: dict[Hashable, list[Judged[T]]] = defaultdict(list)
    for item in judged:
        if item.key is not None:
            groups[item.key].append(item)
    for group in groups.values():
        if len(group) < 2:
            continue
        for item in group:
            others = [other.row for other in group if other is not item]
            item.reject(key_column, conflict_message(others, item.row))


def _collect(judged: list[Judged[T]], report: ImportReport) -> list[T]:
    """Count the rejected rows into the report; the values of the accepted ones."""
    accepted: list[T] = []
    for item in judged:
        if item.rejected:
            report.rejected += 1
            report.errors.extend(item.errors)
            report.rejected_rows.append((item.row, item.errors))
        elif item.value is None:
            raise ValueError(f"row {item.row.number}: a judge must reject a row or give it a value")
        else:
            report.warnings.extend(item.warnings)
            accepted.append(item.value)
    return accepted


def number_lost_digits_message() -> str:
    """For a cell that must be text (an ID, a code) but was stored as a number with digits lost."""
    return _(
        "The value was stored as a number and has lost digits: format the column as text and export again."
    )


# --- rejected rows as a workbook -----------------------------------------------------------------


def write_rejected_xlsx(report: ImportReport, target: str | Path | IO[bytes]) -> bool:
    """The rejected rows with their original columns plus a reason column; False if there are none."""
    if not report.rejected_rows:
        return False
    by_sheet: dict[str, list[tuple[Row, list[Issue]]]] = defaultdict(list)
    for row, issues in report.rejected_rows:
        by_sheet[row.sheet].append((row, issues))
    options = {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    book = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, options)
    text = book.add_format({"num_format": "@"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    bold = book.add_format({"bold": True})
    for number, (sheet_name, items) in enumerate(by_sheet.items(), start=1):
        title = (sheet_name or _("Rejected rows"))[:31]
        sheet = book.add_worksheet(_unique_title(book, title, number))
        width = max(len(items[0][0].header), *(len(row.cells) for row, _issues in items))
        sheet.set_column(0, width - 1, 16, text)
        sheet.set_column(width, width, 50, wrap)
        sheet.write_row(0, 0, [*items[0][0].header, *[""] * (width - len(items[0][0].header))], bold)
        sheet.write_string(0, width, _("Reason"), bold)
        for line, (row, issues) in enumerate(items, start=1):
            for col, cell in enumerate(row.cells):
                sheet.write_string(line, col, cell.raw, text)
            sheet.write_string(line, width, "\n".join(_reason(issue) for issue in issues), wrap)
    book.close()
    return True


def _unique_title(book: xlsxwriter.Workbook, title: str, number: int) -> str:
    names = {sheet.get_name() for sheet in book.worksheets()}
    return title if title not in names else f"{title[:27]}_{number}"


def _reason(issue: Issue) -> str:
    if not issue.column:
        return issue.reason
    return _("%(column)s: %(reason)s") % {"column": issue.column, "reason": issue.reason}


# --- the command line ----------------------------------------------------------------------------


class ImportCommand(DataCommand):
    """``eduaid import_x FILE [--dry-run] [--strict] [--json] [--user NAME] [--rejected-out F.xlsx]``.

    Subclasses implement `run`. Exit status: 0 all accepted, 1 something rejected, 2 misuse.
    """

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="an .xlsx, .xls or .csv file")
        parser.add_argument("--dry-run", action="store_true", help="report only, write nothing")
        parser.add_argument("--strict", action="store_true", help="apply nothing unless every row is valid")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--user", help="the user the changes are attributed to")
        parser.add_argument("--rejected-out", help="write the rejected rows to this .xlsx file")

    def run(
        self, path: Path, *, actor: Any, strict: bool, dry_run: bool, options: dict[str, Any]
    ) -> ImportReport:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path}, returncode=2)
        actor = command_actor(options["user"])
        report = self.run(
            path, actor=actor, strict=options["strict"], dry_run=options["dry_run"], options=options
        )
        if options["rejected_out"]:
            write_rejected_xlsx(report, Path(options["rejected_out"]))
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            for line in report.lines():
                self.stdout.write(line)
        if report.exit_code:
            raise SystemExit(report.exit_code)


def command_actor(username: str | None) -> Any:
    """The user named by ``--user``; None (the built-in command-line actor) when none is named."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("Unknown user: %(name)s") % {"name": username}, returncode=2)
    if not user.is_active:
        raise CommandError(_("User %(name)s is deactivated.") % {"name": username}, returncode=2)
    return user
