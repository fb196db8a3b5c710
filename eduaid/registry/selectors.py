"""Reads of the registries, each scoped to a user: the one chokepoint per model.

- enrolments and students: enrolments valid on the day at a school in scope, and the persons behind
  them (county roles: every enrolment, college students' too; a village team: none; a teacher: the
  current enrolments of the students assigned to them);
- households: county roles all; a township or a village team, those whose current version lies in
  one of its villages (DESIGN §1: 控辍保学 runs by residence); a school, those with a member currently
  enrolled there;
- persons: the union of the two — students, and the current members of visible households — plus,
  for a township or village team, the population-register children living in its villages; a
  teacher sees exactly the persons assigned to them (enrolled or not).

"Current" means valid on `day`, by default the clock's today. A household's category on a day is
`category_on_sql`, the SQL twin of `engine.category_on` (tested against it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from eduaid.accounts.scope import scope_of
from eduaid.core import clock, idnumbers
from eduaid.core.textsearch import prefix_q
from eduaid.registry.models import (
    Enrolment,
    Household,
    HouseholdType,
    HouseholdVersion,
    Membership,
    Person,
    PopulationEntry,
    Snapshot,
    valid_on,
)

POVERTY_EXITED = HouseholdType.POVERTY_EXITED.value
NOT_ELIGIBLE = "none"  # the category filter's value for "no eligible household"

ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
STUDENT_NUMBER = re.compile(r"^[GJL]\d[\dA-Z]{4,17}$")


# ---- household category on a day, in SQL ---------------------------------------------------------


def monitored_on_q(day: dt.date) -> Q:
    """Over HouseholdVersion: monitored, identified by `day`, and not risk-eliminated by then."""
    return (
        ~Q(monitoring_category="")
        & (Q(monitored_since__isnull=True) | Q(monitored_since__lte=day))
        & (Q(risk_eliminated_on__isnull=True) | Q(risk_eliminated_on__gt=day))
    )


def category_on_sql(day: dt.date) -> Case:
    """`engine.category_on` as an expression over HouseholdVersion rows; "" where not eligible."""
    return Case(
        When(monitored_on_q(day), then=F("monitoring_category")),
        When(Q(household_type=POVERTY_EXITED, enjoys_policy=True), then=Value(POVERTY_EXITED)),
        default=Value(""),
        output_field=CharField(),
    )


def _person_versions(day: dt.date) -> QuerySet[HouseholdVersion]:
    """The household versions valid on `day` of the household the outer person belongs to that day.

    One `filter()` call, so that the membership conditions apply to the same membership row.
    """
    return HouseholdVersion.objects.filter(
        valid_on(day),
        valid_on(day, "household__memberships__"),
        household__memberships__person=OuterRef("pk"),
    )


def person_category(day: dt.date) -> Subquery:
    """Annotation for Person rows: the category on `day`, "" if not eligible, None if in no household."""
    versions = _person_versions(day).annotate(c=category_on_sql(day)).values("c")[:1]
    return Subquery(versions, output_field=CharField())


def _persons_in_category(qs: QuerySet[Person], code: str, day: dt.date) -> QuerySet[Person]:
    versions = _person_versions(day).annotate(c=category_on_sql(day))
    if code == NOT_ELIGIBLE:
        return qs.exclude(Exists(versions.exclude(c="")))
    return qs.filter(Exists(versions.filter(c=code)))


# ---- scoping chokepoints ------------------------------------------------------------------------


def enrolments_visible_to(user, day: dt.date | None = None) -> QuerySet[Enrolment]:  # type: ignore[no-untyped-def]
    """Enrolments valid on `day` at a school in scope; county roles see every one, colleges' too."""
    day = day or clock.today()
    scope = scope_of(user)
    qs = Enrolment.objects.filter(valid_on(day))
    if scope.county:
        return qs
    if scope.teacher_user_id is not None:
        return qs.filter(person__in=_assigned_to(scope.teacher_user_id))
    if not scope.school_ids:
        return qs.none()
    return qs.filter(school_id__in=scope.school_ids)


def _assigned_to(teacher_user_id: int) -> QuerySet[Person]:
    """A teacher's own: the persons whose responsible teacher (一生一责任人) is tied to this login."""
    from eduaid.staff.models import StudentResponsibility  # staff builds on the registry, not back

    assigned = StudentResponsibility.objects.filter(teacher__user_id=teacher_user_id, teacher__active=True)
    return Person.objects.filter(pk__in=assigned.values("person_id"))


def students_visible_to(user, day: dt.date | None = None) -> QuerySet[Person]:  # type: ignore[no-untyped-def]
    """Persons with an enrolment valid on `day` at a school in scope."""
    enrolments = enrolments_visible_to(user, day)
    if not _may_match(enrolments):
        return Person.objects.none()
    return Person.objects.filter(Exists(enrolments.filter(person=OuterRef("pk"))))


def households_visible_to(user, day: dt.date | None = None) -> QuerySet[Household]:  # type: ignore[no-untyped-def]
    """County roles: all. A scope with villages (a township, a village team): the households whose
    current version lies in them. A school: the households with a member currently enrolled there."""
    day = day or clock.today()
    scope = scope_of(user)
    if scope.county:
        return Household.objects.all()
    if scope.village_ids:
        living = HouseholdVersion.objects.filter(
            valid_on(day), household=OuterRef("pk"), village_id__in=scope.village_ids
        )
        return Household.objects.filter(Exists(living))
    if scope.school_ids:
        enrolled = Enrolment.objects.filter(valid_on(day), school_id__in=scope.school_ids)
        members = Membership.objects.filter(
            valid_on(day), household=OuterRef("pk"), person_id__in=enrolled.values("person_id")
        )
        return Household.objects.filter(Exists(members))
    return Household.objects.none()


def persons_visible_to(user, day: dt.date | None = None) -> QuerySet[Person]:  # type: ignore[no-untyped-def]
    """Students in scope, current members of visible households, and children living in its villages."""
    day = day or clock.today()
    scope = scope_of(user)
    if scope.county:
        return Person.objects.all()
    if scope.teacher_user_id is not None:
        return _assigned_to(scope.teacher_user_id)
    where = Q()
    enrolments = enrolments_visible_to(user, day)
    if _may_match(enrolments):
        where |= Q(Exists(enrolments.filter(person=OuterRef("pk"))))
    households = households_visible_to(user, day)
    if _may_match(households):
        members = Membership.objects.filter(valid_on(day), household__in=households)
        where |= Q(Exists(members.filter(person=OuterRef("pk"))))
    if scope.village_ids:
        living = PopulationEntry.objects.filter(valid_on(day), village_id__in=scope.village_ids)
        where |= Q(Exists(living.filter(person=OuterRef("pk"))))
    if not where:
        return Person.objects.none()
    return Person.objects.filter(where)


def scope_key(user) -> str:  # type: ignore[no-untyped-def]
    """A short key naming what the user sees (not who they are), for caching per scope."""
    scope = scope_of(user)
    raw = repr((scope.county, sorted(scope.school_ids), sorted(scope.village_ids), scope.teacher_user_id))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


COUNTS_SECONDS = 300


def scope_counts(user, day: dt.date | None = None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Students and registry households in the user's scope, for the home page. Counting a city's
    million students costs seconds, so the counts are kept per scope and day for five minutes, and
    recounted at once after an import (the key names the newest snapshot)."""
    day = day or clock.today()
    newest = Snapshot.objects.order_by("-pk").values_list("pk", "created_at").first()
    stamp = f"{newest[0]}@{newest[1].timestamp()}" if newest else "-"
    key = f"scope-counts:{scope_key(user)}:{day}:{stamp}"
    counts = cache.get(key)
    if counts is None:
        counts = {
            "students": students_visible_to(user, day).count(),
            "households": households_visible_to(user, day).count(),
        }
        cache.set(key, counts, COUNTS_SECONDS)
    return dict(counts)


def _may_match(qs: QuerySet) -> bool:  # type: ignore[type-arg]
    """False for a `.none()` queryset (known empty without asking the database)."""
    return not qs.query.is_empty()


# ---- the student list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentFilter:
    township: int | None = None
    school: int | None = None
    stage: str = ""
    category: str = ""
    status: str = ""
    q: str = ""


def _filtered_enrolments(user, f: StudentFilter, day: dt.date) -> QuerySet[Enrolment]:  # type: ignore[no-untyped-def]
    qs = enrolments_visible_to(user, day)
    if f.township is not None:
        qs = qs.filter(school__township_id=f.township)
    if f.school is not None:
        qs = qs.filter(school_id=f.school)
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.status:
        qs = qs.filter(status=f.status)
    return qs


def search_persons(qs: QuerySet[Person], text: str) -> QuerySet[Person]:
    """An exact ID number or 学籍号 (normalised: full-width, lower-case x), or else the start of a
    name — each an index lookup, never a scan of the table."""
    text = text.strip()
    if not text:
        return qs
    number = idnumbers.normalize(text)
    if ID_NUMBER.match(number):
        return qs.filter(id_number=number)
    if STUDENT_NUMBER.match(number):
        return qs.filter(pk__in=persons_numbered(number))
    return qs.filter(prefix_q("name", text))


def persons_numbered(number: str) -> list[int]:
    """The persons known by this 学籍号: kept under it (no ID), or enrolled with it. Looked up first,
    as two index probes: an OR of the two inside the list's query would scan every person."""
    keyed = Person.objects.filter(student_key=number).values_list("pk", flat=True)
    enrolled = Enrolment.objects.filter(student_number=number).values_list("person_id", flat=True)
    return sorted(set(keyed) | set(enrolled))


def student_list(user, f: StudentFilter, day: dt.date | None = None) -> QuerySet[Person]:  # type: ignore[no-untyped-def]
    """Students in scope with a current enrolment that passes the filters, by name; page it by key
    and load the page with `students_by_pk`."""
    day = day or clock.today()
    enrolments = _filtered_enrolments(user, f, day)
    if not _may_match(enrolments):
        return Person.objects.none()
    qs = Person.objects.filter(Exists(enrolments.filter(person=OuterRef("pk"))))
    qs = search_persons(qs, f.q)
    if f.category:
        qs = _persons_in_category(qs, f.category, day)
    return qs.order_by("name", "pk")  # the index person_name_order


def students_by_pk(ids: list[int], day: dt.date | None = None) -> list[Person]:
    """One page of `student_list` (its keys, in order), each with its household category on `day`
    (`household_category`): computed for the page's rows only, not for every row an OFFSET skips."""
    found = Person.objects.filter(pk__in=ids).annotate(
        household_category=person_category(day or clock.today())
    )
    by_pk = {p.pk: p for p in found}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def list_enrolments(
    user,  # type: ignore[no-untyped-def]
    f: StudentFilter,
    person_ids: list[int],
    day: dt.date | None = None,
) -> dict[int, list[Enrolment]]:
    """The current enrolments in scope (and passing the filters) of one page of students."""
    rows = (
        _filtered_enrolments(user, f, day or clock.today())
        .filter(person_id__in=person_ids)
        .select_related("school")
        .order_by("person_id", "pk")
    )
    found: dict[int, list[Enrolment]] = {pk: [] for pk in person_ids}
    for row in rows:
        found[row.person_id].append(row)
    return found


# ---- the household list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdFilter:
    township: int | None = None
    village: int | None = None
    household_type: str = ""
    monitoring: str = ""
    category: str = ""
    q: str = ""


def household_list(user, f: HouseholdFilter, day: dt.date | None = None) -> QuerySet[HouseholdVersion]:  # type: ignore[no-untyped-def]
    """The current version of every visible household, with its members count and category today."""
    day = day or clock.today()
    qs = HouseholdVersion.objects.filter(valid_on(day))
    scope = scope_of(user)
    if scope.village_ids and not scope.county:
        # `households_visible_to` read off the row itself: a household has one version valid on a day,
        # and it is visible when that version lies in the scope's villages (an index probe, no semi-join)
        qs = qs.filter(village_id__in=scope.village_ids)
    elif not scope.county:
        qs = qs.filter(household__in=households_visible_to(user, day))
    qs = _household_filters(qs, f)
    members = (
        Membership.objects.filter(valid_on(day), household=OuterRef("household_id"))
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = qs.annotate(
        member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
        category_now=category_on_sql(day),
    )
    if f.category:
        qs = qs.filter(category_now="" if f.category == NOT_ELIGIBLE else f.category)
    return qs.select_related("household", "village__township").order_by("village__code", "household__code")


def _household_filters(qs: QuerySet[HouseholdVersion], f: HouseholdFilter) -> QuerySet[HouseholdVersion]:
    if f.township is not None:
        qs = qs.filter(village__township_id=f.township)
    if f.village is not None:
        qs = qs.filter(village_id=f.village)
    if f.household_type:
        qs = qs.filter(household_type=f.household_type)
    if f.monitoring:
        qs = qs.filter(monitoring_category=f.monitoring)
    text = f.q.strip()
    if text:
        number = idnumbers.normalize(text)
        if ID_NUMBER.match(number):
            member = Membership.objects.filter(household=OuterRef("household_id"), person__id_number=number)
            qs = qs.filter(Exists(member))
        else:
            qs = qs.filter(prefix_q("household__code", text))
    return qs


# ---- one household, one person ----------------------------------------------------------------------


def household_versions(household: Household, day: dt.date | None = None) -> QuerySet[HouseholdVersion]:
    """Every version of a (visible) household, oldest first, each with its category on `day`."""
    return (
        household.versions.select_related("village__township")
        .annotate(category_now=category_on_sql(day or clock.today()))
        .order_by(F("valid_from").asc(nulls_first=True), "pk")
    )


def household_members(household: Household) -> QuerySet[Membership]:
    """Every membership of a (visible) household, current and past."""
    return household.memberships.select_related("person").order_by(F("valid_to").desc(nulls_first=True), "pk")


def person_enrolments(person: Person) -> QuerySet[Enrolment]:
    """Every enrolment of a (visible) person, the newest first."""
    return person.enrolments.select_related("school__township").order_by(
        F("valid_to").desc(nulls_first=True), F("valid_from").desc(nulls_last=True), "-pk"
    )


def person_memberships(person: Person, day: dt.date | None = None) -> QuerySet[Membership]:
    """Every membership of a (visible) person, the current one first, with each household's versions
    (oldest first, each with its category on `day`) prefetched."""
    versions = (
        HouseholdVersion.objects.select_related("village__township")
        .annotate(category_now=category_on_sql(day or clock.today()))
        .order_by(F("valid_from").asc(nulls_first=True), "pk")
    )
    return (
        person.memberships.select_related("household")
        .prefetch_related(Prefetch("household__versions", queryset=versions))
        .order_by(F("valid_to").desc(nulls_first=True), "-pk")
    )
