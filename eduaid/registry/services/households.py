"""Applying a household registry (防返贫监测 export) as the county's registry on a date.

One member row names a person, their household and the household's facts. The file is the whole
registry as of its date: persons are created or renamed; households and members the file no longer
lists are ended as of that date (`snapshots.plan_versions`), except those a rejected row names, which
stay as they were until a corrected file says otherwise. Everything is read in a few set-wise queries
and written in bulk, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, cast

from django.db import transaction
from django.db.models import F
from simple_history.utils import bulk_update_with_history

from eduaid.core import idnumbers
from eduaid.core.audit import record
from eduaid.core.bulkwork import refresh_statistics
from eduaid.core.importing import Applied
from eduaid.core.models import AuditKind
from eduaid.org.services import COMMAND_LINE_USERNAME
from eduaid.registry.models import (
    Gender,
    Household,
    HouseholdVersion,
    Membership,
    Person,
    Snapshot,
    SnapshotKind,
)
from eduaid.registry.services.bulk import create_persons, new_person
from eduaid.registry.services.snapshots import NewRow, VersionPlan, check_as_of, plan_versions, write_plan

CHUNK = 5000  # values per `__in` query: below SQLite's and PostgreSQL's parameter limits
BATCH = 2000
HOUSEHOLD_FIELDS = (
    "household_type",
    "monitoring_category",
    "enjoys_policy",
    "monitored_since",
    "risk_eliminated_on",
    "village",
)
MEMBERSHIP_FIELDS = ("household", "relation")
PERSON_FIELDS = ("name", "gender", "birth_date")


@dataclass(frozen=True)
class HouseholdFacts:
    """What a registry says of a household; one version of it (`HouseholdVersion`)."""

    household_type: str
    monitoring_category: str
    enjoys_policy: bool
    monitored_since: dt.date | None
    risk_eliminated_on: dt.date | None
    village_id: int

    def as_fields(self) -> dict[str, Any]:
        return {
            "household_type": self.household_type,
            "monitoring_category": self.monitoring_category,
            "enjoys_policy": self.enjoys_policy,
            "monitored_since": self.monitored_since,
            "risk_eliminated_on": self.risk_eliminated_on,
            "village_id": self.village_id,
        }


@dataclass(frozen=True)
class MemberData:
    """One accepted member row of a registry file."""

    household_code: str
    id_number: str
    name: str
    relation: str
    facts: HouseholdFacts


@dataclass(frozen=True)
class Held:
    """What the rejected rows of a file name: the snapshot neither ends nor changes it."""

    household_codes: frozenset[str] = frozenset()
    id_numbers: frozenset[str] = frozenset()


# --- persons -------------------------------------------------------------------------------------


def chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


@dataclass
class PersonPlan:
    """Every person of a file by ID number, saved or not; which to create and which to update."""

    people: dict[str, Person] = field(default_factory=dict)
    create: list[Person] = field(default_factory=list)
    update: list[Person] = field(default_factory=list)

    @property
    def changed(self) -> set[str]:
        return {str(person.id_number) for person in self.update}


def plan_persons(names: Mapping[str, str]) -> PersonPlan:
    """Persons by ID number with the names a file gives them; gender and birth date from the ID."""
    plan = PersonPlan()
    ids = list(names)
    for chunk in chunks(ids):
        plan.people.update((str(p.id_number), p) for p in Person.objects.filter(id_number__in=chunk))
    for number, name in names.items():
        facts = {"name": name, **_from_id(number)}
        person = plan.people.get(number)
        if person is None:
            plan.people[number] = new_person(id_number=number, **facts)
            plan.create.append(plan.people[number])
        elif any(getattr(person, key) != value for key, value in facts.items()):
            for key, value in facts.items():
                setattr(person, key, value)
            plan.update.append(person)
    return plan


def _from_id(number: str) -> dict[str, Any]:
    gender = Gender.MALE if idnumbers.is_male(number) else Gender.FEMALE
    return {"gender": gender, "birth_date": idnumbers.birth_date(number)}


def write_persons(plan: PersonPlan, *, actor: Any, reason: str) -> None:
    """Create and update the planned persons, with their history (the caller holds the transaction)."""
    user = history_user(actor)
    if plan.create:
        create_persons(plan.create, user=user, reason=reason)
    if plan.update:
        bulk_update_with_history(
            plan.update,
            Person,
            list(PERSON_FIELDS),
            batch_size=BATCH,
            default_user=user,
            default_change_reason=reason,
        )


def history_user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def actor_name(actor: Any) -> str:
    return actor.get_username() if history_user(actor) is not None else COMMAND_LINE_USERNAME


def new_snapshot(*, kind: str, as_of: dt.date, actor: Any, filename: str, report: dict[str, Any]) -> Snapshot:
    return Snapshot.objects.create(
        kind=kind,
        as_of=as_of,
        actor=history_user(actor),
        actor_name=actor_name(actor),
        filename=filename[:255],
        report=report,
    )


def audit_import(*, name: str, actor: Any, detail: dict[str, Any]) -> None:
    user = history_user(actor)
    username = "" if user is not None else COMMAND_LINE_USERNAME
    record(AuditKind.IMPORT, actor=user, username=username, detail={"import": name, **detail})


# --- households ----------------------------------------------------------------------------------


def _household_ids(codes: Sequence[str], *, create: bool) -> dict[str, int]:
    """Household id by code; new households are created, or given negative stand-ins for a dry run."""
    ids: dict[str, int] = {}
    for chunk in chunks(codes):
        ids.update(Household.objects.filter(code__in=chunk).values_list("code", "pk"))
    new = [code for code in codes if code not in ids]
    if not create:
        ids.update({code: -index for index, code in enumerate(new, start=1)})
        return ids
    made = Household.objects.bulk_create([Household(code=code) for code in new], batch_size=BATCH)
    if any(household.pk is None for household in made):  # a backend that returns no ids
        for chunk in chunks(new):
            ids.update(Household.objects.filter(code__in=chunk).values_list("code", "pk"))
    else:
        ids.update({household.code: household.pk for household in made})
    return ids


def _open_versions() -> dict[str, HouseholdVersion]:
    rows = HouseholdVersion.objects.filter(valid_to__isnull=True).annotate(code=F("household__code"))
    return {row.code: row for row in rows}  # type: ignore[attr-defined]


def _open_memberships() -> dict[str, Membership]:
    rows = Membership.objects.filter(valid_to__isnull=True).annotate(
        id_number=F("person__id_number"), household_code=F("household__code")
    )
    return {row.id_number: row for row in rows}  # type: ignore[attr-defined]


@dataclass
class RegistryPlan:
    persons: PersonPlan
    households: VersionPlan[HouseholdVersion]
    members: VersionPlan[Membership]


def _plan(
    members: Sequence[MemberData], persons: PersonPlan, ids: Mapping[str, int], held: Held, **when: Any
) -> RegistryPlan:
    """`when`: `as_of` and `first`, as `plan_versions` takes them."""
    wanted_households = {member.household_code: member.facts.as_fields() for member in members}
    households = plan_versions(
        open_rows=_open_versions(),
        wanted=wanted_households,
        build=lambda code, facts: cast(HouseholdVersion, NewRow(household_id=ids[code], **facts)),
        scope=lambda code: code not in held.household_codes,
        **when,
    )
    open_members = _open_memberships()
    wanted_members = {
        member.id_number: {"household_id": ids[member.household_code], "relation": member.relation}
        for member in members
    }
    kept = {
        number
        for number, row in open_members.items()
        if number in held.id_numbers or row.household_code in held.household_codes  # type: ignore[attr-defined]
    }
    memberships = plan_versions(
        open_rows=open_members,
        wanted=wanted_members,
        build=lambda number, facts: cast(Membership, NewRow(person_id=persons.people[number].pk, **facts)),
        scope=lambda number: number not in kept,
        **when,
    )
    return RegistryPlan(persons, households, memberships)


def _count(members: Sequence[MemberData], plan: RegistryPlan) -> Applied:
    """Per member row: created (a new membership), updated (it, its household or its person changed)."""
    renamed = plan.persons.changed
    created = updated = 0
    for member in members:
        if member.id_number in plan.members.created_keys:
            created += 1
        elif (
            member.id_number in plan.members.changed_keys
            or member.id_number in renamed
            or member.household_code in plan.households.changed_keys
            or member.household_code in plan.households.created_keys
        ):
            updated += 1
    return Applied(created=created, updated=updated, unchanged=len(members) - created - updated)


@transaction.atomic
def registry_import(
    *,
    members: Sequence[MemberData],
    as_of: dt.date,
    actor: Any,
    filename: str = "",
    held: Held | None = None,
    dry_run: bool = False,
    summary: Mapping[str, Any] | None = None,
) -> Applied:
    """Make the registry say what `members` say as of `as_of`; with `dry_run`, only count.

    Raises `SnapshotDateError` when a newer registry snapshot exists. `summary` (the import report so
    far) is kept on the snapshot and in the audit event, with the counts added.
    """
    first = check_as_of(SnapshotKind.REGISTRY, as_of)
    persons = plan_persons({member.id_number: member.name for member in members})
    if not dry_run:
        write_persons(persons, actor=actor, reason="registry import")
    codes = list(dict.fromkeys(member.household_code for member in members))
    ids = _household_ids(codes, create=not dry_run)
    plan = _plan(members, persons, ids, held or Held(), as_of=as_of, first=first)
    outcome = _count(members, plan)
    if dry_run:
        return outcome
    report = {**(summary or {}), **asdict(outcome), **_endings(plan)}
    snapshot = new_snapshot(
        kind=SnapshotKind.REGISTRY, as_of=as_of, actor=actor, filename=filename, report=report
    )
    write_plan(HouseholdVersion, plan.households, snapshot=snapshot, fields=HOUSEHOLD_FIELDS)
    write_plan(Membership, plan.members, snapshot=snapshot, fields=MEMBERSHIP_FIELDS)
    refresh_statistics(Person, Household, HouseholdVersion, Membership)
    audit_import(
        name="registry", actor=actor, detail={"file": filename, "as_of": as_of.isoformat(), **report}
    )
    return outcome


def _endings(plan: RegistryPlan) -> dict[str, int]:
    """How many households and memberships the snapshot ended because it no longer lists them."""
    return {"households_ended": ended_count(plan.households), "members_ended": ended_count(plan.members)}


def ended_count(plan: VersionPlan[Any]) -> int:
    """Open rows ended or withdrawn as absent; a changed key is ended too, unless changed in place."""
    replaced = len(plan.changed_keys) - len(plan.update)
    return len(plan.end) - replaced + len(plan.delete)
