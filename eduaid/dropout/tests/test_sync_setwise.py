"""The ledgers follow a match set-wise: the same cases, steps, responsible teachers, history and audit
rows as opening and moving each case in turn (the old algorithm, kept below as the oracle), with a
number of queries that does not grow with the number of cases."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from eduaid.conftest import RegistryCast
from eduaid.core import clock, idnumbers
from eduaid.core.models import AuditEvent
from eduaid.dropout import rules
from eduaid.dropout.models import (
    CLOSED_STATUSES,
    SUSPECTED_STATUSES,
    CaseEvent,
    CaseSource,
    CaseStatus,
    CloseReason,
    DropoutCase,
)
from eduaid.dropout.selectors import current_term
from eduaid.dropout.services import (
    ACTIVE,
    _active_enrolment,
    _open,
    _place_for_unenrolled,
    case_report,
    case_transition,
    cases_sync,
    ensure_responsible,
)
from eduaid.matching.models import Finding, FindingKind, MatchRun
from eduaid.matching.services import match_run
from eduaid.matching.signals import match_completed
from eduaid.registry.models import Enrolment, Membership, Person, Snapshot, valid_on
from eduaid.staff.models import CatchmentSchool, ClassHeadTeacher, StudentResponsibility, Teacher

# ---- the old algorithm: one case at a time (the oracle) --------------------------------------------


def _old_assign_missing(actor: Any) -> int:
    assigned = StudentResponsibility.objects.values("person_id")
    waiting = DropoutCase.objects.exclude(status__in=CLOSED_STATUSES).exclude(person_id__in=assigned)
    today = clock.today()
    for case in waiting.filter(school__isnull=True, village__isnull=False).select_related(
        "person", "village"
    ):
        school, stage = _place_for_unenrolled(case.person, case.village, today)
        if school is not None:
            case.school, case.stage = school, stage
            case.save(update_fields=["school", "stage"])
    cases = waiting.filter(school__isnull=False).select_related("person", "school")
    return sum(1 for case in cases if ensure_responsible(case, actor) is not None)


def _old_age_out(actor: Any) -> int:
    today = clock.today()
    born_by = today.replace(year=today.year - rules.AGE_OUT)
    candidates = (
        DropoutCase.objects.exclude(status__in=CLOSED_STATUSES)
        .filter(person__birth_date__lte=born_by)
        .select_related("person")
    )
    closed = 0
    for case in candidates:
        if not rules.aged_out(case.person.birth_date, today):
            continue
        if case.status in SUSPECTED_STATUSES:
            case_transition(case_id=case.pk, to=CaseStatus.CONFIRMED, actor=actor, reason=_("Turned 16."))
        case_transition(case_id=case.pk, to=CaseStatus.CLOSED, actor=actor, reason=_("Turned 16."))
        closed += 1
    return closed


def _old_cases_sync(run: MatchRun, actor: Any) -> dict[str, int]:  # noqa: C901 (the oracle, verbatim)
    counts = {"opened": 0, "confirmed": 0, "closed": 0, "returned": 0, "aged_out": 0}
    term = current_term()
    if term is not None and run.term_id != term.pk:
        return counts
    today = clock.today()
    found: dict[int, Finding] = {}
    rows = Finding.objects.filter(
        run=run, kind__in=[FindingKind.SUSPECTED_DROPOUT, FindingKind.DROPOUT]
    ).select_related("person", "school")
    for finding in rows.order_by("pk"):
        if finding.person_id not in found or finding.kind == FindingKind.DROPOUT:
            found[finding.person_id] = finding
    open_cases = {
        c.person_id: c
        for c in DropoutCase.objects.exclude(status__in=CLOSED_STATUSES).select_related("person")
    }
    enrolled_now = set(
        Enrolment.objects.filter(valid_on(today), status__in=ACTIVE)
        .filter(person_id__in=set(found) | set(open_cases))
        .values_list("person_id", flat=True)
    )
    for person_id, f in found.items():
        case = open_cases.get(person_id)
        if rules.aged_out(f.person.birth_date, today) or person_id in enrolled_now:
            continue
        if f.kind == FindingKind.DROPOUT:
            if case is None:
                _open(
                    person=f.person,
                    status=CaseStatus.CONFIRMED,
                    source=CaseSource.ENROLMENT,
                    actor=actor,
                    school=f.school,
                    township_id=f.township_id,
                    village_id=f.village_id,
                    stage=f.stage,
                    note=_("The enrolment status is dropped out."),
                    match_run=run,
                )
                counts["opened"] += 1
            elif case.status in SUSPECTED_STATUSES:
                case_transition(
                    case_id=case.pk,
                    to=CaseStatus.CONFIRMED,
                    actor=actor,
                    reason=_("The enrolment status is dropped out."),
                )
                counts["confirmed"] += 1
        elif case is None:
            _open(
                person=f.person,
                status=CaseStatus.SUSPECTED,
                source=CaseSource.MATCH,
                actor=actor,
                township_id=f.township_id,
                village_id=f.village_id,
                note=_("School-age child with no enrolment."),
                match_run=run,
            )
            counts["opened"] += 1
    for person_id, case in open_cases.items():
        if person_id not in enrolled_now or case.source not in (CaseSource.MATCH, CaseSource.ENROLMENT):
            continue
        enrolment = _active_enrolment(person_id, today)
        if enrolment is None:
            continue
        where = enrolment.school.name if enrolment.school else enrolment.college
        text = _("Enrolled at %(school)s (%(status)s) in the match of %(term)s.") % {
            "school": where,
            "status": enrolment.get_status_display(),
            "term": run.term.code,
        }
        if case.status in SUSPECTED_STATUSES:
            case_transition(
                case_id=case.pk,
                to=CaseStatus.FALSE_ALARM,
                actor=actor,
                reason=text,
                close_reason=CloseReason.ENROLLED,
            )
            counts["closed"] += 1
        elif case.status in (CaseStatus.CONFIRMED, CaseStatus.PERSUADING, CaseStatus.REPORTED):
            case_transition(case_id=case.pk, to=CaseStatus.RETURNED, actor=actor, reason=text)
            counts["returned"] += 1
    counts["aged_out"] = _old_age_out(actor)
    _old_assign_missing(actor)
    return counts


# ---- the scenario ------------------------------------------------------------------------------------


@pytest.fixture
def quiet_match() -> Iterator[None]:
    """Match runs without the ledgers following (the test syncs them itself)."""
    from eduaid.dropout import signals

    match_completed.disconnect(dispatch_uid="dropout_sync_after_match")
    yield
    match_completed.connect(signals.sync_after_match, dispatch_uid="dropout_sync_after_match")


class _Kids:
    def __init__(self, r: RegistryCast) -> None:
        self.r = r
        self.seq = 100
        membership = Membership.objects.filter(household=r.households["poor"]).first()
        assert membership is not None
        self.registry = membership.snapshot
        self.students = Snapshot.objects.create(kind="students", as_of=dt.date(2023, 8, 1), actor_name="t")

    def child(self, born: dt.date, household: str | None = "poor") -> Person:
        self.seq += 1
        person = Person.objects.create(
            id_number=idnumbers.synthetic("411728", born, self.seq), name=f"孩子{self.seq}", birth_date=born
        )
        if household:
            Membership.objects.create(
                person=person,
                household=self.r.households[household],
                relation="之子",
                snapshot=self.registry,
            )
        return person

    def enrol(
        self, person: Person, school: Any, *, status: str, stage: str = "primary", **facts: Any
    ) -> None:
        Enrolment.objects.create(
            person=person,
            school=school,
            student_number=f"G{person.id_number}",
            stage=stage,
            status=status,
            snapshot=self.students,
            **facts,
        )


def _scenario(r: RegistryCast, n: int) -> None:
    """On top of the cast's cases (out_kid suspected, dropped_kid confirmed): `n` new suspected children
    in each village, new 辍学 students with and without a class head teacher, a report turning into a
    dropout, re-enrolments, aged-out children and cases, and teachers at some schools only."""
    cast = r.cast
    kids = _Kids(r)
    no_login = Teacher.objects.create(school=cast.school_a, name="李老师")
    Teacher.objects.create(school=cast.school_a, name="王老师", user=cast.user("teacher"))
    Teacher.objects.create(school=cast.school_a, name="钱老师")
    head = Teacher.objects.create(school=cast.school_a, name="赵老师")
    Teacher.objects.create(school=cast.school_a2, name="孙老师")
    ClassHeadTeacher.objects.create(school_class=cast.school_a.classes.get(grade=3, name="1班"), teacher=head)
    # opened before its village had a catchment school: the sync places and assigns it
    _open(
        person=kids.child(dt.date(2015, 3, 3)),
        status=CaseStatus.SUSPECTED,
        source=CaseSource.MATCH,
        actor=None,
    )
    CatchmentSchool.objects.create(village=cast.village_a, stage="primary", school=cast.school_a)
    CatchmentSchool.objects.create(village=cast.village_a, stage="junior", school=cast.school_a2)
    for i in range(n):
        born = dt.date(2010 + i % 7, 1 + i % 12, 1 + i % 27)
        kids.child(born, "poor")  # suspected, with a catchment school (primary or junior)
        kids.child(born, "hardship")  # suspected in village_b: no catchment school
    early = kids.child(dt.date(2013, 2, 2))
    StudentResponsibility.objects.create(person=early, teacher=no_login, assigned_at=timezone.now())
    for i in range(3):  # 辍学 at school_a: the head teacher of 3/1班, then the least loaded
        kids.enrol(
            kids.child(dt.date(2014, 4, 4 + i)),
            cast.school_a,
            status="dropped_out",
            grade=3,
            class_name="1班",
        )
        kids.enrol(kids.child(dt.date(2013, 5, 5 + i)), cast.school_a, status="dropped_out", grade=4)
    kids.enrol(kids.child(dt.date(2012, 3, 3), "hardship"), cast.school_b, status="dropped_out", grade=5)
    kids.enrol(kids.child(dt.date(2007, 12, 1)), cast.school_a2, status="dropped_out", stage="junior")  # 16
    reported = kids.child(dt.date(2012, 9, 9), None)
    case_report(person=reported, school=cast.school_a, note="不来了", actor=None)
    kids.enrol(reported, cast.school_a, status="dropped_out", grade=5, class_name="2班")
    for born, confirm in ((dt.date(2008, 1, 1), False), (dt.date(2007, 6, 6), True)):
        old = kids.child(born, None)
        case = case_report(person=old, school=cast.school_b, note="不来了", actor=None)
        if confirm:
            case_transition(case_id=case.pk, to=CaseStatus.CONFIRMED, actor=None, reason="核实")
    back = r.person("out_kid")
    kids.enrol(
        back, cast.school_a2, status="studying", stage="junior", grade=7, valid_from=dt.date(2024, 3, 10)
    )
    dropped: Any = Enrolment.objects.get(person=r.person("dropped_kid"))
    dropped.status = "studying"
    dropped.save()


# ---- the comparison ----------------------------------------------------------------------------------


def _state(since: int) -> dict[str, Any]:
    """Everything a sync writes, keyed by person (ids of new rows differ between two runs)."""
    keys: dict[int, tuple[int, int]] = {}
    cases: dict[tuple[int, int], dict[str, Any]] = {}
    for case in DropoutCase.objects.order_by("pk").values():
        key = (case["person_id"], sum(1 for k in keys.values() if k[0] == case["person_id"]))
        keys[case["id"]] = key
        cases[key] = {k: v for k, v in case.items() if k not in {"id", "created_at", "updated_at"}}
    events: dict[tuple[int, int], list[tuple[Any, ...]]] = {}
    for case_id, *row in CaseEvent.objects.order_by("at", "pk").values_list(
        "case_id", "from_status", "to_status", "actor_id", "actor_name", "on", "reason"
    ):
        events.setdefault(keys[case_id], []).append(tuple(row))
    owners = dict(StudentResponsibility.objects.values_list("pk", "person_id"))

    def named(text: str | None) -> str | None:
        # "Responsible for dropout case <id>": ids of new cases differ between the two runs
        return re.sub(r"\d+", lambda m: str(keys.get(int(m.group()), m.group())), text) if text else text

    duties = {
        p: (t, by, named(why))
        for p, t, by, why in StudentResponsibility.objects.values_list(
            "person_id", "teacher_id", "assigned_by_id", "reason"
        )
    }
    history: dict[int, list[tuple[Any, ...]]] = {}
    for person_id, *row in StudentResponsibility.history.order_by("history_id").values_list(
        "person_id",
        "teacher_id",
        "assigned_by_id",
        "reason",
        "history_type",
        "history_change_reason",
        "history_user_id",
    ):
        row[2], row[4] = named(row[2]), named(row[4])
        history.setdefault(person_id, []).append(tuple(row))
    audit: dict[tuple[str, Any], list[tuple[Any, ...]]] = {}
    for kind, actor, username, object_type, object_id, detail in (
        AuditEvent.objects.filter(pk__gt=since)
        .order_by("pk")
        .values_list("kind", "actor_id", "username", "object_type", "object_id", "detail")
    ):
        if object_type == "dropoutcase":
            owner: Any = keys[int(object_id)]
        elif object_type == "studentresponsibility":
            owner = owners[int(object_id)]
            detail["reason"] = named(detail["reason"])
        else:
            owner = object_id
        audit.setdefault((object_type, owner), []).append((kind, actor, username, detail))
    return {"cases": cases, "events": events, "duties": duties, "history": history, "audit": audit}


class _Undo(Exception):
    pass


def _old_outcome(run: MatchRun, actor: Any, since: int) -> tuple[dict[str, int], dict[str, Any]]:
    """What the old algorithm writes, then rolled back."""
    outcome: tuple[dict[str, int], dict[str, Any]] = ({}, {})
    try:
        with transaction.atomic():
            counts = _old_cases_sync(run, actor)
            outcome = (counts, _state(since))
            raise _Undo
    except _Undo:
        pass
    return outcome


@pytest.mark.parametrize("role", [None, "county_admin", "township_officer", "school_officer", "teacher"])
def test_the_set_wise_sync_writes_what_case_by_case_did(
    registry_cast: RegistryCast, quiet_match: None, role: str | None
) -> None:
    actor = registry_cast.cast.user(role) if role else None
    _scenario(registry_cast, 6)
    run = match_run(term=registry_cast.spring)
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    old_counts, old = _old_outcome(run, actor, since)
    counts = cases_sync(run=run, actor=actor)
    new = _state(since)
    assert counts == old_counts
    assert counts["opened"] >= 16 and counts["confirmed"] == 1 and counts["aged_out"] == 2
    assert counts["closed"] == 1 and counts["returned"] == 1
    assert DropoutCase.objects.filter(note="", school=registry_cast.cast.school_a).exists()
    for part in ("cases", "events", "duties", "history", "audit"):
        assert new[part] == old[part], part
    if role in (None, "county_admin"):
        assert len(new["duties"]) > 10  # the scenario does assign teachers
    # running it again changes nothing
    again = cases_sync(run=run, actor=actor)
    assert again == {"opened": 0, "confirmed": 0, "closed": 0, "returned": 0, "aged_out": 0}
    assert _state(since) == new


def test_the_queries_do_not_grow_with_the_cases(registry_cast: RegistryCast, quiet_match: None) -> None:
    counted: list[int] = []
    for n in (5, 20):
        try:
            with transaction.atomic():
                _scenario(registry_cast, n)
                run = match_run(term=registry_cast.spring)
                with CaptureQueriesContext(connection) as queries:
                    counts = cases_sync(run=run)
                assert counts["opened"] == 2 * n + 8
                counted.append(len(queries))
                raise _Undo
        except _Undo:
            pass
    few, many = counted
    assert many <= few + 2, counted
