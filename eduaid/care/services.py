"""Every write of the care records: keyword-only, with the acting user, in a transaction, audited.

A service checks the actor's role and that the record lies in the actor's scope (through the
selectors) itself, so the command line and the pages cannot disagree; views turn a target outside
the scope into a 404 before they get here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from eduaid.care import rules, selectors
from eduaid.care.models import (
    CareRecord,
    FollowUp,
    HelpRecord,
    LeftBehindChild,
    LeftBehindSituation,
    MigrantRequest,
    MigrantStatus,
    TeamActivity,
    TeamMember,
    Visit,
    VisitKind,
)
from eduaid.core import clock, idnumbers
from eduaid.core.audit import record
from eduaid.core.models import AuditKind
from eduaid.org.models import OrgUnit, School, Village
from eduaid.org.selectors import schools_visible_to
from eduaid.registry.models import Enrolment, EnrolmentStatus, Household, Person, valid_on
from eduaid.registry.selectors import households_visible_to, persons_visible_to


def _not_future(day: dt.date, field: str) -> None:
    if day > clock.today():
        raise ValidationError({field: _("The date cannot be in the future.")})


def _require(actor: Any, roles: frozenset[str]) -> None:
    if not selectors.may(actor, roles):
        raise PermissionDenied


# ---- visits ------------------------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    actor: Any,
    visited_on: dt.date,
    kind: str,
    findings: str,
    person: Person | None = None,
    household: Household | None = None,
    companions: str = "",
    needs: str = "",
    actions: list[str] | None = None,
) -> Visit:
    """A home visit, talk or call about a student or a household, with its follow-up actions, each
    open until closed. A home visit to a student is also filed under the student's current household."""
    _require(actor, selectors.VISIT_ROLES)
    if person is None and household is None:
        raise ValidationError(_("A visit is about a student or a household."))
    if person is not None and not persons_visible_to(actor).filter(pk=person.pk).exists():
        raise PermissionDenied
    if household is not None and not households_visible_to(actor).filter(pk=household.pk).exists():
        raise PermissionDenied
    _not_future(visited_on, "visited_on")
    actions = actions or []
    if len(actions) > rules.MAX_ACTIONS:
        raise ValidationError(
            {"actions": _("List at most %(n)d follow-up actions.") % {"n": rules.MAX_ACTIONS}}
        )
    if person is not None and household is None and kind == VisitKind.HOME_VISIT:
        # A home visit is also the household's: it shows on the household's page too.
        household = selectors.current_household(person)
    visit = Visit.objects.create(
        person=person,
        household=household,
        visited_on=visited_on,
        kind=kind,
        recorded_by=actor,
        companions=companions.strip(),
        findings=findings.strip(),
        needs=needs.strip(),
    )
    FollowUp.objects.bulk_create([FollowUp(visit=visit, action=a[:200]) for a in actions])
    record(
        AuditKind.VISIT,
        actor=actor,
        obj=visit,
        detail={
            "action": "record",
            "kind": kind,
            "person": person and person.pk,
            "household": household and household.pk,
        },
    )
    return visit


@transaction.atomic
def follow_up_close(*, actor: Any, follow_up: FollowUp, done_on: dt.date, note: str = "") -> FollowUp:
    _require(actor, selectors.VISIT_ROLES)
    locked = FollowUp.objects.select_for_update().select_related("visit").get(pk=follow_up.pk)
    if not selectors.follow_ups_visible_to(actor).filter(pk=locked.pk).exists():
        raise PermissionDenied
    if locked.done_on is not None:
        raise ValidationError(_("This action was already closed."))
    _not_future(done_on, "done_on")
    if done_on < locked.visit.visited_on:
        raise ValidationError({"done_on": _("An action cannot be done before the visit.")})
    locked.done_on = done_on
    locked.done_by = actor
    locked.done_note = note.strip()[:200]
    locked.save(update_fields=["done_on", "done_by", "done_note"])
    record(
        AuditKind.VISIT,
        actor=actor,
        obj=locked,
        detail={"action": "follow_up_done", "visit": locked.visit_id},
    )
    return locked


# ---- left-behind children ----------------------------------------------------------------------


def _current_school(actor: Any, person: Person) -> School | None:
    enrolment = (
        Enrolment.objects.filter(
            valid_on(clock.today()),
            person=person,
            school__isnull=False,
            status__in=[EnrolmentStatus.STUDYING, EnrolmentStatus.SUSPENDED],
        )
        .select_related("school")
        .order_by("pk")
    )
    mine = enrolment.filter(school__in=schools_visible_to(actor))
    found = mine.first() or enrolment.first()
    return found.school if found else None


@transaction.atomic
def left_behind_register(
    *,
    actor: Any,
    person: Person,
    situation: str,
    guardian_name: str,
    guardian_relation: str,
    guardian_phone: str,
    unable_reason: str = "",
    village: Village | None = None,
) -> LeftBehindChild:
    """Enters a child in the 留守儿童 register: a resident ID that says under 16 today, a rural
    village (the registry household's, else the one given), one open entry per child."""
    _require(actor, selectors.LEFT_BEHIND_ROLES)
    if not persons_visible_to(actor).filter(pk=person.pk).exists():
        raise PermissionDenied
    today = clock.today()
    if not person.id_number:
        raise ValidationError(_("The child has no resident ID on record, so the age cannot be checked."))
    born = idnumbers.birth_date(person.id_number)
    if not rules.under_left_behind_age(born, today):
        raise ValidationError(
            _("%(name)s is %(age)d years old: the register is for children under 16.")
            % {"name": person.name, "age": rules.age_on(born, today)}
        )
    if situation == LeftBehindSituation.ONE_AWAY and not unable_reason.strip():
        raise ValidationError({"unable_reason": _("Say why the parent at home cannot care for the child.")})
    if situation == LeftBehindSituation.BOTH_AWAY:
        unable_reason = ""
    village = selectors.home_village(person) or village
    if village is None:
        raise ValidationError({"village": _("The child is in no registry household: choose the village.")})
    if not rules.is_rural_village(village.code):
        raise ValidationError(
            {
                "village": _("%(village)s is an urban community: the register is for rural children.")
                % {"village": village.name}
            }
        )
    if LeftBehindChild.objects.filter(person=person, ended_on__isnull=True).exists():
        raise ValidationError(_("%(name)s is already in the register.") % {"name": person.name})
    child = LeftBehindChild.objects.create(
        person=person,
        village=village,
        school=_current_school(actor, person),
        situation=situation,
        unable_reason=unable_reason.strip(),
        guardian_name=guardian_name.strip(),
        guardian_relation=guardian_relation.strip(),
        guardian_phone=guardian_phone.strip(),
        registered_on=today,
        registered_by=actor,
    )
    record(AuditKind.CARE, actor=actor, obj=child, detail={"action": "register", "person": person.pk})
    return child


@transaction.atomic
def left_behind_end(*, actor: Any, child: LeftBehindChild, ended_on: dt.date, reason: str) -> LeftBehindChild:
    _require(actor, selectors.LEFT_BEHIND_ROLES)
    locked = LeftBehindChild.objects.select_for_update().get(pk=child.pk)
    if not selectors.left_behind_visible_to(actor).filter(pk=locked.pk).exists():
        raise PermissionDenied
    if locked.ended_on is not None:
        raise ValidationError(_("This entry was already ended."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the child leaves the register.")})
    _not_future(ended_on, "ended_on")
    if ended_on < locked.registered_on:
        raise ValidationError({"ended_on": _("The end cannot come before the registration.")})
    locked.ended_on = ended_on
    locked.end_reason = reason.strip()[:200]
    locked.save(update_fields=["ended_on", "end_reason"])
    record(AuditKind.CARE, actor=actor, obj=locked, detail={"action": "end", "reason": locked.end_reason})
    return locked


@transaction.atomic
def care_record_add(
    *, actor: Any, child: LeftBehindChild, kind: str, cared_on: dt.date, carer: str, content: str
) -> CareRecord:
    _require(actor, selectors.CARE_ROLES)
    if not selectors.left_behind_visible_to(actor).filter(pk=child.pk).exists():
        raise PermissionDenied
    _not_future(cared_on, "cared_on")
    care = CareRecord.objects.create(
        child=child,
        kind=kind,
        cared_on=cared_on,
        carer=(carer.strip() or actor.full_name or actor.get_username())[:100],
        content=content.strip(),
        recorded_by=actor,
    )
    record(AuditKind.CARE, actor=actor, obj=care, detail={"action": "care", "kind": kind, "child": child.pk})
    return care


# ---- migrant children --------------------------------------------------------------------------


def _check_school(actor: Any, school: School, field: str) -> None:
    if not schools_visible_to(actor).filter(pk=school.pk).exists():
        raise ValidationError({field: _("This school is outside your scope.")})


@transaction.atomic
def migrant_request_create(
    *,
    actor: Any,
    child_name: str,
    child_id_number: str,
    guardian_name: str,
    residence_permit: str,
    applied_on: dt.date,
    school_requested: School,
    guardian_phone: str = "",
) -> MigrantRequest:
    _require(actor, selectors.MIGRANT_ROLES)
    number = idnumbers.normalize(child_id_number)
    if idnumbers.problem(number, today=clock.today()) is not None:
        raise ValidationError({"child_id_number": _("This is not a valid resident ID number.")})
    _not_future(applied_on, "applied_on")
    _check_school(actor, school_requested, "school_requested")
    if MigrantRequest.objects.filter(child_id_number=number, status=MigrantStatus.PENDING).exists():
        raise ValidationError({"child_id_number": _("This child already has a pending request.")})
    request = MigrantRequest.objects.create(
        child_name=child_name.strip(),
        child_id_number=number,
        guardian_name=guardian_name.strip(),
        guardian_phone=guardian_phone.strip(),
        residence_permit=residence_permit.strip(),
        applied_on=applied_on,
        school_requested=school_requested,
        recorded_by=actor,
    )
    record(
        AuditKind.CARE,
        actor=actor,
        obj=request,
        detail={"action": "migrant_request", "school": school_requested.pk},
    )
    return request


def _lock_pending(actor: Any, request: MigrantRequest) -> MigrantRequest:
    _require(actor, selectors.MIGRANT_ROLES)
    locked = MigrantRequest.objects.select_for_update().get(pk=request.pk)
    if not selectors.migrant_requests_visible_to(actor).filter(pk=locked.pk).exists():
        raise PermissionDenied
    if locked.status != MigrantStatus.PENDING:
        raise ValidationError(_("This request was already decided."))
    return locked


@transaction.atomic
def migrant_request_place(
    *, actor: Any, request: MigrantRequest, school_placed: School, placed_on: dt.date
) -> MigrantRequest:
    locked = _lock_pending(actor, request)
    _check_school(actor, school_placed, "school_placed")
    _not_future(placed_on, "placed_on")
    if placed_on < locked.applied_on:
        raise ValidationError({"placed_on": _("A child cannot be placed before applying.")})
    locked.status = MigrantStatus.PLACED
    locked.school_placed = school_placed
    locked.placed_on = placed_on
    locked.decided_on = placed_on
    locked.save(update_fields=["status", "school_placed", "placed_on", "decided_on"])
    record(
        AuditKind.CARE,
        actor=actor,
        obj=locked,
        detail={"action": "migrant_placed", "school": school_placed.pk, "days": locked.days_to_place},
    )
    return locked


@transaction.atomic
def migrant_request_refuse(
    *, actor: Any, request: MigrantRequest, reason: str, decided_on: dt.date
) -> MigrantRequest:
    locked = _lock_pending(actor, request)
    if not reason.strip():
        raise ValidationError({"reason": _("A refusal needs its reason.")})
    _not_future(decided_on, "decided_on")
    if decided_on < locked.applied_on:
        raise ValidationError({"decided_on": _("A request cannot be decided before it was made.")})
    locked.status = MigrantStatus.REFUSED
    locked.refusal_reason = reason.strip()[:200]
    locked.decided_on = decided_on
    locked.save(update_fields=["status", "refusal_reason", "decided_on"])
    record(
        AuditKind.CARE,
        actor=actor,
        obj=locked,
        detail={"action": "migrant_refused", "reason": locked.refusal_reason},
    )
    return locked


# ---- village teams -----------------------------------------------------------------------------


def _require_team(actor: Any, team: OrgUnit) -> None:
    if not selectors.may_manage_team(actor, team):
        raise PermissionDenied


@transaction.atomic
def team_member_add(
    *, actor: Any, team: OrgUnit, name: str, position: str, joined_on: dt.date, phone: str = ""
) -> TeamMember:
    _require_team(actor, team)
    member = TeamMember.objects.create(
        team=team, name=name.strip(), position=position.strip(), phone=phone.strip(), joined_on=joined_on
    )
    record(AuditKind.VILLAGE_TEAM, actor=actor, obj=member, detail={"action": "member_add", "team": team.pk})
    return member


@transaction.atomic
def team_member_leave(*, actor: Any, member: TeamMember, left_on: dt.date) -> TeamMember:
    locked = TeamMember.objects.select_for_update().select_related("team").get(pk=member.pk)
    _require_team(actor, locked.team)
    if locked.left_on is not None:
        raise ValidationError(_("This member has already left."))
    if left_on < locked.joined_on:
        raise ValidationError({"left_on": _("A member cannot leave before joining.")})
    locked.left_on = left_on
    locked.save(update_fields=["left_on"])
    record(AuditKind.VILLAGE_TEAM, actor=actor, obj=locked, detail={"action": "member_leave"})
    return locked


@transaction.atomic
def team_activity_record(
    *,
    actor: Any,
    team: OrgUnit,
    held_on: dt.date,
    title: str,
    participants: str,
    village: Village | None = None,
    participant_count: int | None = None,
    notes: str = "",
) -> TeamActivity:
    _require_team(actor, team)
    if village is not None and not team.villages.filter(pk=village.pk).exists():
        raise ValidationError({"village": _("The team does not work in this village.")})
    _not_future(held_on, "held_on")
    activity = TeamActivity.objects.create(
        team=team,
        village=village,
        held_on=held_on,
        title=title.strip(),
        participants=participants.strip(),
        participant_count=participant_count,
        notes=notes.strip(),
        recorded_by=actor,
    )
    record(
        AuditKind.VILLAGE_TEAM,
        actor=actor,
        obj=activity,
        detail={"action": "activity", "title": activity.title},
    )
    return activity


@transaction.atomic
def help_record_add(
    *,
    actor: Any,
    household: Household,
    helped_on: dt.date,
    kind: str,
    description: str,
    value_fen: int | None = None,
) -> HelpRecord:
    """What a household of the team's villages was helped with; only a village team records it."""
    team = actor.org_unit if actor is not None else None
    if team is None or not selectors.may_manage_team(actor, team):
        raise PermissionDenied
    if not households_visible_to(actor).filter(pk=household.pk).exists():
        raise PermissionDenied
    _not_future(helped_on, "helped_on")
    if value_fen is not None and value_fen <= 0:
        raise ValidationError({"value": _("A value, where given, is more than zero.")})
    help_row = HelpRecord.objects.create(
        household=household,
        team=team,
        helped_on=helped_on,
        kind=kind,
        description=description.strip(),
        value_fen=value_fen,
        recorded_by=actor,
    )
    record(
        AuditKind.VILLAGE_TEAM,
        actor=actor,
        obj=help_row,
        detail={"action": "help", "household": household.pk, "kind": kind, "value_fen": value_fen},
    )
    return help_row
