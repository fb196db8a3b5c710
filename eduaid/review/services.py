"""Writes of the review procedure. Every status change of an entitlement goes through here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.core import clock
from eduaid.core.audit import acting_user as _user
from eduaid.core.audit import actor_name as _actor_name
from eduaid.core.audit import record
from eduaid.core.bulkwork import in_chunks, refresh_statistics
from eduaid.core.models import AuditKind
from eduaid.review.models import EntitlementEvent
from eduaid.review.transitions import allowed, needs_reason

if TYPE_CHECKING:
    from eduaid.org.models import School
    from eduaid.registry.models import Person, Term
    from eduaid.review.models import Notice, Objection


# A step that moves at least this many rows refreshes the planner's statistics (`refresh_statistics`).
MANY_ROWS = 1000

# Called inside the transaction after every move, with the moved rows (already at their new status),
# the status they left, and the events written (in-memory copies of the rows written, without pk): other
# apps (the money ledger) register here in their AppConfig.ready() instead of editing this module.
TransitionHook = Callable[[list[Entitlement], dict[int, str], list[EntitlementEvent]], None]
_after_transition: list[TransitionHook] = []


def on_transition(fn: TransitionHook) -> TransitionHook:
    if fn not in _after_transition:
        _after_transition.append(fn)
    return fn


class TransitionRefused(Exception):
    """A move the table does not allow, or one without the reason it needs; the message is for users."""

    def __init__(self, message: str, *, entitlement_id: int | None = None) -> None:
        super().__init__(message)
        self.entitlement_id = entitlement_id


def _refusal(row: Entitlement, target: str, reason: str) -> str | None:
    if not allowed(row.status, target):
        return _("Entitlement %(id)s is %(current)s and cannot become %(target)s.") % {
            "id": row.pk,
            "current": EntitlementStatus(row.status).label,
            "target": EntitlementStatus(target).label,
        }
    if needs_reason(row.status, target) and not reason.strip():
        return _("Give a reason for this step.")
    return None


@transaction.atomic
def entitlements_transition(
    *,
    ids: Iterable[int],
    to: str,
    actor: Any,
    reason: str = "",
    expect: Iterable[str] | None = None,
) -> list[Entitlement]:
    """Move every entitlement in `ids` to `to`, all or none.

    The rows are locked in primary-key order (so that two officers working on overlapping rows
    queue instead of deadlocking), re-read under the lock, and checked against the table: a row
    another officer moved first is refused rather than moved twice. `expect` narrows the statuses the
    caller started from (for example only `approved` rows may enter a batch).
    """
    wanted = sorted(set(ids))
    locking = Entitlement.objects.select_for_update().order_by("pk")
    rows = [row for chunk in in_chunks(wanted) for row in locking.filter(pk__in=chunk)]
    if len(rows) != len(wanted):
        raise TransitionRefused(_("Some of these entitlements no longer exist. Reload the page."))
    expected = set(expect) if expect is not None else None
    for row in rows:
        if expected is not None and row.status not in expected:
            raise TransitionRefused(
                _("Entitlement %(id)s is already %(current)s; someone else moved it. Reload the page.")
                % {"id": row.pk, "current": EntitlementStatus(row.status).label},
                entitlement_id=row.pk,
            )
        problem = _refusal(row, to, reason)
        if problem:
            raise TransitionRefused(problem, entitlement_id=row.pk)
    now = timezone.now()
    name = _actor_name(actor)
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    events = []
    for row in rows:
        events.append(
            EntitlementEvent(
                entitlement=row,
                from_status=row.status,
                to_status=to,
                actor=user,
                actor_name=name,
                at=now,
                reason=reason.strip(),
            )
        )
        row.status = to
        row.updated_at = now
    previous = {e.entitlement_id: e.from_status for e in events}
    moved_ids = [r.pk for r in rows]
    for start in range(0, len(moved_ids), 2000):
        chunk = moved_ids[start : start + 2000]
        _insert_events(
            chunk, to=to, user_id=user.pk if user else None, name=name, at=now, reason=reason.strip()
        )
        # Every row gets the same values: one UPDATE per chunk (bulk_update's CASE per row is far slower).
        Entitlement.objects.filter(pk__in=chunk).update(status=to, updated_at=now)
    for hook in _after_transition:
        hook(rows, previous, events)
    if rows:
        record(
            AuditKind.ENTITLEMENT_STATUS,
            actor=user,
            username=name,
            detail={"to": to, "count": len(rows), "ids": [r.pk for r in rows[:50]], "reason": reason[:500]},
        )
    return rows


def _insert_events(ids: list[int], *, to: str, user_id: int | None, name: str, at: Any, reason: str) -> None:
    """One event per row, written in a single INSERT … SELECT from the locked rows (before they move, so
    that `from_status` is the status each row had). Tens of thousands of rows (a county's term) take
    well under a second this way; building and saving model instances took most of the time."""
    q = connection.ops.quote_name
    columns = ", ".join(
        q(c) for c in ("entitlement_id", "from_status", "to_status", "actor_id", "actor_name", "at", "reason")
    )
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (  # table and column names come from the models; every value is bound
        f"INSERT INTO {q(EntitlementEvent._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {q('id')}, {q('status')}, %s, %s, %s, %s, %s FROM {q(Entitlement._meta.db_table)} "
        f"WHERE {q('id')} IN ({placeholders}) ORDER BY {q('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [to, user_id, name, connection.ops.adapt_datetimefield_value(at), reason, *ids])


def entitlement_transition(*, entitlement_id: int, to: str, actor: Any, reason: str = "") -> Entitlement:
    """Move one entitlement; see `entitlements_transition`."""
    return entitlements_transition(ids=[entitlement_id], to=to, actor=actor, reason=reason)[0]


# ---- 学校审核: the school's review ------------------------------------------------------------------

S = EntitlementStatus


def _role(actor: Any) -> str | None:
    """None for the command-line actor, which may do every step."""
    if _user(actor) is None:
        return None
    return "county_admin" if actor.is_superuser else str(actor.role)


def may_review(actor: Any, school_id: int | None) -> bool:
    """A school's rows are reviewed by that school's officer; college rows (no school) by the aid centre."""
    from eduaid.accounts.roles import Role
    from eduaid.accounts.scope import scope_of

    role = _role(actor)
    if role is None:
        return True
    if school_id is None:
        return role in (Role.AID_CENTER, Role.COUNTY_ADMIN)
    return role == Role.SCHOOL_OFFICER and school_id in scope_of(actor).school_ids


def _check_reviewer(actor: Any, rows: Iterable[Entitlement]) -> None:
    for row in rows:
        if not may_review(actor, row.school_id):
            raise TransitionRefused(
                _("You may not review entitlement %(id)s.") % {"id": row.pk}, entitlement_id=row.pk
            )


def _locked(ids: Iterable[int]) -> list[Entitlement]:
    """The rows, locked in primary-key order (the order `entitlements_transition` locks them in)."""
    wanted = sorted(set(ids))
    locking = Entitlement.objects.select_for_update().order_by("pk").only("pk", "status", "school_id", "held")
    rows = [row for chunk in in_chunks(wanted) for row in locking.filter(pk__in=chunk)]
    if len(rows) != len(wanted):
        raise TransitionRefused(_("Some of these entitlements no longer exist. Reload the page."))
    return rows


@transaction.atomic
def entitlements_confirm(*, ids: Iterable[int], actor: Any, note: str = "") -> list[Entitlement]:
    """学校审核: confirm computed entitlements, all or none. A held row (two 在读 enrolments) stays."""
    rows = _locked(ids)
    if not rows:
        raise TransitionRefused(_("Select at least one entitlement."))
    _check_reviewer(actor, rows)
    for row in rows:
        if row.held:
            raise TransitionRefused(
                _("Entitlement %(id)s is held: the student has two enrolments in study; resolve them first.")
                % {"id": row.pk},
                entitlement_id=row.pk,
            )
    return entitlements_transition(
        ids=[r.pk for r in rows], to=S.SCHOOL_CONFIRMED, actor=actor, reason=note, expect=[S.COMPUTED]
    )


@transaction.atomic
def entitlement_reject(*, entitlement_id: int, actor: Any, reason: str) -> Entitlement:
    """The school (or the centre, for college students) rejects one entitlement, with a reason."""
    rows = _locked([entitlement_id])
    _check_reviewer(actor, rows)
    return entitlements_transition(
        ids=[entitlement_id],
        to=S.REJECTED,
        actor=actor,
        reason=reason,
        expect=[S.COMPUTED, S.SCHOOL_CONFIRMED],
    )[0]


@transaction.atomic
def entitlement_reopen(*, entitlement_id: int, actor: Any, reason: str) -> Entitlement:
    """A rejected entitlement goes back to computed, with a reason."""
    rows = _locked([entitlement_id])
    _check_reviewer(actor, rows)
    return entitlements_transition(
        ids=[entitlement_id], to=S.COMPUTED, actor=actor, reason=reason, expect=[S.REJECTED]
    )[0]


@transaction.atomic
def entitlement_add_manual(
    *,
    person: Person,
    school: School,
    term: Term,
    item_code: str,
    category: str,
    evidence: str,
    actor: Any,
) -> Entitlement:
    """A student the match missed, added by their school: priced with the pure pricing function on the
    facts of their 在读 enrolment at the school, kept with the written evidence."""
    from eduaid.aid import pricing
    from eduaid.aid.services import PolicyError, version_for
    from eduaid.matching.engine import CATEGORIES
    from eduaid.registry import terms
    from eduaid.registry.models import Enrolment, EnrolmentStatus, valid_on

    if not evidence.strip():
        raise TransitionRefused(_("Write down the evidence for adding this student."))
    if category not in CATEGORIES:
        raise TransitionRefused(_("Choose the household category."))
    if not may_review(actor, school.pk):
        raise TransitionRefused(_("You may not add students to this school's list."))
    enrolment = (
        Enrolment.objects.filter(valid_on(clock.today()), person=person, school=school)
        .filter(status=EnrolmentStatus.STUDYING)
        .order_by("-pk")
        .first()
    )
    if enrolment is None:
        raise TransitionRefused(_("This student is not enrolled and studying at this school."))
    try:
        version = version_for(term.code)
    except PolicyError as error:
        raise TransitionRefused(str(error)) from error
    item = version.items.filter(code=item_code).first()
    if item is None:
        raise TransitionRefused(_("Unknown aid item."))
    if Entitlement.objects.filter(person=person, term=term, item_code=item_code).exists():
        raise TransitionRefused(_("This student already has this item on this term."))
    if item.one_time and (
        Entitlement.objects.filter(person=person, item_code=item_code).exclude(status=S.CANCELLED).exists()
    ):
        raise TransitionRefused(_("This one-time item was already given to this student."))
    facts = pricing.StudentFacts(
        stage=enrolment.stage,
        grade=enrolment.grade,
        boarding=enrolment.boarding,
        in_province=enrolment.in_province,
        freshman=enrolment.freshman,
        category=category,
        status=pricing.STUDYING,
    )
    rule = pricing.Item(code=item.code, kind=item.kind, one_time=item.one_time, rules=item.rules)
    priced = pricing.price_item(rule, facts, terms.parse(term.code)[1])
    if priced is None:
        raise TransitionRefused(_("This item does not apply to this student's stage and facts."))
    entitlement = Entitlement.objects.create(
        person=person,
        term=term,
        item=item,
        version=version,
        item_code=item.code,
        one_time=item.one_time,
        amount_fen=priced.amount_fen,
        stage=enrolment.stage,
        boarding=enrolment.boarding,
        category=category,
        school=school,
        manual=True,
        evidence=evidence.strip(),
    )
    record(
        AuditKind.ENTITLEMENT_STATUS,
        actor=_user(actor),
        username=_actor_name(actor),
        obj=entitlement,
        detail={"action": "manual_add", "item": item.code, "amount_fen": priced.amount_fen},
    )
    return entitlement


# ---- 公示: public notices ----------------------------------------------------------------------------


class NoticeError(Exception):
    """A notice that cannot be published or an objection that cannot be recorded; the message is for users."""


@transaction.atomic
def notice_publish(
    *, term: Term, school: School | None, starts_on: Any, actor: Any, public_link: bool = False
) -> Notice:
    """Publish the school's (or, without a school, the county's college list's) confirmed entitlements
    of the term: they move to in_notice until 23:59 of the 5th working day after `starts_on`."""
    notices = notices_publish(
        term=term, schools=[school], starts_on=starts_on, actor=actor, public_link=public_link
    )
    if not notices:
        raise NoticeError(_("There is no confirmed entitlement to publish."))
    return notices[0]


def _notice_end(starts_on: Any) -> Any:
    from eduaid.core.selectors import workday_overrides
    from eduaid.core.workdays import CalendarGap
    from eduaid.review.rules import notice_end

    try:
        return notice_end(starts_on, workday_overrides())
    except CalendarGap as gap:
        raise NoticeError(
            _(
                "The working-day calendar does not cover %(day)s. An administrator must first enter "
                "the holidays and working days of %(year)s (国务院办公厅 notice) on the working-day page."
            )
            % {"day": gap.day.isoformat(), "year": gap.day.year}
        ) from gap


@transaction.atomic
def notices_publish(
    *, term: Term, schools: list[School | None], starts_on: Any, actor: Any, public_link: bool = False
) -> list[Notice]:
    """One notice per school (None: the college list) that has confirmed entitlements on the term,
    all published at once (the demo and county-wide runs); schools with nothing confirmed are skipped."""
    import secrets

    from eduaid.review.models import Notice, NoticeEntry

    for school in schools:
        if not may_review(actor, school.pk if school else None):
            raise NoticeError(_("You may not publish this list."))
    if starts_on < clock.today():
        # A back-dated notice would shorten the period the public has to object.
        raise NoticeError(_("A public notice cannot start before today."))
    ends_on = _notice_end(starts_on)
    school_ids = {school.pk if school else None for school in schools}
    wanted = Q(school_id__in=[pk for pk in school_ids if pk is not None])
    if None in school_ids:
        wanted |= Q(school__isnull=True)
    by_school: dict[int | None, list[int]] = {}
    rows = Entitlement.objects.filter(wanted, term=term, status=S.SCHOOL_CONFIRMED).order_by("pk")
    for pk, school_id in rows.values_list("pk", "school_id"):
        by_school.setdefault(school_id, []).append(pk)
    if not by_school:
        return []
    notices = Notice.objects.bulk_create(
        [
            Notice(
                term=term,
                school_id=school_id,
                starts_on=starts_on,
                ends_on=ends_on,
                public_token=secrets.token_urlsafe(24) if public_link else None,
                published_by=_user(actor),
                published_by_name=_actor_name(actor),
            )
            for school_id in by_school
        ]
    )
    ids = sorted(pk for pks in by_school.values() for pk in pks)
    reason = _("Public notice from %(start)s to %(end)s") % {"start": starts_on, "end": ends_on}
    entitlements_transition(ids=ids, to=S.IN_NOTICE, actor=actor, reason=reason, expect=[S.SCHOOL_CONFIRMED])
    NoticeEntry.objects.bulk_create(
        [NoticeEntry(notice=n, entitlement_id=pk) for n in notices for pk in by_school[n.school_id]],
        batch_size=2000,
    )
    for notice in notices:
        record(
            AuditKind.NOTICE,
            actor=_user(actor),
            username=_actor_name(actor),
            obj=notice,
            detail={
                "action": "publish",
                "term": term.code,
                "school": notice.school_id,
                "starts_on": str(starts_on),
                "ends_on": str(ends_on),
                "entries": len(by_school[notice.school_id]),
                "public_link": public_link,
            },
        )
    if len(ids) >= MANY_ROWS:
        # The term's rows changed status and gained entries and events: without fresh statistics
        # the planner of `notices_close` believes no row is in notice and no entry exists.
        refresh_statistics(Entitlement, Notice, NoticeEntry, EntitlementEvent)
    return notices


def _open_objection_ids(ids: Iterable[int]) -> set[int]:
    from eduaid.review.models import Objection, ObjectionStatus

    open_ = Objection.objects.filter(status=ObjectionStatus.OPEN)
    return {
        pk
        for chunk in in_chunks(sorted(ids))
        for pk in open_.filter(entitlement_id__in=chunk).values_list("entitlement_id", flat=True)
    }


@transaction.atomic
def notices_close(*, actor: Any = None) -> int:
    """Every notice whose period is over: its in_notice entitlements without an open objection move to
    notice_passed; ones with an open objection stay in_notice. Returns how many moved. Idempotent."""
    from eduaid.review.models import Notice, NoticeEntry, Objection, ObjectionStatus

    over = Notice.objects.filter(ends_on__lt=clock.today())
    if over.filter(closed_at__isnull=True).exists():
        # Notices published one school at a time left the statistics of before: the planner then
        # expects one row in notice and joins every entry to every notice (entitlements x schools:
        # five minutes for a city). Once per closing, not on every view of the approval page.
        refresh_statistics(Entitlement, Notice, NoticeEntry, Objection)
    ends = dict(over.values_list("pk", "ends_on"))
    entries = NoticeEntry.objects.filter(notice__in=over, entitlement__status=S.IN_NOTICE).order_by()
    by_end: dict[Any, set[int]] = {}
    for entitlement_id, notice_id in entries.values_list("entitlement_id", "notice_id"):
        by_end.setdefault(ends[notice_id], set()).add(entitlement_id)
    objections = Objection.objects.filter(
        status=ObjectionStatus.OPEN, entitlement_id__in=entries.values("entitlement_id")
    )
    blocked = set(objections.values_list("entitlement_id", flat=True))
    moved = 0
    for ends_on, ids in sorted(by_end.items()):
        waiting = sorted(ids - blocked)
        if waiting:
            reason = _("Public notice ended on %(end)s without objection") % {"end": ends_on}
            moved += len(
                entitlements_transition(
                    ids=waiting, to=S.NOTICE_PASSED, actor=actor, reason=reason, expect=[S.IN_NOTICE]
                )
            )
    newly_closed = list(over.filter(closed_at__isnull=True).order_by("pk"))
    if newly_closed:
        over.filter(pk__in=[n.pk for n in newly_closed]).update(closed_at=timezone.now())
        for notice in newly_closed:
            record(
                AuditKind.NOTICE,
                actor=_user(actor),
                username=_actor_name(actor),
                obj=notice,
                detail={"action": "close", "ends_on": str(notice.ends_on)},
            )
    if moved >= MANY_ROWS:
        refresh_statistics(Entitlement, EntitlementEvent)
    return moved


# ---- 异议: objections ---------------------------------------------------------------------------------


def _check_objection_officer(actor: Any, notice: Notice) -> None:
    """The school's officer, or the aid centre, records and resolves objections."""
    from eduaid.accounts.roles import Role
    from eduaid.accounts.scope import scope_of

    role = _role(actor)
    if role is None or role in (Role.AID_CENTER, Role.COUNTY_ADMIN):
        return
    if role == Role.SCHOOL_OFFICER and notice.school_id in scope_of(actor).school_ids:
        return
    raise NoticeError(_("You may not record or resolve objections to this notice."))


@transaction.atomic
def objection_record(
    *, notice: Notice, entitlement_id: int, objector: str, content: str, actor: Any
) -> Objection:
    from eduaid.review.models import Objection
    from eduaid.review.rules import notice_running

    _check_objection_officer(actor, notice)
    if not objector.strip() or not content.strip():
        raise NoticeError(_("Write who objected and what the objection is."))
    # Lock the row: an approval or the closing of the notice waits for the objection, or the
    # objection sees the row already moved on.
    row = _locked([entitlement_id])[0]
    if not notice.entries.filter(entitlement_id=entitlement_id).exists():
        raise NoticeError(_("This entitlement is not in this notice."))
    if not notice_running(notice.starts_on, notice.ends_on, clock.today()) or row.status != S.IN_NOTICE:
        raise NoticeError(_("Objections are recorded only while the notice is running."))
    objection = Objection.objects.create(
        notice=notice,
        entitlement=row,
        objector=objector.strip(),
        content=content.strip(),
        recorded_by=_user(actor),
        recorded_by_name=_actor_name(actor),
    )
    record(
        AuditKind.OBJECTION,
        actor=_user(actor),
        username=_actor_name(actor),
        obj=objection,
        detail={"action": "record", "entitlement": entitlement_id, "notice": notice.pk},
    )
    return objection


@transaction.atomic
def objection_resolve(*, objection_id: int, upheld: bool, note: str, actor: Any) -> Objection:
    """Upheld: the entitlement is rejected with the note as the reason. Dismissed: once the period is
    over and nothing else is open, it passes the notice."""
    from eduaid.review.models import Objection, ObjectionStatus
    from eduaid.review.rules import notice_over

    objection = Objection.objects.select_for_update().select_related("notice").get(pk=objection_id)
    _check_objection_officer(actor, objection.notice)
    if objection.status != ObjectionStatus.OPEN:
        raise NoticeError(_("This objection was already resolved."))
    if not note.strip():
        raise NoticeError(_("Write the outcome of the objection."))
    row = _locked([objection.entitlement_id])[0]
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.outcome_note = note.strip()
    objection.resolved_by = _user(actor)
    objection.resolved_by_name = _actor_name(actor)
    objection.resolved_at = timezone.now()
    objection.save(update_fields=["status", "outcome_note", "resolved_by", "resolved_by_name", "resolved_at"])
    if row.status == S.IN_NOTICE:
        if upheld:
            reason = _("Objection upheld: %(note)s") % {"note": note.strip()}
            entitlements_transition(
                ids=[row.pk], to=S.REJECTED, actor=actor, reason=reason, expect=[S.IN_NOTICE]
            )
        elif notice_over(objection.notice.ends_on, clock.today()) and not _open_objection_ids([row.pk]):
            reason = _("Objection dismissed after the notice ended: %(note)s") % {"note": note.strip()}
            entitlements_transition(
                ids=[row.pk], to=S.NOTICE_PASSED, actor=actor, reason=reason, expect=[S.IN_NOTICE]
            )
    record(
        AuditKind.OBJECTION,
        actor=_user(actor),
        username=_actor_name(actor),
        obj=objection,
        detail={"action": "resolve", "outcome": objection.status, "entitlement": row.pk},
    )
    return objection


# ---- 审批: approval by the county aid centre ---------------------------------------------------------


@transaction.atomic
def entitlements_approve(*, ids: Iterable[int], actor: Any, note: str = "") -> list[Entitlement]:
    """Approve notice_passed entitlements, all or none. Refused for a row with an unresolved objection
    or whose notice has not passed, whatever its status says."""
    from eduaid.accounts.roles import Role
    from eduaid.review.models import NoticeEntry
    from eduaid.review.rules import notice_over

    if _role(actor) not in (None, Role.AID_CENTER, Role.COUNTY_ADMIN):
        raise TransitionRefused(_("Only the county aid centre approves entitlements."))
    rows = _locked(ids)  # objections lock the same rows: none can slip in between check and move
    if not rows:
        raise TransitionRefused(_("Select at least one entitlement."))
    open_ids = _open_objection_ids(r.pk for r in rows)
    if open_ids:
        first = min(open_ids)
        raise TransitionRefused(
            _("Entitlement %(id)s has an unresolved objection and cannot be approved.") % {"id": first},
            entitlement_id=first,
        )
    today = clock.today()
    last_end: dict[int, Any] = {}
    for chunk in in_chunks([r.pk for r in rows]):
        entries = NoticeEntry.objects.filter(entitlement_id__in=chunk)
        for entitlement_id, ends_on in entries.values_list("entitlement_id", "notice__ends_on"):
            last_end[entitlement_id] = max(ends_on, last_end.get(entitlement_id, ends_on))
    for row in rows:
        end = last_end.get(row.pk)
        if end is None or not notice_over(end, today):
            raise TransitionRefused(
                _("The public notice of entitlement %(id)s has not passed; it cannot be approved yet.")
                % {"id": row.pk},
                entitlement_id=row.pk,
            )
    return entitlements_transition(
        ids=[r.pk for r in rows], to=S.APPROVED, actor=actor, reason=note, expect=[S.NOTICE_PASSED]
    )


# ---- the working-day calendar ----------------------------------------------------------------------


@transaction.atomic
def workday_override_set(*, day: Any, is_workday: bool, note: str, actor: Any) -> Any:
    from eduaid.core.models import WorkdayOverride

    override, created = WorkdayOverride.objects.update_or_create(
        day=day, defaults={"is_workday": is_workday, "note": note.strip()[:100]}
    )
    record(
        AuditKind.WORKDAYS,
        actor=_user(actor),
        username=_actor_name(actor),
        obj=override,
        detail={"action": "set", "day": str(day), "is_workday": is_workday, "created": created},
    )
    return override


@transaction.atomic
def workday_override_remove(*, day: Any, actor: Any) -> bool:
    from eduaid.core.models import WorkdayOverride

    override = WorkdayOverride.objects.filter(day=day).first()
    if override is None:
        return False
    record(
        AuditKind.WORKDAYS,
        actor=_user(actor),
        username=_actor_name(actor),
        obj=override,
        detail={"action": "remove", "day": str(day), "is_workday": override.is_workday},
    )
    override.delete()
    return True
