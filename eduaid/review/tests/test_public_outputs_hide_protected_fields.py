"""Every public output of a notice — the printable page, the .xlsx and the public link — shows only name,
school, grade/class, item and amount: never a protected value of any student in it."""

from __future__ import annotations

import io
from typing import Any

import python_calamine
from django.test import Client
from django.urls import reverse

from eduaid.aid.models import Entitlement
from eduaid.conftest import RegistryCast
from eduaid.core import idnumbers
from eduaid.matching.describe import category_label
from eduaid.payments.tests.factories import give_account
from eduaid.registry.models import HouseholdVersion, Membership
from eduaid.review.models import Notice
from eduaid.review.tests.helpers import published


def _protected_values(notice: Notice) -> dict[str, set[str]]:
    """ID numbers (whole, masked, and the birth-date digits inside), birth dates in the usual spellings,
    household numbers, categories and the household's village (the address we hold)."""
    found: dict[str, set[str]] = {}
    entitlements = Entitlement.objects.filter(notice_entries__notice=notice).select_related("person")
    for e in entitlements:
        person = e.person
        values = found.setdefault(person.name, set())
        if person.id_number:
            values |= {person.id_number, idnumbers.mask(person.id_number), person.id_number[6:14]}
        if person.student_key:
            values.add(person.student_key)
        if person.birth_date:
            b = person.birth_date
            values |= {b.isoformat(), f"{b.year}年{b.month}月{b.day}日", f"{b:%Y/%m/%d}", f"{b:%Y.%m.%d}"}
        values |= {e.category, category_label(e.category)}
        for membership in Membership.objects.filter(person=person).select_related("household"):
            values.add(membership.household.code)
            for version in HouseholdVersion.objects.filter(household=membership.household):
                values.add(version.village.name)
    assert found and all(found.values())
    return found


def _outputs(client: Client, notice: Notice) -> dict[str, str]:
    client.force_login(notice.published_by or _any_officer())
    page = client.get(reverse("review:notice_print", kwargs={"pk": notice.pk}))
    book = client.get(reverse("review:notice_xlsx", kwargs={"pk": notice.pk}))
    assert page.status_code == 200 and book.status_code == 200
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(book.content))
    cells: list[str] = []
    for name in workbook.sheet_names:
        for row in workbook.get_sheet_by_name(name).to_python():
            cells.extend(str(cell) for cell in row)
    client.logout()
    public = client.get(reverse("review:notice_public", kwargs={"token": notice.public_token}))
    assert public.status_code == 200
    return {"page": page.content.decode(), "xlsx": "\n".join(cells), "public link": public.content.decode()}


def _any_officer() -> Any:
    from eduaid.accounts.models import User

    return User.objects.get(username="school_officer")


def test_no_public_output_contains_a_protected_value(client: Client, registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    protected = _protected_values(notice)
    # Each student also has a bank card (一人一卡): its number, bank and holder's ID stay private too.
    persons = {e.person for e in Entitlement.objects.filter(notice_entries__notice=notice)}
    for n, person in enumerate(sorted(persons, key=lambda p: p.pk), start=1):
        if person.id_number:
            account = give_account(person, 500 + n)
            protected[person.name] |= {account.number, account.bank}
    outputs = _outputs(client, notice)
    for where, text in outputs.items():
        for name, values in protected.items():
            assert name in text, f"{name} missing from the {where}"
            leaked = sorted(v for v in values if v and v in text)
            assert leaked == [], f"the {where} shows {leaked} of {name}"


def test_the_public_outputs_show_the_five_columns(client: Client, registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    outputs = _outputs(client, notice)
    poor_kid = registry_cast.person("poor_kid")
    for where, text in outputs.items():
        for expected in (poor_kid.name, "东营小学", "1班", "非寄宿生生活补助", "250.00"):
            assert expected in text, f"{expected} missing from the {where}"
