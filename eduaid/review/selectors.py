"""Reads of the review procedure, each from the user's scope (one chokepoint per model)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from eduaid.accounts.scope import scope_of
from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.aid.pricing import UNCOUNTED_KINDS, yuan
from eduaid.aid.selectors import entitlements_visible_to
from eduaid.core import clock
from eduaid.registry import terms
from eduaid.registry.models import Enrolment, Term, valid_on
from eduaid.review.models import EntitlementEvent, Notice, Objection, ObjectionStatus

S = EntitlementStatus


def notices_visible_to(user: Any) -> QuerySet[Notice]:
    """County roles see every notice; a school scope the notices of its schools (not the college list)."""
    scope = scope_of(user)
    qs = Notice.objects.select_related("term", "school")
    if scope.county:
        return qs
    if not scope.school_ids:
        return qs.none()
    return qs.filter(school_id__in=scope.school_ids)


def objections_visible_to(user: Any) -> QuerySet[Objection]:
    return Objection.objects.filter(notice__in=notices_visible_to(user)).select_related(
        "entitlement__person", "entitlement__item", "notice"
    )


def events_visible_to(user: Any) -> QuerySet[EntitlementEvent]:
    return EntitlementEvent.objects.filter(entitlement__in=entitlements_visible_to(user))


def current_term() -> Term | None:
    return Term.objects.filter(code=terms.code_for(clock.today())).first()


def review_rows(user: Any, term: Term, school_id: int | None) -> QuerySet[Entitlement]:
    """The term's entitlements of one school (or, with None, of the college students) in the user's scope."""
    qs = entitlements_visible_to(user).filter(term=term)
    qs = qs.filter(school_id=school_id) if school_id is not None else qs.filter(school__isnull=True)
    return qs.select_related("person", "item", "school").order_by(
        "college", "person__name", "person_id", "item__position", "pk"
    )


def status_counts(qs: QuerySet[Entitlement]) -> dict[str, int]:
    rows = qs.order_by().values("status").annotate(n=Count("pk"))
    counts = {code: 0 for code in S.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


# ---- what a notice publishes -------------------------------------------------------------------------

PUBLIC_COLUMNS = ("name", "school", "grade_class", "item", "amount")


@dataclass(frozen=True)
class PublicRow:
    """The only facts a public list shows (plan 五(三); DESIGN §8): never an ID number, birth date,
    address, phone, bank account or household category."""

    name: str
    school: str
    grade_class: str
    item: str
    amount: str


def _grade_class(grade: int | None, class_name: str) -> str:
    text = _("Grade %(n)s") % {"n": grade} if grade else ""
    return f"{text} {class_name}".strip()


def notice_public_rows(notice: Notice) -> list[PublicRow]:
    """The notice's list as the public sees it: every entry except the ones rejected since."""
    entitlements = list(
        Entitlement.objects.filter(notice_entries__notice=notice)
        .exclude(status__in=[S.REJECTED, S.CANCELLED])
        .select_related("person", "item", "school")
        .order_by("person__name", "person_id", "item__position", "pk")
    )
    # Grade and class from the enrolment at the school valid on the notice's first day (else the latest).
    at_school = Q(school_id=notice.school_id) if notice.school_id else Q(school__isnull=True)
    enrolments = Enrolment.objects.filter(at_school, person_id__in={e.person_id for e in entitlements})
    places: dict[int, tuple[int | None, str]] = {}
    for qs in (enrolments, enrolments.filter(valid_on(notice.starts_on))):  # the second pass wins
        for person_id, grade, class_name in qs.order_by("pk").values_list("person_id", "grade", "class_name"):
            places[person_id] = (grade, class_name)
    rows = []
    for e in entitlements:
        grade, class_name = places.get(e.person_id, (None, ""))
        rows.append(
            PublicRow(
                name=e.person.name,
                school=e.school.name if e.school else e.college,
                grade_class=_grade_class(grade, class_name),
                item=e.item.name,
                amount=yuan(e.amount_fen),
            )
        )
    return rows


def notice_title(notice: Notice) -> str:
    if notice.school is not None:
        return _("%(school)s: aid list of term %(term)s in public notice") % {
            "school": notice.school.name,
            "term": notice.term.code,
        }
    return _("College students: aid list of term %(term)s in public notice") % {"term": notice.term.code}


def notice_by_token(token: str) -> Notice | None:
    if not token:
        return None
    return Notice.objects.select_related("term", "school").filter(public_token=token).first()


# ---- approval ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalGroup:
    term: str
    school_id: int | None
    school: str
    rows: int
    students: int
    money: str
    blocked: int  # rows with an open objection


def approval_groups(user: Any) -> list[ApprovalGroup]:
    """notice_passed entitlements by term and school, with totals (loans and referrals add no money)."""
    qs = entitlements_visible_to(user).filter(status=S.NOTICE_PASSED)
    counted = ~Q(item__kind__in=UNCOUNTED_KINDS)
    grouped = (
        qs.order_by()
        .values("term__code", "school_id", "school__name", "school__code")
        .annotate(
            rows=Count("pk", distinct=True),
            students=Count("person_id", distinct=True),
            money=Sum("amount_fen", filter=counted, default=0),
        )
        .order_by("term__code", F("school__code").asc(nulls_last=True))
    )
    blocked_rows = (
        Objection.objects.filter(status=ObjectionStatus.OPEN, entitlement__in=qs)
        .order_by()
        .values("entitlement__term__code", "entitlement__school_id")
        .annotate(n=Count("entitlement_id", distinct=True))
    )
    blocked = {(b["entitlement__term__code"], b["entitlement__school_id"]): b["n"] for b in blocked_rows}
    return [
        ApprovalGroup(
            term=g["term__code"],
            school_id=g["school_id"],
            school=g["school__name"] or _("College students"),
            rows=g["rows"],
            students=g["students"],
            money=yuan(int(g["money"])),
            blocked=blocked.get((g["term__code"], g["school_id"]), 0),
        )
        for g in grouped
    ]


def approval_total(user: Any) -> dict[str, Any]:
    qs = entitlements_visible_to(user).filter(status=S.NOTICE_PASSED)
    agg = qs.order_by().aggregate(
        rows=Count("pk"),
        students=Count("person_id", distinct=True),
        money=Sum("amount_fen", filter=~Q(item__kind__in=UNCOUNTED_KINDS), default=0),
    )
    return {"rows": agg["rows"], "students": agg["students"], "money": yuan(int(agg["money"]))}


def approvable_ids(user: Any, term_code: str, school_id: int | None) -> list[int]:
    qs = entitlements_visible_to(user).filter(status=S.NOTICE_PASSED, term__code=term_code)
    qs = qs.filter(school_id=school_id) if school_id is not None else qs.filter(school__isnull=True)
    return list(qs.order_by("pk").values_list("pk", flat=True))


def waiting_counts(user: Any, term: Term | None) -> dict[str, int]:
    """Entitlements of the term at each step of the procedure, in the user's scope."""
    if term is None:
        return {code: 0 for code in S.values}
    return status_counts(entitlements_visible_to(user).filter(term=term))


def open_objections_count(user: Any) -> int:
    return objections_visible_to(user).filter(status=ObjectionStatus.OPEN).count()


def notices_running(user: Any, day: dt.date | None = None) -> QuerySet[Notice]:
    day = day or clock.today()
    return notices_visible_to(user).filter(starts_on__lte=day, ends_on__gte=day)
