"""Policy versions and the pricing of a term into entitlements (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eduaid.aid import pricing
from eduaid.aid.loaders import Student, eligible_students, version_items
from eduaid.aid.models import Entitlement, EntitlementStatus, PolicyItem, PolicyVersion
from eduaid.core.audit import COMMAND_LINE_ACTOR, record
from eduaid.core.bulkwork import fewer_collections, refresh_statistics
from eduaid.core.bulkwrite import insert_rows
from eduaid.core.models import AuditKind
from eduaid.matching.engine import Facts
from eduaid.registry import terms
from eduaid.registry.models import Term

FIELDS = ("item_id", "version_id", "amount_fen", "stage", "boarding", "category", "school_id",
          "college", "in_province", "freshman", "held")  # fmt: skip
# The columns of a new entitlement: its key, the priced facts, and the defaults of a computed row.
NEW_FIELDS = ("person_id", "term_id", "item_code", *FIELDS, "one_time", "manual", "evidence", "status",
              "created_at", "updated_at")  # fmt: skip


class PolicyError(ValueError):
    pass


def previous_term(code: str) -> str:
    first_year, half = terms.parse(code)
    return f"{first_year}-{first_year + 1}-1" if half == 2 else f"{first_year - 1}-{first_year}-2"


def version_for(term_code: str) -> PolicyVersion:
    """The policy version in force on the term; an error when none covers it."""
    version = PolicyVersion.objects.filter(first_term__lte=term_code).order_by("-first_term").first()
    if version is None or not version.covers(term_code):
        raise PolicyError(
            _("No policy version covers term %(term)s: an administrator must add one first.")
            % {"term": term_code}
        )
    return version


@transaction.atomic
def policy_version_add(
    *, name: str, first_term: str, items: Iterable[dict[str, Any]], actor: Any = None
) -> PolicyVersion:
    """Add a version in force from `first_term`; the version in force before it ends the term before."""
    terms.parse(first_term)
    current = (
        PolicyVersion.objects.select_for_update()
        .filter(last_term__isnull=True)
        .order_by("-first_term")
        .first()
    )
    if current is not None:
        if current.first_term >= first_term:
            raise PolicyError(
                _("A new policy version must start after %(term)s.") % {"term": current.first_term}
            )
        current.last_term = previous_term(first_term)
        current.save(update_fields=["last_term"])
    elif PolicyVersion.objects.filter(last_term__gte=first_term).exists():
        raise PolicyError(_("Policy versions never overlap."))
    version = PolicyVersion.objects.create(name=name, first_term=first_term)
    for position, spec in enumerate(items):
        PolicyItem.objects.create(version=version, position=position, **spec)
    record(
        AuditKind.POLICY,
        actor=actor,
        username="" if actor is not None else COMMAND_LINE_ACTOR,
        obj=version,
        detail={"action": "policy_version_add", "first_term": first_term},
    )
    return version


@dataclass
class Outcome:
    term: str
    version: str
    summary: dict[str, Any]


def _desired(
    students: dict[int, Student],
    items: list[tuple[PolicyItem, pricing.Item]],
    half: int,
    had: dict[int, set[str]],
    version: PolicyVersion,
) -> dict[tuple[int, str], dict[str, Any]]:
    by_code = {item.code: (item.pk, item.one_time) for item, _rule in items}
    rules = [rule for _item, rule in items]
    desired = {}
    # Pricing is a pure function of the facts: students with the same facts are priced once.
    priced_for: dict[tuple[pricing.StudentFacts, frozenset[str]], list[pricing.Priced]] = {}
    for person_id, student in students.items():
        key = (student.facts(), frozenset(had.get(person_id, ())))
        if key not in priced_for:
            priced_for[key] = pricing.price(key[0], rules, half, one_time_had=key[1])
        kept = _priced_on(student)
        for priced in priced_for[key]:
            item_id, one_time = by_code[priced.code]
            desired[(person_id, priced.code)] = {
                "item_id": item_id,
                "version_id": version.pk,
                "amount_fen": priced.amount_fen,
                **kept,
                "one_time": one_time,
            }
    return desired


def _priced_on(student: Student) -> dict[str, Any]:
    """The facts an entitlement keeps of the student it was priced for."""
    return {
        "stage": student.row.stage,
        "boarding": student.row.boarding,
        "category": student.category,
        "school_id": student.row.school_id,
        "college": student.row.college,
        "in_province": student.row.in_province,
        "freshman": student.row.freshman,
        "held": student.held,
    }


def entitlements_due(
    term: Term, version: PolicyVersion | None = None, facts: Facts | None = None
) -> dict[tuple[int, str], dict[str, Any]]:
    """(person, item code) → the entitlement due on the term, with the facts it is priced on."""
    version = version or version_for(term.code)
    _year, half = terms.parse(term.code)
    students = eligible_students(term, facts)
    return _desired(students, version_items(version), half, _one_time_had(term), version)


def _one_time_had(term: Term) -> dict[int, set[str]]:
    had: dict[int, set[str]] = {}
    rows = (
        Entitlement.objects.filter(one_time=True)
        .exclude(term=term)
        .exclude(status=EntitlementStatus.CANCELLED)
        .values_list("person_id", "item_code")
    )
    for person_id, code in rows:
        had.setdefault(person_id, set()).add(code)
    return had


def _changed(row: Entitlement, want: dict[str, Any]) -> bool:
    return any(getattr(row, name) != want[name] for name in FIELDS)


@fewer_collections()
@transaction.atomic
def entitlements_compute(*, term: Term, actor: Any = None) -> Outcome:
    """Price every eligible 在读 student of the term; idempotent; rows beyond `computed` are kept."""
    version = version_for(term.code)
    desired = entitlements_due(term, version)
    existing = {
        (row.person_id, row.item_code): row
        for row in Entitlement.objects.select_for_update().filter(term=term)
    }
    updated, deleted, unchanged = [], [], 0
    would_change: list[dict[str, Any]] = []
    for key, row in existing.items():
        want = desired.get(key)
        if want is not None and not _changed(row, want):
            unchanged += 1
        elif want is None and row.manual:
            unchanged += 1  # a school's addition stands until the school or the centre withdraws it
        elif row.status != EntitlementStatus.COMPUTED:
            would_change.append(_change(row, want))
        elif want is None:
            deleted.append(row.pk)
        else:
            for name in FIELDS:
                setattr(row, name, want[name])
            updated.append(row)
    Entitlement.objects.filter(pk__in=deleted).delete()
    Entitlement.objects.bulk_update(updated, [*FIELDS, "updated_at"], batch_size=2000)
    created = _create_new(term, desired, existing)
    refresh_statistics(Entitlement)
    summary = _summary(term, version, created, len(updated), len(deleted), unchanged, would_change)
    record(
        AuditKind.PRICING,
        actor=actor,
        username="" if actor is not None else COMMAND_LINE_ACTOR,
        obj=version,
        detail={
            "action": "entitlements_compute",
            **{k: v for k, v in summary.items() if k != "would_change"},
        },
    )
    return Outcome(term=term.code, version=version.name, summary=summary)


def _create_new(
    term: Term, desired: dict[tuple[int, str], dict[str, Any]], existing: dict[tuple[int, str], Entitlement]
) -> int:
    """Insert the entitlements due that the term has not got yet, as plain values in `desired`'s order;
    the number inserted. (`bulk_create` built and compiled a model instance per row: a third of a
    county's pricing.) The values are those an `Entitlement(**want)` saved with its defaults gets."""
    now = timezone.now()
    computed = EntitlementStatus.COMPUTED.value
    rows = [
        (
            person_id,
            term.pk,
            code,
            *[want[name] for name in FIELDS],
            want["one_time"],
            False,
            "",
            computed,
            now,
            now,
        )
        for (person_id, code), want in desired.items()
        if (person_id, code) not in existing
    ]
    insert_rows(Entitlement, NEW_FIELDS, rows)
    return len(rows)


def _change(row: Entitlement, want: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "entitlement": row.pk,
        "person": row.person_id,
        "item": row.item_code,
        "status": row.status,
        "amount_fen": row.amount_fen,
        "due_fen": None if want is None else want["amount_fen"],
        "due": want is not None,
    }


def _summary(
    term: Term,
    version: PolicyVersion,
    created: int,
    updated: int,
    deleted: int,
    unchanged: int,
    would_change: list[dict[str, Any]],
) -> dict[str, Any]:
    rows = Entitlement.objects.filter(term=term)
    amounts = rows.values_list("item__kind", "amount_fen").iterator(chunk_size=5000)
    total = sum(pricing.counted(kind, amount_fen) for kind, amount_fen in amounts)
    return {
        "term": term.code,
        "version": version.name,
        "students": rows.values("person_id").distinct().count(),
        "rows": rows.count(),
        "created": created,
        "updated": updated,
        "deleted": deleted,
        "unchanged": unchanged,
        "would_change": would_change,
        "total_fen": total,
    }


def is_priced(term: Term) -> bool:
    return Entitlement.objects.filter(term=term).exists()
