"""Set-based writes: rows inserted from plain values, history rows made in SQL, rows read by key.

Django's `bulk_create` and django-simple-history's `bulk_create_with_history` build and compile a
model instance per row (and a historical instance per row); at county scale that was most of an
import's time, a third of the 比对's and of pricing. The imports, the staging table, the 比对's
findings and pricing write through here:
- `insert_rows` writes plain values: COPY on PostgreSQL (psycopg 3 `cursor.copy`), multi-row INSERTs
  elsewhere;
- `insert_returning` writes multi-row INSERTs that return the new ids with the given key columns;
- `history_from_live` writes the django-simple-history rows of live rows with one
  ``INSERT INTO <history> … SELECT … FROM <live>`` per chunk: the same columns, ``history_type``
  ('+' created, '~' changed, '-' deleted), ``history_date``, ``history_user`` and
  ``history_change_reason`` as `bulk_create_with_history` would give them.
- `rows_where_in` reads instances by a column's values without the ORM's per-value lookup work.
All run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone

from eduaid.core.bulkwork import in_chunks

INSERT_BATCH = 1000  # rows per multi-row INSERT
MAX_PARAMETERS = 30000  # per statement: within SQLite's limit of 32,766
M = TypeVar("M", bound=models.Model)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def columns_of(model: type[models.Model], fields: Sequence[str]) -> list[models.Field[Any, Any]]:
    """The concrete fields named by attribute name (``person_id``) or field name (``person``)."""
    by_name: dict[str, models.Field[Any, Any]] = {}
    for field in model._meta.concrete_fields:
        by_name[field.attname] = field
        by_name[field.name] = field
    return [by_name[name] for name in fields]


def _adapter(field: models.Field[Any, Any]) -> Any:
    """How a Python value of the field goes to the database (dates as text on SQLite, etc.)."""
    internal = field.get_internal_type()
    if internal == "DateField":
        return connection.ops.adapt_datefield_value
    if internal == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    return None


def _prepared(
    fields: Sequence[models.Field[Any, Any]], rows: Iterable[Sequence[Any]]
) -> Iterable[tuple[Any, ...]]:
    adapters = [_adapter(field) for field in fields]
    if not any(adapters) or connection.vendor == "postgresql":  # psycopg adapts dates itself
        yield from (tuple(row) for row in rows)
        return
    # Only the date columns are touched, each distinct value adapted once (a batch's rows share
    # their timestamps): adapting every value of every row was most of the work.
    adapted: list[tuple[int, Any, dict[Any, Any]]] = [
        (index, adapt, {}) for index, adapt in enumerate(adapters) if adapt is not None
    ]
    for row in rows:
        values = list(row)
        for index, adapt, memo in adapted:
            value = values[index]
            if value is not None:
                if value not in memo:
                    memo[value] = adapt(value)
                values[index] = memo[value]
        yield tuple(values)


def _batch(columns: int) -> int:
    return max(1, min(INSERT_BATCH, MAX_PARAMETERS // columns))


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (values in the order of `fields`) into the model's table."""
    if not rows:
        return
    columns = columns_of(model, fields)
    table = _quote(model._meta.db_table)
    names = ", ".join(_quote(field.column) for field in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Multi-row INSERTs (one statement per batch, as bulk_create makes them; faster than
        # executemany on SQLite, and the statements do not depend on the number of rows).
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        prepared = list(_prepared(columns, rows))
        size = _batch(len(columns))
        for start in range(0, len(prepared), size):
            batch = prepared[start : start + size]
            params = [value for row in batch for value in row]
            values = ", ".join([one] * len(batch))
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values}", params)  # noqa: S608


def insert_returning(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], *, keys: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert `rows` and return ``(id, *keys)`` of each new row (in no particular order)."""
    if not rows:
        return []
    columns = columns_of(model, fields)
    table = _quote(model._meta.db_table)
    names = ", ".join(_quote(field.column) for field in columns)
    returning = ", ".join(_quote(name) for name in (model._meta.pk.column, *keys))
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    prepared = list(_prepared(columns, rows))
    found: list[tuple[Any, ...]] = []
    size = _batch(len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), size):
            batch = prepared[start : start + size]
            values = ", ".join([one] * len(batch))
            params = [value for row in batch for value in row]
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values} RETURNING {returning}", params)  # noqa: S608
            found.extend(tuple(row) for row in cursor.fetchall())
    return found


def history_from_live(
    model: type[models.Model], pks: Sequence[Any], *, history_type: str, user: Any, reason: str
) -> None:
    """The django-simple-history rows of live rows `pks`, copied from the live table in SQL."""
    if not pks:
        return
    history: type[models.Model] = model.history.model  # type: ignore[attr-defined]
    live_columns = [field.column for field in model._meta.concrete_fields]
    target = [*live_columns, "history_date", "history_change_reason", "history_type", "history_user_id"]
    names = ", ".join(_quote(name) for name in target)
    selected = ", ".join(_quote(name) for name in live_columns)
    table = _quote(model._meta.db_table)
    pk = _quote(model._meta.pk.column)
    now = timezone.now()
    when = now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    extra = ", ".join(
        _typed(columns_of(history, [name])[0])
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    )
    with connection.cursor() as cursor:
        for chunk in in_chunks(pks):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {_quote(history._meta.db_table)} ({names}) "  # noqa: S608 (names from the models)
                f"SELECT {selected}, {extra} FROM {table} WHERE {pk} IN ({marks})",
                [when, reason, history_type, user_id, *chunk],
            )


def _typed(field: models.Field[Any, Any]) -> str:
    """A parameter in a SELECT list, typed on PostgreSQL (an untyped NULL would be read as text)."""
    if connection.vendor != "postgresql":
        return "%s"
    return f"CAST(%s AS {field.db_type(connection)})"


def rows_where_in(model: type[M], field: str, values: Sequence[Any]) -> list[M]:
    """The model's rows whose `field` is one of `values`, as instances, `IN_CHUNK` values a query.

    A raw query with one parameter a value: `filter(field__in=…)` prepares and resolves every value
    through the lookup machinery, which for the 100,000 keys of an enrolment file cost more than
    reading the rows. The instances are the ORM's own (its converters applied).
    """
    table = _quote(model._meta.db_table)
    column = _quote(columns_of(model, [field])[0].column)
    found: list[M] = []
    for chunk in in_chunks(values):
        marks = ", ".join(["%s"] * len(chunk))
        query = f"SELECT * FROM {table} WHERE {column} IN ({marks})"  # noqa: S608 (names from the model)
        found.extend(model._default_manager.raw(query, list(chunk)))
    return found
