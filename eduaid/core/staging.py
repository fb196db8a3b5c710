"""Imports through the staging table (DESIGN §6): judged in chunks, checked set-wise, resumable.

`run_import` takes this path when it is given a `Staging` (or runs inside `staging(...)`, as the upload
worker does) and the file has at least `STAGE_FROM_ROWS` rows. The file's rows are judged chunk by
chunk (`CHUNK_ROWS`); each chunk is written to `StagedRow` in its own short transaction together with
the run's "rows read" counter and the progress report. Exact repeats and key conflicts are then found
with SQL over the staged rows, the accepted values are read back in file order, and the importer's
`apply` gets them in one transaction as before. The report is the one the in-memory path gives.

A run of an upload job whose worker died is continued where it stopped: the file is read again, but
the rows already staged are neither judged nor written again — unless the judge keeps state across
rows (`Staging.rejudge_staged`: the registry's household agreement settles a household over all of
its rows), which then judges them again to rebuild that state and rewrites those whose verdict moved.

Values are stored as JSON by a codec driven by the dataclass fields and their type hints (`encode`,
`decoder_for`): str, int, float, bool, None, dates, Decimal, enums, tuples, lists, (frozen)sets,
dicts and nested dataclasses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import importlib
import json
import operator
import types
import typing
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from eduaid.core.bulkwrite import insert_rows
from eduaid.core.models import StagedRow, StagePhase, StageRun, StageState

if TYPE_CHECKING:
    from eduaid.core.importing import ImportReport, Issue, Judge, Judged, Progress
    from eduaid.core.tabular import Row, Table

CHUNK_ROWS: int = settings.EDUAID_IMPORT_CHUNK_ROWS
STAGE_FROM_ROWS = CHUNK_ROWS  # smaller files take the in-memory path even when staging is asked for
STALE_AFTER = dt.timedelta(days=2)

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


# --- what the caller asks for --------------------------------------------------------------------


@dataclasses.dataclass
class Staging:
    """Stage an import: `kind` names it; `job_id` ties it to an upload job (which makes it resumable).

    `rejudge_staged`: on resume, judge the rows already staged again (a judge with state across rows).
    `after_chunk`: called with the run after each chunk is committed (tests stop a run there).
    """

    kind: str
    job_id: int | None = None
    rejudge_staged: bool = False
    after_chunk: Callable[[StageRun], None] | None = None


_current: ContextVar[Staging | None] = ContextVar("import_staging", default=None)


@contextmanager
def staging(spec: Staging) -> Iterator[None]:
    """Within the block, `run_import` calls that are given no `stage` stage as `spec` says."""
    token = _current.set(spec)
    try:
        yield
    finally:
        _current.reset(token)


def current_staging() -> Staging | None:
    return _current.get()


# --- runs: open, end, clean ----------------------------------------------------------------------


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stage_run_open(spec: Staging, *, phase: str, digest: str, total: int) -> StageRun:
    """The unfinished run of the same job, phase and file (to continue), or a new one."""
    if spec.job_id is not None:
        runs = StageRun.objects.filter(job_id=spec.job_id, kind=spec.kind, phase=phase)
        found = runs.filter(file_digest=digest, rows_total=total).order_by("-pk").first()
        stale = runs if found is None else runs.exclude(pk=found.pk)
        stage_runs_delete(stale)
        if found is not None:
            return found
    return StageRun.objects.create(
        kind=spec.kind, job_id=spec.job_id, phase=phase, file_digest=digest, rows_total=total
    )


def stage_runs_delete(runs: Any) -> int:
    """Delete runs (a queryset) and their staged rows; the number of runs deleted."""
    ids = list(runs.values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        StagedRow.objects.filter(run_id__in=ids).delete()
        StageRun.objects.filter(pk__in=ids).delete()
    return len(ids)


def stage_run_end(run: StageRun) -> None:
    """The run ended (applied, dry run reported, failed): its staged rows go."""
    stage_runs_delete(StageRun.objects.filter(pk=run.pk))


def stage_runs_end_for_job(job_id: int) -> int:
    """Every run of an upload job, once the job has ended (or was reset)."""
    return stage_runs_delete(StageRun.objects.filter(job_id=job_id))


def stage_runs_clean(*, keep_job_ids: Sequence[int] = (), older_than: dt.timedelta = STALE_AFTER) -> int:
    """Stale runs: those of jobs not in `keep_job_ids` (jobs still being worked on), and runs without
    a job untouched for `older_than` (a command-line run that was cut off)."""
    of_ended_jobs = StageRun.objects.filter(job_id__isnull=False).exclude(job_id__in=list(keep_job_ids))
    old = StageRun.objects.filter(job_id__isnull=True, updated_at__lt=timezone.now() - older_than)
    return stage_runs_delete(of_ended_jobs) + stage_runs_delete(old)


# --- the staged import ---------------------------------------------------------------------------


def signature_digest(signature: tuple[tuple[str, str], ...]) -> str:
    return hashlib.blake2b(repr(signature).encode(), digest_size=16).hexdigest()


@dataclasses.dataclass
class _Kept:
    """A row judged by this process: its verdict when written (None: not written by this process)."""

    seq: int
    signature: str
    judged: Judged[Any]
    written: tuple[Any, ...] | None


def _verdict(judged: Judged[Any]) -> tuple[Any, ...]:
    return (tuple(judged.errors), tuple(judged.warnings), judged.value, judged.key)


def stage_and_collect(
    spec: Staging,
    *,
    data: bytes,
    table: Table,
    judge: Judge[Any],
    key_column: str,
    report: ImportReport,
    dry_run: bool,
    progress: Progress | None,
) -> tuple[StageRun, list[Any]]:
    """Stage the table's rows (continuing an unfinished run), then count and collect set-wise."""
    rows = list(table.rows)
    phase = StagePhase.DRY_RUN if dry_run else StagePhase.APPLY
    run = stage_run_open(spec, phase=phase, digest=file_digest(data), total=len(rows))
    if run.state == StageState.STAGING:
        _stage(run, spec, rows, judge, progress)
    elif progress is not None:
        progress(len(rows), len(rows))
    return run, _collect_staged(run, rows, key_column, report)


def _stage(
    run: StageRun, spec: Staging, rows: list[Row], judge: Judge[Any], progress: Progress | None
) -> None:
    from eduaid.core.importing import _row_signature

    total, start = len(rows), run.rows_read
    if progress is not None:
        progress(start, total)
    seen: set[str] = set()
    kept: list[_Kept] = []
    if start and not spec.rejudge_staged:
        seen.update(StagedRow.objects.filter(run=run).values_list("signature", flat=True))
    for seq in range(start if not spec.rejudge_staged else 0, start):
        signature = signature_digest(_row_signature(rows[seq]))
        if signature not in seen:
            seen.add(signature)
            kept.append(_Kept(seq, signature, judge(rows[seq]), None))
    for begin in range(start, total, CHUNK_ROWS):
        end = min(total, begin + CHUNK_ROWS)
        staged: list[tuple[Any, ...]] = []
        for seq in range(begin, end):
            row = rows[seq]
            signature = signature_digest(_row_signature(row))
            if signature in seen:  # an exact repeat: not judged (found again set-wise below)
                staged.append(
                    (run.pk, seq, row.sheet, row.number, signature, False, None, None, EMPTY, EMPTY, None)
                )
                continue
            seen.add(signature)
            judged = judge(row)
            staged.append(_staged_row(run, seq, signature, judged))
            kept.append(_Kept(seq, signature, judged, _verdict(judged)))
        with transaction.atomic():
            _insert(staged)
            StageRun.objects.filter(pk=run.pk).update(rows_read=end, updated_at=timezone.now())
            run.rows_read = end
            if progress is not None:
                progress(end, total)
        if spec.after_chunk is not None:
            spec.after_chunk(run)
    _restage_moved(run, kept)
    run.state = StageState.STAGED
    run.value_type = run.value_type or _value_type(kept)
    run.updated_at = timezone.now()
    run.save(update_fields=["state", "value_type", "updated_at"])


EMPTY = "[]"
COLUMNS = (
    "run_id",
    "seq",
    "sheet",
    "row_number",
    "signature",
    "judged",
    "key",
    "value",
    "errors",
    "warnings",
    "cells",
)
JSON_COLUMNS = frozenset({"value", "errors", "warnings", "cells"})


def _insert(rows: list[tuple[Any, ...]]) -> None:
    """Insert staged rows given as tuples in `COLUMNS` order, JSON columns as JSON text (the ORM's
    model instances cost more than the judging of a row)."""
    insert_rows(StagedRow, COLUMNS, rows)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _issues_json(issues: list[Issue]) -> str:
    if not issues:
        return EMPTY
    return _dumps([_issue_json(issue) for issue in issues])


def _staged_row(run: StageRun, seq: int, signature: str, judged: Judged[Any]) -> tuple[Any, ...]:
    row = judged.row
    rejected = judged.rejected
    return (
        run.pk,
        seq,
        row.sheet,
        row.number,
        signature,
        True,
        encode_key(judged.key),
        None if rejected or judged.value is None else _dumps(encode(judged.value)),
        _issues_json(judged.errors),
        _issues_json(judged.warnings),
        _dumps([cell.raw for cell in row.cells]) if rejected else None,
    )


def _restage_moved(run: StageRun, kept: list[_Kept]) -> None:
    """Rewrite the rows whose verdict a later row changed (or that were judged again on resume)."""
    moved = [item for item in kept if item.written is None or _verdict(item.judged) != item.written]
    if not moved:
        return
    with transaction.atomic():
        for begin in range(0, len(moved), CHUNK_ROWS):
            part = [
                _staged_row(run, item.seq, item.signature, item.judged)
                for item in moved[begin : begin + CHUNK_ROWS]
            ]
            StagedRow.objects.filter(run=run, seq__in=[row[1] for row in part]).delete()
            _insert(part)


def _value_type(kept: list[_Kept]) -> str:
    for item in kept:
        value = item.judged.value
        if value is not None:
            cls = type(value)
            return f"{cls.__module__}:{cls.__qualname__}"
    return ""


def _collect_staged(run: StageRun, rows: list[Row], key_column: str, report: ImportReport) -> list[Any]:
    """The in-memory path's `_judge_rows` + `_reject_conflicts` + `_collect`, from the staged rows."""
    from eduaid.core.importing import Issue, Judged, conflict_message, repeat_message

    staged = StagedRow.objects.filter(run=run)
    repeats = _repeats(staged)
    conflicts = _conflicts(staged, repeats)
    decode = decoder_for(_import_path(run.value_type)) if run.value_type else _identity
    accepted: list[Any] = []
    for seq, value, errors, warnings in _read_back(run):
        row = rows[seq]
        report.rows += 1
        if seq in repeats:
            report.duplicates += 1
            repeat: Judged[Any] = Judged(row)
            repeat.warn("", repeat_message(rows[repeats[seq]], row))
            report.warnings.extend(repeat.warnings)
            continue
        issues = [] if errors == EMPTY else [Issue(**item) for item in _loads(errors)]
        if seq in conflicts:
            conflict: Judged[Any] = Judged(row)
            conflict.reject(key_column, conflict_message([rows[other] for other in conflicts[seq]], row))
            issues.extend(conflict.errors)
        if issues:
            report.rejected += 1
            report.errors.extend(issues)
            report.rejected_rows.append((row, issues))
        elif value is None:
            raise ValueError(f"row {row.number}: a judge must reject a row or give it a value")
        else:
            if warnings != EMPTY:
                report.warnings.extend(Issue(**item) for item in _loads(warnings))
            accepted.append(decode(_loads(value)))
    return accepted


def _read_back(run: StageRun) -> Iterator[tuple[int, Any, Any, Any]]:
    """(seq, value, errors, warnings) in file order; JSON as text (as both backends return it)."""
    quote = connection.ops.quote_name
    as_text = "CAST({} AS text)" if connection.vendor == "postgresql" else "{}"
    columns = ", ".join(as_text.format(quote(name)) for name in ("value", "errors", "warnings"))
    table, seq, run_id = quote(StagedRow._meta.db_table), quote("seq"), quote("run_id")
    sql = f"SELECT {seq}, {columns} FROM {table} WHERE {run_id} = %s ORDER BY {seq}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [run.pk])
        while batch := cursor.fetchmany(CHUNK_ROWS):
            yield from batch


def _loads(data: Any) -> Any:
    return json.loads(data) if isinstance(data, str) else data


def _repeats(staged: Any) -> dict[int, int]:
    """Each exact repeat's sequence number -> that of the first row with its signature (SQL)."""
    repeated = staged.values("signature").annotate(n=Count("pk")).filter(n__gt=1).values("signature")
    firsts = dict(
        staged.filter(signature__in=repeated)
        .values("signature")
        .annotate(first=Min("seq"))
        .values_list("signature", "first")
    )
    found: dict[int, int] = {}
    for seq, signature in staged.filter(signature__in=repeated).values_list("seq", "signature"):
        if seq != firsts[signature]:
            found[seq] = firsts[signature]
    return found


def _conflicts(staged: Any, repeats: dict[int, int]) -> dict[int, list[int]]:
    """Rows sharing a key with different content (SQL): each one's row -> the others of its key."""
    keys = (
        staged.filter(key__isnull=False)
        .values("key")
        .annotate(n=Count("signature", distinct=True))
        .filter(n__gt=1)
        .values("key")
    )
    groups: dict[str, list[int]] = defaultdict(list)
    for seq, key in staged.filter(key__in=keys).order_by("seq").values_list("seq", "key"):
        if seq not in repeats:
            groups[key].append(seq)
    return {seq: [other for other in group if other != seq] for group in groups.values() for seq in group}


def _issue_json(issue: Issue) -> dict[str, Any]:
    return {
        "row": issue.row,
        "column": issue.column,
        "value": issue.value,
        "reason": issue.reason,
        "sheet": issue.sheet,
    }


# --- the value codec -----------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """A value (usually an importer's dataclass) as JSON-ready data."""
    cls: Any = type(value)
    return _codec(cls)[0](value)


def decode(cls: type, data: Any) -> Any:
    return decoder_for(cls)(data)


def decoder_for(cls: type) -> Decoder:
    return _codec(cls)[1]


def encode_key(key: Hashable | None) -> str | None:
    """A natural key as canonical JSON text (equal keys, equal text); None stays None."""
    if key is None:
        return None
    if type(key) is str:
        return _dumps(key)
    if _plain_key(key):
        return repr(key)  # tuples of text and numbers: repr is canonical, and cheaper than JSON
    return json.dumps(_encode_any(key), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _plain_key(key: Any) -> bool:
    if type(key) is tuple:
        return all(_plain_key(item) for item in key)
    return key is None or type(key) in (str, int, bool)


def _encode_any(value: Any) -> Any:
    """A value of no declared type: tuples and sets as lists, dates as text, dataclasses by field."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, tuple | list):
        return [_encode_any(item) for item in value]
    if isinstance(value, frozenset | set):
        return sorted((_encode_any(item) for item in value), key=repr)
    if isinstance(value, dt.date | Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode_any(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


def _import_path(path: str) -> type:
    module, _sep, qualname = path.partition(":")
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return typing.cast(type, found)


def _identity(value: Any) -> Any:
    return value


PLAIN = (str, int, float, bool, type(None))


@cache
def _codec(hint: Any) -> tuple[Encoder, Decoder]:
    if hint is Any or hint is object or hint in PLAIN:
        return _identity, _identity
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return _union_codec(args)
    if origin is typing.Literal:
        return _identity, _identity
    if origin is tuple:
        return _tuple_codec(args)
    if origin in (list, Sequence) or hint is list:
        item = _codec(args[0] if args else Any)
        return (lambda v: [item[0](x) for x in v]), (lambda d: [item[1](x) for x in d])
    if origin in (frozenset, set) or hint in (frozenset, set):
        item = _codec(args[0] if args else Any)
        kind = frozenset if (origin or hint) is frozenset else set
        return (
            lambda v: sorted((item[0](x) for x in v), key=repr),
            lambda d: kind(item[1](x) for x in d),
        )
    if origin is dict:
        key, item = _codec(args[0]), _codec(args[1])
        return (
            lambda v: [[key[0](k), item[0](x)] for k, x in v.items()],
            lambda d: {key[1](k): item[1](x) for k, x in d},
        )
    if isinstance(hint, type):
        return _class_codec(hint)
    raise TypeError(f"staging cannot store a value of type {hint!r}")


def _class_codec(cls: type) -> tuple[Encoder, Decoder]:
    if issubclass(cls, enum.Enum):
        return (lambda v: v.value), cls
    if issubclass(cls, dt.datetime):
        return (lambda v: v.isoformat()), dt.datetime.fromisoformat
    if issubclass(cls, dt.date):
        return (lambda v: v.isoformat()), dt.date.fromisoformat
    if issubclass(cls, Decimal):
        return str, Decimal
    if issubclass(cls, PLAIN):
        return _identity, _identity
    if dataclasses.is_dataclass(cls):
        return _dataclass_codec(cls)
    raise TypeError(f"staging cannot store a value of type {cls!r}")


def _dataclass_codec(cls: type) -> tuple[Encoder, Decoder]:
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.init]
    codecs = [(f.name, *_codec(hints[f.name])) for f in fields]
    names = tuple(name for name, _enc, _dec in codecs)
    values = operator.attrgetter(*names) if len(names) > 1 else (lambda v: (getattr(v, names[0]),))
    encoders = [
        (index, encoder) for index, (_name, encoder, _dec) in enumerate(codecs) if encoder is not _identity
    ]

    def enc(value: Any) -> dict[str, Any]:
        items = list(values(value))
        for index, encoder in encoders:
            if items[index] is not None:
                items[index] = encoder(items[index])
        return dict(zip(names, items, strict=True))

    def dec(data: dict[str, Any]) -> Any:
        return cls(**{name: _none_or(decoder, data[name]) for name, _enc, decoder in codecs})

    return enc, dec


def _none_or(function: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else function(value)


def _union_codec(args: tuple[Any, ...]) -> tuple[Encoder, Decoder]:
    others = [arg for arg in args if arg is not type(None)]
    if len(others) == 1:
        enc, dec = _codec(others[0])
        if enc is _identity and dec is _identity:
            return _identity, _identity
        return (lambda v: _none_or(enc, v)), (lambda d: _none_or(dec, d))
    if all(arg in PLAIN for arg in others):
        return _identity, _identity
    raise TypeError(f"staging cannot store a value of the union {args!r}")


def _tuple_codec(args: tuple[Any, ...]) -> tuple[Encoder, Decoder]:
    if not args or (len(args) == 2 and args[1] is Ellipsis):
        enc, dec = _codec(args[0] if args else Any)
        return (lambda v: [enc(x) for x in v]), (lambda d: tuple(dec(x) for x in d))
    codecs = [_codec(arg) for arg in args]
    return (
        lambda v: [c[0](x) for c, x in zip(codecs, v, strict=True)],
        lambda d: tuple(c[1](x) for c, x in zip(codecs, d, strict=True)),
    )
