"""Writes of 控辍保学. Every status change of a case goes through `case_transition`.

Cases come from four places: the 比对 (`cases_sync`, run after every match run of the current term),
a 学籍 status of 辍学 (through the same match), unexcused absences (`absence_record`), and a school's
report (`case_report`). Each write takes the acting user (None: the command line), runs in a
transaction and leaves a CASE audit event.
"""

from __future__ import annotations

import datetime as dt
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
from eduaid.core.models import AuditKind
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
    """Give every open case without a 责任人 one, where a teacher can be found; returns how many."""
    from eduaid.staff.models import StudentResponsibility

    assigned = StudentResponsibility.objects.values("person_id")
    waiting = DropoutCase.objects.exclude(status__in=CLOSED_STATUSES).exclude(person_id__in=assigned)
    # A village's catchment school may have been mapped since the case opened.
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
    _refresh_due(case, dropout_settings())
    case.updated_at = timezone.now()
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
    label = CloseReason(case.close_reason).label if to == CaseStatus.FALSE_ALARM else ""
    CaseEvent.objects.create(
        case=case,
        from_status=previous,
        to_status=to,
        actor=_user(actor),
        actor_name=_actor_name(actor),
        on=today,
        reason=f"{label}：{reason}" if label and reason else (str(label) or reason),
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
    closed = 0
    for case in candidates:
        if not rules.aged_out(case.person.birth_date, today):
            continue
        if case.status in SUSPECTED_STATUSES:
            case_transition(case_id=case.pk, to=CaseStatus.CONFIRMED, actor=actor, reason=_("Turned 16."))
        case_transition(case_id=case.pk, to=CaseStatus.CLOSED, actor=actor, reason=_("Turned 16."))
        closed += 1
    return closed


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
