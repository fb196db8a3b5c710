"""Persons written set-wise by the registry and enrolment imports (`eduaid.core.bulkwrite` does the
writing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from eduaid.core.bulkwrite import history_from_live, insert_returning

PERSON_FIELDS = ("id_number", "student_key", "name", "gender", "birth_date")


class NewPerson:
    """A person to create, as plain values (a Person instance costs far more to make, 100,000 times)."""

    __slots__ = ("birth_date", "gender", "id_number", "name", "pk", "student_key")

    def __init__(
        self,
        *,
        id_number: str | None = None,
        student_key: str | None = None,
        name: str = "",
        gender: str = "",
        birth_date: Any = None,
    ) -> None:
        self.pk: int | None = None
        self.id_number = id_number
        self.student_key = student_key
        self.name = name
        self.gender = gender
        self.birth_date = birth_date


def new_person(**values: Any) -> Any:
    """A `NewPerson` (typed Any: the plans hold it where they hold Person rows)."""
    return NewPerson(**values)


def create_persons(persons: Sequence[Any], *, user: Any, reason: str) -> None:
    """Insert new persons (`NewPerson` or unsaved Person) with their '+' history rows; each gets its id."""
    from eduaid.registry.models import Person

    rows = [tuple(getattr(person, name) for name in PERSON_FIELDS) for person in persons]
    made = insert_returning(Person, PERSON_FIELDS, rows, keys=("id_number", "student_key"))
    ids = {(number, key): pk for pk, number, key in made}
    for person in persons:
        person.pk = ids[(person.id_number, person.student_key)]
        if isinstance(person, Person):
            person._state.adding = False
            person._state.db = connection.alias
    history_from_live(Person, [pk for pk, _number, _key in made], history_type="+", user=user, reason=reason)
