"""Writes of 控辍保学. Every status change of a case goes through `case_transition`.

Cases come from four places: the 比对 (`cases_sync`, run after every match run of the current term),
a 学籍 status of 辍学 (through the same match), unexcused absences (`absence_record`), and a school's
report (`case_report`). Each write takes the acting user (None: the command line), runs in a
transaction and leaves a CASE audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from eduaid.accounts.scope import scope_of
from eduaid.core import clock
from eduaid.core.audit import acting_user as _user
from eduaid.core.audit import actor_name as _actor_name
from eduaid.core.audit import record
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.core.selectors import workday_overrides
from eduaid.dropout import rules
from eduaid.dropout.models import (
    CLOSED_STATUSES,
    FALSE_ALARM_REASONS,
    RESOLVED_STATUSES,
    SUSPECTED_STATUSES,
    Absence,
    AttemptMethod,
    CaseEvent,
    CaseSource,
    CaseStatus,
    CloseReason,
    DropoutCase,
    DropoutSettings,
    LegalStep,
    LegalStepKind,
    PersuasionAttempt,
)
from eduaid.dropout.selectors import current_term, dropout_settings
from eduaid.dropout.transitions import CLOSE_ONLY_WHEN_AGED_OUT, allowed, needs_reason
from eduaid.matching.models import Finding, FindingKind, MatchRun
from eduaid.org.models import School, SchoolClass, Village
from eduaid.registry.models import Enrolment, EnrolmentStatus, Person, valid_on

ACTIVE = (EnrolmentStatus.STUDYING, EnrolmentStatus.SUSPENDED)


class CaseRefused(Exception):
    """A step the rules do not allow; the message is for users."""


def _refresh_due(case: DropoutCase, settings: DropoutSettings) -> None:
    case.due_on = rules.due_on(
        status=case.status,
        opened_on=case.opened_on,
        confirmed_on=case.confirmed_on,
        last_attempt_on=case.last_attempt_on,
        verify_days=settings.verify_days,
        attempt_days=settings.attempt_days,
    )


# ---- the responsible teacher ---------------------------------------------------------------------


def _pick_teacher(school: School, person: Person) -> Any:
    """The child's class head teacher at `school` if known, else the school's active teacher with a
    login who answers for the fewest children."""
    from eduaid.staff.models import ClassHeadTeacher, Teacher

    enrolment = (
        Enrolment.objects.filter(valid_on(clock.today()), person=person, school=school)
        .order_by("-pk")
        .first()
    )
    if enrolment is not None and enrolment.grade is not None and enrolment.class_name:
        school_class = SchoolClass.objects.filter(
            school=school, grade=enrolment.grade, name=enrolment.class_name
        ).first()
        head = ClassHeadTeacher.objects.filter(school_class=school_class, teacher__active=True).first()
        if head is not None:
            return head.teacher
    return (
        Teacher.objects.filter(school=school, active=True)
        .annotate(
            load=Count("responsibilities"),
            no_login=Case(
                When(user__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .order_by("no_login", "load", "pk")
        .first()
    )


def ensure_responsible(case: DropoutCase, actor: Any = None) -> Any:
    """The child's 责任人 from `eduaid.staff`; when nobody answers for the child yet, a teacher of the
    case's school (the enrolment's, or the catchment school of the village for the stage) is assigned
    through the staff service. None when there is no such teacher: the case stays unassigned."""
    from eduaid.staff.selectors import responsible_teacher_for
    from eduaid.staff.services import responsibility_assign

    teacher = responsible_teacher_for(case.person)
    if teacher is not None or case.school is None:
        return teacher
    teacher = _pick_teacher(case.school, case.person)
    if teacher is None:
        return None
    scope = scope_of(_user(actor))
    by = actor if scope.county or case.school_id in scope.school_ids else None
    reason = _("Responsible for dropout case %(id)s") % {"id": case.pk}
    try:
        responsibility_assign(person=case.person, teacher=teacher, actor=by, reason=reason)
    except PermissionDenied:
        return None
    return teacher


@transaction.atomic
def cases_assign_missing(*, actor: Any = None) -> int:
    """Give every open case without a 责任人 one, where a teacher can be found; returns how many.

    Set-wise: what `ensure_responsible` asks per case is loaded once (`_TeacherPicker`), and the
    assignments are written together (`staff.services.responsibilities_assign_many`)."""
    from eduaid.staff.models import StudentResponsibility

    assigned = StudentResponsibility.objects.values("person_id")
    waiting = DropoutCase.objects.exclude(status__in=CLOSED_STATUSES).exclude(person_id__in=assigned)
    # A village's catchment school may have been mapped since the case opened.
    today = clock.today()
    homeless = list(waiting.filter(school__isnull=True, village__isnull=False).select_related("person"))
    if homeless:
        catchment = _catchment_of({c.village_id for c in homeless if c.village_id is not None})
        placed = []
        for case in homeless:
            school, stage = _place(case.person.birth_date, case.village_id, today, catchment)
            if school is not None:
                case.school, case.stage = school, stage
                placed.append(case)
        DropoutCase.objects.bulk_update(placed, ["school", "stage"], batch_size=BATCH)
    cases = list(waiting.filter(school__isnull=False).only("pk", "person", "school"))
    return _assign_responsible(cases, actor, known_free=True)


def _assign_responsible(cases: list[DropoutCase], actor: Any, *, known_free: bool = False) -> int:
    """`ensure_responsible` for each case in turn, set-wise: a case whose child has no 责任人 and whose
    school has a teacher gets one (the class head teacher, else the least loaded teacher, counting the
    children assigned before it). Returns how many children were assigned."""
    from eduaid.staff.models import StudentResponsibility
    from eduaid.staff.services import Assignment, may_manage_school, responsibilities_assign_many

    todo = [c for c in cases if c.school_id is not None]
    if not known_free:
        taken: set[int] = set()
        for chunk in _chunks(sorted({c.person_id for c in todo})):
            taken.update(
                StudentResponsibility.objects.filter(person_id__in=chunk).values_list("person_id", flat=True)
            )
        todo = [c for c in todo if c.person_id not in taken]
    if not todo:
        return 0
    picker = _TeacherPicker(todo, clock.today())
    scope = scope_of(_user(actor))
    plan: list[Assignment] = []
    for case in todo:
        teacher = picker.pick(case.school_id, case.person_id)  # type: ignore[arg-type]
        if teacher is None:
            continue
        by = actor if scope.county or case.school_id in scope.school_ids else None
        if not may_manage_school(by, teacher.school):
            continue  # responsibility_assign would refuse: the case stays unassigned
        reason = _("Responsible for dropout case %(id)s") % {"id": case.pk}
        plan.append(Assignment(person_id=case.person_id, teacher=teacher, actor=by, reason=reason))
        picker.took(teacher)
    responsibilities_assign_many(plan)
    return len(plan)


class _TeacherPicker:
    """`_pick_teacher` for many children at once: the enrolments, classes, head teachers and teachers
    (with how many children each answers for) of the schools concerned, loaded once. `took` counts an
    assignment made meanwhile, as the database would for the next pick."""

    def __init__(self, cases: list[DropoutCase], day: dt.date) -> None:
        from eduaid.staff.models import ClassHeadTeacher, StudentResponsibility, Teacher

        school_ids = sorted({c.school_id for c in cases if c.school_id is not None})
        self.enrolment: dict[tuple[int, int], tuple[int | None, str]] = {}
        for chunk in _chunks(sorted({c.person_id for c in cases})):
            rows = (
                Enrolment.objects.filter(valid_on(day), person_id__in=chunk, school__isnull=False)
                .order_by("pk")
                .values_list("person_id", "school_id", "grade", "class_name")
            )
            for person_id, school_id, grade, class_name in rows:
                self.enrolment[(person_id, school_id)] = (grade, class_name)  # the last: -pk first
        self.classes: dict[tuple[int, int, str], int] = {}
        self.heads: dict[int, Any] = {}
        self.teachers: dict[int, list[Any]] = {}
        for chunk in _chunks(school_ids):
            classes = SchoolClass.objects.filter(school_id__in=chunk).order_by("pk")
            for pk, school_id, grade, name in classes.values_list("pk", "school_id", "grade", "name"):
                self.classes.setdefault((school_id, grade, name), pk)
            heads = ClassHeadTeacher.objects.filter(school_class__school_id__in=chunk, teacher__active=True)
            for head in heads.select_related("teacher__school"):
                self.heads[head.school_class_id] = head.teacher
            teachers = Teacher.objects.filter(school_id__in=chunk, active=True).select_related("school")
            for teacher in teachers:
                self.teachers.setdefault(teacher.school_id, []).append(teacher)
        self.load: dict[int, int] = dict(
            StudentResponsibility.objects.values("teacher_id")
            .annotate(n=Count("pk"))
            .values_list("teacher_id", "n")
        )

    def pick(self, school_id: int, person_id: int) -> Any:
        grade, class_name = self.enrolment.get((person_id, school_id), (None, ""))
        if grade is not None and class_name:
            class_id = self.classes.get((school_id, grade, class_name))
            head = self.heads.get(class_id) if class_id is not None else None
            if head is not None:
                return head
        candidates = self.teachers.get(school_id)
        if not candidates:
            return None
        return min(candidates, key=lambda t: (t.user_id is None, self.load.get(t.pk, 0), t.pk))

    def took(self, teacher: Any) -> None:
        self.load[teacher.pk] = self.load.get(teacher.pk, 0) + 1


# ---- opening and moving a case -------------------------------------------------------------------


def _place_for_unenrolled(person: Person, village: Village | None, day: dt.date) -> tuple[School | None, str]:
    from eduaid.staff.selectors import catchment_school_for

    if person.birth_date is None:
        return None, ""
    stage = rules.stage_for_age(rules.age_on(person.birth_date, dt.date(day.year, 8, 31)))
    if village is None:
        return None, stage
    return catchment_school_for(village=village, stage=stage), stage


def _open(
    *,
    person: Person,
    status: str,
    source: str,
    actor: Any,
    school: School | None = None,
    township_id: int | None = None,
    village_id: int | None = None,
    stage: str = "",
    note: str = "",
    match_run: MatchRun | None = None,
) -> DropoutCase:
    today = clock.today()
    if status not in (CaseStatus.SUSPECTED, CaseStatus.CONFIRMED):
        raise ValueError(status)
    if village_id is None:
        village_id = _residence(person, today)
    if school is None and source == CaseSource.MATCH:
        village = Village.objects.filter(pk=village_id).first() if village_id else None
        school, stage = _place_for_unenrolled(person, village, today)
    if township_id is None:
        if school is not None and school.township_id:
            township_id = school.township_id
        elif village_id:
            township_id = Village.objects.values_list("township_id", flat=True).get(pk=village_id)
    case = DropoutCase(
        person=person,
        status=status,
        source=source,
        school=school,
        township_id=township_id,
        village_id=village_id,
        stage=stage,
        opened_on=today,
        confirmed_on=today if status == CaseStatus.CONFIRMED else None,
        note=note,
        match_run=match_run,
    )
    _refresh_due(case, dropout_settings())
    case.save()
    CaseEvent.objects.create(
        case=case,
        from_status="",
        to_status=status,
        actor=_user(actor),
        actor_name=_actor_name(actor),
        on=today,
        reason=note,
    )
    record(
        AuditKind.CASE,
        actor=_user(actor),
        username=_actor_name(actor),
        obj=case,
        detail={"opened": status, "source": source, "person": person.pk},
    )
    ensure_responsible(case, actor)
    return case


def _residence(person: Person, day: dt.date) -> int | None:
    """The village the child lives in: their registry household's, else the population register's."""
    from eduaid.registry.models import HouseholdVersion, Membership, PopulationEntry

    household = Membership.objects.filter(valid_on(day), person=person).values("household_id")[:1]
    village = (
        HouseholdVersion.objects.filter(valid_on(day), household_id__in=household)
        .values_list("village_id", flat=True)
        .first()
    )
    if village is not None:
        return village
    return (
        PopulationEntry.objects.filter(valid_on(day), person=person)
        .values_list("village_id", flat=True)
        .first()
    )


def _refusal(case: DropoutCase, to: str, reason: str, close_reason: str, today: dt.date) -> str | None:
    if not allowed(case.status, to):
        return _("This case is %(current)s and cannot become %(target)s.") % {
            "current": CaseStatus(case.status).label,
            "target": CaseStatus(to).label,
        }
    if to == CaseStatus.FALSE_ALARM:
        if close_reason not in {*FALSE_ALARM_REASONS, CloseReason.ENROLLED}:
            return _("Choose why the report was a false alarm.")
        if close_reason == CloseReason.OTHER and not reason.strip():
            return _("Describe the other reason.")
        return None
    aged_out = rules.aged_out(case.person.birth_date, today)
    if to == CaseStatus.CLOSED and case.status in CLOSE_ONLY_WHEN_AGED_OUT and not aged_out:
        return _(
            "A dropout case closes only when the child is back at school, taught at home, placed, "
            "or has turned 16."
        )
    if needs_reason(case.status, to) and not reason.strip():
        return _("Give a reason for this step.")
    return None


def _move(
    case: DropoutCase, to: str, reason: str, close_reason: str, today: dt.date, settings: DropoutSettings
) -> tuple[str, str]:
    """Check and make one move in memory (the caller saves): the status it had, and the text of the
    step (the false-alarm reason's label, then the reason). Raises CaseRefused when the table or the
    rules forbid it."""
    problem = _refusal(case, to, reason, close_reason, today)
    if problem:
        raise CaseRefused(problem)
    previous = case.status
    case.status = to
    if to == CaseStatus.CONFIRMED:
        case.confirmed_on = today
    if to in CLOSED_STATUSES:
        case.closed_on = today
        if to == CaseStatus.FALSE_ALARM:
            case.close_reason = close_reason
        elif previous in RESOLVED_STATUSES:
            case.close_reason = CloseReason.RESOLVED
        else:
            case.close_reason = CloseReason.AGED_OUT
        case.close_note = reason
    _refresh_due(case, settings)
    case.updated_at = timezone.now()
    label = CloseReason(case.close_reason).label if to == CaseStatus.FALSE_ALARM else ""
    return previous, f"{label}：{reason}" if label and reason else (str(label) or reason)


@transaction.atomic
def case_transition(
    *,
    case_id: int,
    to: str,
    actor: Any,
    reason: str = "",
    close_reason: str = "",
    expect: str | None = None,
) -> DropoutCase:
    """Move one case to `to`, checked against the table under a row lock.

    `expect` is the status the caller saw: a case someone else moved meanwhile is refused, not moved
    twice. False alarms need one of the false-alarm reasons; an unresolved case closes only once the
    child has turned 16.
    """
    case = DropoutCase.objects.select_for_update().select_related("person").filter(pk=case_id).first()
    if case is None:
        raise CaseRefused(_("This case no longer exists. Reload the page."))
    if expect is not None and case.status != expect:
        raise CaseRefused(
            _("This case is already %(current)s; someone else moved it. Reload the page.")
            % {"current": CaseStatus(case.status).label}
        )
    today = clock.today()
    reason = reason.strip()
    previous, step = _move(case, to, reason, close_reason, today, dropout_settings())
    case.save(
        update_fields=[
            "status",
            "confirmed_on",
            "closed_on",
            "close_reason",
            "close_note",
            "due_on",
            "updated_at",
        ]
    )
    CaseEvent.objects.create(
        case=case,
        from_status=previous,
        to_status=to,
        actor=_user(actor),
        actor_name=_actor_name(actor),
        on=today,
        reason=step,
    )
    record(
        AuditKind.CASE,
        actor=_user(actor),
        username=_actor_name(actor),
        obj=case,
        detail={"from": previous, "to": to, "reason": reason[:500], "close_reason": case.close_reason},
    )
    return case


@transaction.atomic
def attempt_log(
    *, case_id: int, on: dt.date, by: str, method: str, outcome: str, actor: Any
) -> PersuasionAttempt:
    """Log one 劝返 attempt. A confirmed case moves on to 劝返中 with its first attempt."""
    case = DropoutCase.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise CaseRefused(_("This case no longer exists. Reload the page."))
    if case.status not in (CaseStatus.CONFIRMED, CaseStatus.PERSUADING, CaseStatus.REPORTED):
        raise CaseRefused(_("Persuasion attempts are logged on confirmed dropouts only."))
    if method not in AttemptMethod.values:
        raise CaseRefused(_("Choose how the attempt was made."))
    if not outcome.strip() or not by.strip():
        raise CaseRefused(_("Say who made the attempt and what happened."))
    today = clock.today()
    if on > today:
        raise CaseRefused(_("The date of an attempt cannot be in the future."))
    if on < case.opened_on:
        raise CaseRefused(_("The attempt cannot be earlier than the case."))
    attempt = PersuasionAttempt.objects.create(
        case=case, on=on, by=by.strip()[:100], method=method, outcome=outcome.strip(), actor=_user(actor)
    )
    case.last_attempt_on = max(on, case.last_attempt_on or on)
    _refresh_due(case, dropout_settings())
    case.updated_at = timezone.now()
    case.save(update_fields=["last_attempt_on", "due_on", "updated_at"])
    record(
        AuditKind.CASE,
        actor=_user(actor),
        username=_actor_name(actor),
        obj=case,
        detail={"attempt": attempt.pk, "on": on.isoformat(), "method": method},
    )
    if case.status == CaseStatus.CONFIRMED:
        case_transition(case_id=case.pk, to=CaseStatus.PERSUADING, actor=actor)
    return attempt


@transaction.atomic
def legal_step_log(*, case_id: int, on: dt.date, kind: str, note: str, actor: Any) -> LegalStep:
    """Log a step that followed the written report (责令限期改正, 依法控辍) on a reported case."""
    case = DropoutCase.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise CaseRefused(_("This case no longer exists. Reload the page."))
    if case.status != CaseStatus.REPORTED:
        raise CaseRefused(_("Legal steps follow the written report to the bureau."))
    if kind not in LegalStepKind.values or not note.strip():
        raise CaseRefused(_("Choose the step and describe it."))
    if on > clock.today():
        raise CaseRefused(_("The date cannot be in the future."))
    step = LegalStep.objects.create(
        case=case, on=on, kind=kind, note=note.strip(), actor=_user(actor), actor_name=_actor_name(actor)
    )
    record(
        AuditKind.CASE,
        actor=_user(actor),
        username=_actor_name(actor),
        obj=case,
        detail={"legal_step": step.pk, "kind": kind, "on": on.isoformat()},
    )
    return step


def _open_case_of(person: Person) -> DropoutCase | None:
    return DropoutCase.objects.exclude(status__in=CLOSED_STATUSES).filter(person=person).first()


@transaction.atomic
def case_report(*, person: Person, school: School | None, note: str, actor: Any) -> DropoutCase:
    """A school reports a child it believes has dropped out: a suspected case, to be verified."""
    if not note.strip():
        raise CaseRefused(_("Say what you know about the child."))
    if _open_case_of(person) is not None:
        raise CaseRefused(_("This child already has an open case."))
    return _open(
        person=person,
        status=CaseStatus.SUSPECTED,
        source=CaseSource.REPORT,
        actor=actor,
        school=school,
        stage=_stage_at(person, school),
        note=note.strip(),
    )


def _stage_at(person: Person, school: School | None) -> str:
    if school is None:
        return ""
    row = Enrolment.objects.filter(valid_on(clock.today()), person=person, school=school).first()
    return row.stage if row else ""


# ---- absences ------------------------------------------------------------------------------------


@transaction.atomic
def absence_record(
    *, person: Person, school: School, on: dt.date, excused: bool, actor: Any, note: str = ""
) -> DropoutCase | None:
    """Record (or correct) a day's absence; returns the case opened when the student now reaches the
    threshold of unexcused working days in a row within the term, else None."""
    if on > clock.today():
        raise CaseRefused(_("The date cannot be in the future."))
    Absence.objects.update_or_create(
        person=person,
        on=on,
        defaults={"school": school, "excused": excused, "note": note[:200], "actor": _user(actor)},
    )
    return absence_check(person=person, school=school, actor=actor)


def absence_check(*, person: Person, school: School, actor: Any) -> DropoutCase | None:
    term = current_term()
    if term is None:
        return None
    today = clock.today()
    marks = Absence.objects.filter(person=person, on__gte=term.start_date, on__lte=today)
    run, start = rules.unexcused_run(
        marks.values_list("on", "excused"), first=term.start_date, last=today, overrides=workday_overrides()
    )
    threshold = dropout_settings().absence_days
    if run < threshold or _open_case_of(person) is not None:
        return None
    note = _("Absent without excuse on %(n)s working days in a row from %(day)s.") % {
        "n": run,
        "day": start.isoformat() if start else "",
    }
    return _open(
        person=person,
        status=CaseStatus.SUSPECTED,
        source=CaseSource.ABSENCE,
        actor=actor,
        school=school,
        stage=_stage_at(person, school),
        note=note,
    )


# ---- the match -----------------------------------------------------------------------------------


def _active_enrolment(person_id: int, day: dt.date) -> Enrolment | None:
    return (
        Enrolment.objects.filter(valid_on(day), person_id=person_id, status__in=ACTIVE)
        .select_related("school")
        .order_by("pk")
        .first()
    )


@transaction.atomic
def cases_sync(*, run: MatchRun, actor: Any = None) -> dict[str, int]:
    """Bring the ledgers in line with a match run of the current term.

    A suspected dropout without an open case gets a suspected case; a 辍学 student gets a confirmed
    case (or their suspected case is confirmed). A case the match opened whose child is enrolled
    again (在读 or 休学) closes by itself: a suspected case as a false alarm (re-enrolled), a dropout
    case as back at school. Running it twice changes nothing. A run of another term is ignored.

    Set-wise (a province's run brings hundreds of thousands of findings): what the rules look at is
    loaded once, and the cases, their steps, audit rows and responsible teachers are written in bulk;
    the outcome is that of opening (`_open`) and moving (`case_transition`) each case in turn.
    """
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
    # The match judges the term on its start date; a child enrolled since then is not opened again.
    enrolled_now: set[int] = set()
    for chunk in _chunks(sorted(set(found) | set(open_cases))):
        enrolled_now.update(
            Enrolment.objects.filter(valid_on(today), status__in=ACTIVE, person_id__in=chunk).values_list(
                "person_id", flat=True
            )
        )
    openings: list[_Opening] = []
    to_confirm: list[tuple[int, str]] = []
    for person_id, f in found.items():
        case = open_cases.get(person_id)
        if rules.aged_out(f.person.birth_date, today) or person_id in enrolled_now:
            continue
        if f.kind == FindingKind.DROPOUT:
            if case is None:
                openings.append(
                    _Opening(
                        person=f.person,
                        status=CaseStatus.CONFIRMED,
                        source=CaseSource.ENROLMENT,
                        school=f.school,
                        township_id=f.township_id,
                        village_id=f.village_id,
                        stage=f.stage,
                        note=_("The enrolment status is dropped out."),
                    )
                )
            elif case.status in SUSPECTED_STATUSES:
                to_confirm.append((case.pk, _("The enrolment status is dropped out.")))
        elif case is None:
            openings.append(
                _Opening(
                    person=f.person,
                    status=CaseStatus.SUSPECTED,
                    source=CaseSource.MATCH,
                    school=None,
                    township_id=f.township_id,
                    village_id=f.village_id,
                    stage="",
                    note=_("School-age child with no enrolment."),
                )
            )
    opened = _open_many(openings, actor=actor, match_run=run)
    counts["opened"] = len(opened)
    counts["confirmed"] = _transitions(to_confirm, to=CaseStatus.CONFIRMED, actor=actor)
    back = [
        c
        for person_id, c in open_cases.items()
        if person_id in enrolled_now and c.source in (CaseSource.MATCH, CaseSource.ENROLMENT)
    ]
    enrolments = _active_enrolments([c.person_id for c in back], today)
    false_alarms: list[tuple[int, str]] = []
    returned: list[tuple[int, str]] = []
    for case in back:
        enrolment = enrolments.get(case.person_id)
        if enrolment is None:
            continue
        where = enrolment.school.name if enrolment.school else enrolment.college
        text = _("Enrolled at %(school)s (%(status)s) in the match of %(term)s.") % {
            "school": where,
            "status": enrolment.get_status_display(),
            "term": run.term.code,
        }
        if case.status in SUSPECTED_STATUSES:
            false_alarms.append((case.pk, text))
        elif case.status in (CaseStatus.CONFIRMED, CaseStatus.PERSUADING, CaseStatus.REPORTED):
            returned.append((case.pk, text))
    counts["closed"] = _transitions(
        false_alarms, to=CaseStatus.FALSE_ALARM, actor=actor, close_reason=CloseReason.ENROLLED
    )
    counts["returned"] = _transitions(returned, to=CaseStatus.RETURNED, actor=actor)
    counts["aged_out"] = cases_age_out(actor=actor)
    cases_assign_missing(actor=actor)
    return counts


@transaction.atomic
def cases_age_out(*, actor: Any = None) -> int:
    """Close every open case whose child has turned 16 (on the clock); returns how many."""
    today = clock.today()
    try:
        born_by = today.replace(year=today.year - rules.AGE_OUT)
    except ValueError:  # 29 February
        born_by = dt.date(today.year - rules.AGE_OUT, 2, 28)
    candidates = (
        DropoutCase.objects.exclude(status__in=CLOSED_STATUSES)
        .filter(person__birth_date__lte=born_by)
        .select_related("person")
    )
    aged = [c for c in candidates if rules.aged_out(c.person.birth_date, today)]
    turned = _("Turned 16.")
    suspected = [(c.pk, turned) for c in aged if c.status in SUSPECTED_STATUSES]
    _transitions(suspected, to=CaseStatus.CONFIRMED, actor=actor)
    return _transitions([(c.pk, turned) for c in aged], to=CaseStatus.CLOSED, actor=actor)


# ---- the set-wise steps of the match: `_open` and `case_transition` for many cases -----------------

BATCH = 1000  # rows per bulk write, and ids per `IN (...)` read


def _chunks(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _audit_row(kind: str, *, actor: Any, obj: Any, detail: dict[str, Any]) -> AuditEvent:
    """The row `core.audit.record` writes for `actor` (a user or None), built to be bulk-created."""
    user = _user(actor)
    return AuditEvent(
        kind=kind,
        actor=user,
        username=_actor_name(actor)[:150],
        ip=None,
        object_type=obj._meta.model_name or "",
        object_id=str(obj.pk),
        detail=detail,
    )


@dataclass
class _Opening:
    """A case `_open` would open (its arguments)."""

    person: Person
    status: str
    source: str
    school: School | None
    township_id: int | None
    village_id: int | None
    stage: str
    note: str


def _open_many(openings: list[_Opening], *, actor: Any, match_run: MatchRun | None) -> list[DropoutCase]:
    """`_open` for each opening in turn, written set-wise: the children's villages, the villages'
    townships and the catchment map are read once; cases, opening steps and audit rows are
    bulk-created; the responsible teachers follow (`_assign_responsible`)."""
    if not openings:
        return []
    today = clock.today()
    settings = dropout_settings()
    homes = _residences([o.person.pk for o in openings if o.village_id is None], today)
    for o in openings:
        if o.status not in (CaseStatus.SUSPECTED, CaseStatus.CONFIRMED):
            raise ValueError(o.status)
        if o.village_id is None:
            o.village_id = homes.get(o.person.pk)
    village_ids = sorted({o.village_id for o in openings if o.village_id})
    catchment = _catchment_of(
        {o.village_id for o in openings if o.village_id and o.school is None and o.source == CaseSource.MATCH}
    )
    townships: dict[int, int | None] = {}
    for chunk in _chunks(village_ids):
        townships.update(Village.objects.filter(pk__in=chunk).values_list("pk", "township_id"))
    cases = []
    for o in openings:
        if o.school is None and o.source == CaseSource.MATCH:
            o.school, o.stage = _place(o.person.birth_date, o.village_id or None, today, catchment)
        if o.township_id is None:
            if o.school is not None and o.school.township_id:
                o.township_id = o.school.township_id
            elif o.village_id:
                o.township_id = townships[o.village_id]
        case = DropoutCase(
            person=o.person,
            status=o.status,
            source=o.source,
            school=o.school,
            township_id=o.township_id,
            village_id=o.village_id,
            stage=o.stage,
            opened_on=today,
            confirmed_on=today if o.status == CaseStatus.CONFIRMED else None,
            note=o.note,
            match_run=match_run,
        )
        _refresh_due(case, settings)
        cases.append(case)
    DropoutCase.objects.bulk_create(cases, batch_size=BATCH)
    user, name = _user(actor), _actor_name(actor)
    CaseEvent.objects.bulk_create(
        (
            CaseEvent(
                case=c,
                from_status="",
                to_status=c.status,
                actor=user,
                actor_name=name,
                on=today,
                reason=c.note,
            )
            for c in cases
        ),
        batch_size=BATCH,
    )
    AuditEvent.objects.bulk_create(
        (
            _audit_row(
                AuditKind.CASE,
                actor=actor,
                obj=c,
                detail={"opened": c.status, "source": c.source, "person": c.person_id},
            )
            for c in cases
        ),
        batch_size=BATCH,
    )
    _assign_responsible(cases, actor)
    return cases


def _residences(person_ids: list[int], day: dt.date) -> dict[int, int]:
    """`_residence` of many children: their registry household's village, else the population
    register's (the first valid row of each, by id)."""
    from eduaid.registry.models import HouseholdVersion, Membership, PopulationEntry

    household_of: dict[int, int] = {}
    for chunk in _chunks(sorted(set(person_ids))):
        rows = Membership.objects.filter(valid_on(day), person_id__in=chunk).order_by("pk")
        for person_id, household_id in rows.values_list("person_id", "household_id"):
            household_of.setdefault(person_id, household_id)
    village_of: dict[int, int | None] = {}
    for chunk in _chunks(sorted(set(household_of.values()))):
        versions = HouseholdVersion.objects.filter(valid_on(day), household_id__in=chunk).order_by("pk")
        for household_id, village_id in versions.values_list("household_id", "village_id"):
            village_of.setdefault(household_id, village_id)
    homes: dict[int, int] = {}
    for person_id, household_id in household_of.items():
        village = village_of.get(household_id)
        if village is not None:
            homes[person_id] = village
    rest = sorted(set(person_ids) - set(homes))
    listed: dict[int, int | None] = {}
    for chunk in _chunks(rest):
        entries = PopulationEntry.objects.filter(valid_on(day), person_id__in=chunk).order_by("pk")
        for person_id, village_id in entries.values_list("person_id", "village_id"):
            listed.setdefault(person_id, village_id)
    homes.update({p: v for p, v in listed.items() if v is not None})
    return homes


def _catchment_of(village_ids: set[int]) -> dict[tuple[int, str], School]:
    """The catchment map of these villages: (village, stage) -> school."""
    from eduaid.staff.models import CatchmentSchool

    found: dict[tuple[int, str], School] = {}
    for chunk in _chunks(sorted(village_ids)):
        for row in CatchmentSchool.objects.filter(village_id__in=chunk).select_related("school"):
            found[(row.village_id, row.stage)] = row.school
    return found


def _place(
    birth_date: dt.date | None,
    village_id: int | None,
    day: dt.date,
    catchment: dict[tuple[int, str], School],
) -> tuple[School | None, str]:
    """`_place_for_unenrolled` with the catchment map loaded (`_catchment_of`)."""
    if birth_date is None:
        return None, ""
    stage = rules.stage_for_age(rules.age_on(birth_date, dt.date(day.year, 8, 31)))
    if village_id is None:
        return None, stage
    return catchment.get((village_id, stage)), stage


def _active_enrolments(person_ids: list[int], day: dt.date) -> dict[int, Enrolment]:
    """`_active_enrolment` of many children."""
    found: dict[int, Enrolment] = {}
    for chunk in _chunks(sorted(set(person_ids))):
        rows = (
            Enrolment.objects.filter(valid_on(day), person_id__in=chunk, status__in=ACTIVE)
            .select_related("school")
            .order_by("pk")
        )
        for row in rows:
            found.setdefault(row.person_id, row)
    return found


def _transitions(moves: list[tuple[int, str]], *, to: str, actor: Any, close_reason: str = "") -> int:
    """`case_transition` of each case (id, reason) to `to`, in turn, written set-wise: the cases are
    read under a row lock, checked by the same rules (the first refusal stops everything, as it
    would), and updated, their steps and audit rows bulk-created. Returns how many moved."""
    if not moves:
        return 0
    today = clock.today()
    settings = dropout_settings()
    locked: dict[int, DropoutCase] = {}
    for chunk in _chunks(sorted({pk for pk, _reason in moves})):
        qs = DropoutCase.objects.select_for_update().select_related("person").filter(pk__in=chunk)
        locked.update((c.pk, c) for c in qs)
    user, name = _user(actor), _actor_name(actor)
    events: list[CaseEvent] = []
    audits: list[AuditEvent] = []
    for pk, reason in moves:
        case = locked.get(pk)
        if case is None:
            raise CaseRefused(_("This case no longer exists. Reload the page."))
        reason = reason.strip()
        previous, step = _move(case, to, reason, close_reason, today, settings)
        events.append(
            CaseEvent(
                case=case,
                from_status=previous,
                to_status=to,
                actor=user,
                actor_name=name,
                on=today,
                reason=step,
            )
        )
        detail = {"from": previous, "to": to, "reason": reason[:500], "close_reason": case.close_reason}
        audits.append(_audit_row(AuditKind.CASE, actor=actor, obj=case, detail=detail))
    fields = ["status", "confirmed_on", "closed_on", "close_reason", "close_note", "due_on", "updated_at"]
    DropoutCase.objects.bulk_update([locked[pk] for pk, _reason in moves], fields, batch_size=BATCH)
    CaseEvent.objects.bulk_create(events, batch_size=BATCH)
    AuditEvent.objects.bulk_create(audits, batch_size=BATCH)
    return len(moves)


# ---- settings ------------------------------------------------------------------------------------


@transaction.atomic
def settings_update(*, verify_days: int, attempt_days: int, absence_days: int, actor: Any) -> DropoutSettings:
    """Change the deadlines and the absence threshold; the due dates of open cases follow."""
    if min(verify_days, attempt_days, absence_days) < 1:
        raise CaseRefused(_("Every number must be at least 1."))
    row, _created = DropoutSettings.objects.select_for_update().get_or_create(pk=1)
    before = {
        "verify_days": row.verify_days,
        "attempt_days": row.attempt_days,
        "absence_days": row.absence_days,
    }
    row.verify_days, row.attempt_days, row.absence_days = verify_days, attempt_days, absence_days
    row.save()
    cases = list(DropoutCase.objects.exclude(status__in=CLOSED_STATUSES))
    for case in cases:
        _refresh_due(case, row)
    DropoutCase.objects.bulk_update(cases, ["due_on"], batch_size=2000)
    record(
        AuditKind.SETTINGS,
        actor=_user(actor),
        username=_actor_name(actor),
        obj=row,
        detail={
            "before": before,
            "after": {"verify_days": verify_days, "attempt_days": attempt_days, "absence_days": absence_days},
        },
    )
    return row
