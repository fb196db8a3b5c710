"""Persons created by an import get their django-simple-history rows, written in SQL from the live table:
one '+' row per person with the same values, the acting user, the reason and the time of the import;
a later change adds a '~' row. The same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from eduaid.core.bulkwrite import history_from_live, insert_returning
from eduaid.registry.models import Person
from eduaid.registry.tests.test_import_registry import A1, A2, B1, B2, base_rows, row, run, write_xlsx

pytestmark = pytest.mark.django_db

VALUES = ("id", "id_number", "student_key", "name", "gender", "birth_date")


def test_an_import_writes_one_created_history_row_per_person_equal_to_the_live_row(
    tmp_path: Path, cast: Any
) -> None:
    admin = cast.user("county_admin")
    before = timezone.now()
    code, _report = run(write_xlsx(tmp_path, base_rows()), "--as-of", "2023-09-01", "--user", admin.username)
    assert code == 0
    live = {p["id"]: p for p in Person.objects.filter(id_number__in=[A1, A2, B1, B2]).values(*VALUES)}
    assert len(live) == 4
    history = list(
        Person.history.filter(id__in=live).values(
            *VALUES, "history_type", "history_user", "history_change_reason", "history_date"
        )
    )
    assert len(history) == 4
    for entry in history:
        assert {name: entry[name] for name in VALUES} == live[entry["id"]]
        assert (entry["history_type"], entry["history_user"], entry["history_change_reason"]) == (
            "+",
            admin.pk,
            "registry import",
        )
        assert before - dt.timedelta(seconds=1) <= entry["history_date"] <= timezone.now()
    assert all(isinstance(p.birth_date, dt.date) for p in Person.history.filter(id__in=live))


def test_a_changed_name_adds_a_changed_history_row(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()), "--as-of", "2023-09-01")
    renamed = [row(name="张德民"), *base_rows()[1:]]
    run(write_xlsx(tmp_path, renamed, name="r2.xlsx"), "--as-of", "2024-03-01")
    person = Person.objects.get(id_number=A1)
    assert list(person.history.order_by("history_id").values_list("history_type", "name")) == [
        ("+", "张德明"),
        ("~", "张德民"),
    ]
    assert person.history.first().history_user is None  # the command-line actor


def test_history_rows_for_deleted_rows_keep_the_values_before_deletion() -> None:
    ((pk, _number, _key),) = insert_returning(
        Person, ("id_number", "name", "gender"), [(A1, "张德明", "M")], keys=("id_number", "student_key")
    )
    history_from_live(Person, [pk], history_type="-", user=None, reason="test")
    entry = Person.history.get(id=pk)
    assert (entry.history_type, entry.name, entry.history_user, entry.history_change_reason) == (
        "-",
        "张德明",
        None,
        "test",
    )
