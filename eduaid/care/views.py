"""Pages of the care work: visits, left-behind children, migrant children, village teams.

Every record is fetched through its selector (outside the scope: 404); a role that may never write
a kind of record gets 403 on its forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.forms import Form
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.accounts.scope import scope_of
from eduaid.care import forms, rules, selectors, services
from eduaid.care.models import (
    LeftBehindChild,
    LeftBehindSituation,
    MigrantRequest,
    MigrantStatus,
    TeamMember,
    VisitKind,
)
from eduaid.care.rules import parse_actions
from eduaid.core import clock, idnumbers
from eduaid.core.http import AuthedHttpRequest
from eduaid.org.models import OrgUnit, Village
from eduaid.org.selectors import schools_visible_to, townships_visible_to
from eduaid.registry.models import Household, Person
from eduaid.registry.selectors import households_visible_to, persons_visible_to
from eduaid.registry.views import choice_param, int_param, masked_id

PAGE_SIZE = 50


def _require(user: Any, roles: frozenset[str]) -> None:
    if not selectors.may(user, roles):
        raise PermissionDenied


def _apply(form: Form, write: Callable[[], Any]) -> Any:
    """Runs a service; its ValidationError lands on the form. None when it failed."""
    try:
        return write()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return None


# ---- index -------------------------------------------------------------------------------------


@login_required
def index(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    role = selectors.role_of(user)
    overall, _schools = selectors.zero_barrier_figures(user)
    context = {
        "visits": selectors.visits_visible_to(user).count(),
        "open_actions": selectors.follow_ups_visible_to(user).filter(done_on__isnull=True).count(),
        "left_behind": selectors.open_left_behind_count(user),
        "migrants": overall,
        "show_migrants": role in COUNTY_ROLES or role in selectors.MIGRANT_ROLES,
        "teams": selectors.teams_visible_to(user).count(),
        "may_visit": selectors.may(user, selectors.VISIT_ROLES),
    }
    return render(request, "care/index.html", context)


# ---- visits ------------------------------------------------------------------------------------


def _visit_filter(request: AuthedHttpRequest) -> selectors.VisitFilter:
    return selectors.VisitFilter(
        kind=choice_param(request, "kind", VisitKind.choices),
        open_only=request.GET.get("open") == "1",
        mine=request.GET.get("mine") == "1",
    )


@login_required
def visit_list(request: AuthedHttpRequest) -> HttpResponse:
    f = _visit_filter(request)
    page = Paginator(selectors.visit_list(request.user, f), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": f,
        "filtered": f != selectors.VisitFilter(),
        "kinds": VisitKind.choices,
        "may_visit": selectors.may(request.user, selectors.VISIT_ROLES),
    }
    return render(request, "care/visit_list.html", context)


def _visit_form(
    request: AuthedHttpRequest, *, person: Person | None, household: Household | None
) -> HttpResponse:
    user = request.user
    _require(user, selectors.VISIT_ROLES)
    form = forms.VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        visit = _apply(
            form,
            lambda: services.visit_record(
                actor=user,
                person=person,
                household=household,
                visited_on=data["visited_on"],
                kind=data["kind"],
                companions=data["companions"],
                findings=data["findings"],
                needs=data["needs"],
                actions=parse_actions(data["actions"]),
            ),
        )
        if visit is not None:
            messages.success(request, _("The visit was recorded."))
            if person is not None:
                return redirect("registry:student_detail", pk=person.pk)
            return redirect("registry:household_detail", pk=household.pk)  # type: ignore[union-attr]
    context = {
        "form": form,
        "person": person,
        "household": household,
        "masked_id": masked_id(person) if person else "",
        "version": selectors.current_version(household) if household else None,
    }
    return render(request, "care/visit_form.html", context)


@login_required
def visit_new_for_student(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(persons_visible_to(request.user), pk=pk)
    return _visit_form(request, person=person, household=None)


@login_required
def visit_new_for_household(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(households_visible_to(request.user), pk=pk)
    return _visit_form(request, person=None, household=household)


def _visit_detail(
    request: AuthedHttpRequest, pk: int, close_form: tuple[int, Form] | None = None
) -> HttpResponse:
    visit = get_object_or_404(selectors.visit_rows(selectors.visits_visible_to(request.user)), pk=pk)
    context = {
        "visit": visit,
        "masked_id": masked_id(visit.person) if visit.person else "",
        "may_close": selectors.may(request.user, selectors.VISIT_ROLES),
        "close_form": forms.FollowUpCloseForm(),
        "failed": close_form,
    }
    return render(request, "care/visit_detail.html", context, status=400 if close_form else 200)


@login_required
def visit_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _visit_detail(request, pk)


@login_required
@require_POST
def follow_up_close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(selectors.follow_ups_visible_to(request.user), pk=pk)
    _require(request.user, selectors.VISIT_ROLES)
    form = forms.FollowUpCloseForm(request.POST)
    if form.is_valid():
        done = _apply(
            form,
            lambda: services.follow_up_close(
                actor=request.user,
                follow_up=follow_up,
                done_on=form.cleaned_data["done_on"],
                note=form.cleaned_data["note"],
            ),
        )
        if done is not None:
            messages.success(request, _("The action was closed."))
            return redirect("care:visit_detail", pk=follow_up.visit_id)
    return _visit_detail(request, follow_up.visit_id, close_form=(follow_up.pk, form))


# ---- left-behind children ----------------------------------------------------------------------


def _left_behind_filter(request: AuthedHttpRequest) -> selectors.LeftBehindFilter:
    return selectors.LeftBehindFilter(
        township=int_param(request, "township"),
        school=int_param(request, "school"),
        situation=choice_param(request, "situation", LeftBehindSituation.choices),
        ended=request.GET.get("ended") == "1",
        q=request.GET.get("q", "").strip()[:40],
    )


@login_required
def left_behind_list(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    f = _left_behind_filter(request)
    page = Paginator(selectors.left_behind_list(user, f), PAGE_SIZE).get_page(request.GET.get("page"))
    today = clock.today()
    for child in page.object_list:
        number = child.person.id_number
        child.aged_out = bool(  # type: ignore[attr-defined]
            number
            and child.ended_on is None
            and rules.sixteenth_birthday(idnumbers.birth_date(number)) <= today
        )
    schools = schools_visible_to(user).order_by("township__code", "code")
    if f.township is not None:
        schools = schools.filter(township_id=f.township)
    context = {
        "page": page,
        "filters": f,
        "filtered": f != selectors.LeftBehindFilter(),
        "townships": townships_visible_to(user),
        "schools": schools if scope_of(user).county is False or f.township is not None else schools.none(),
        "situations": LeftBehindSituation.choices,
        "may_register": selectors.may(user, selectors.LEFT_BEHIND_ROLES),
    }
    return render(request, "care/left_behind_list.html", context)


def _villages_for(user: Any) -> Any:
    """The villages a register entry may name: those of the user's townships and schools' townships."""
    scope = scope_of(user)
    townships = set(scope.township_ids) | set(
        schools_visible_to(user).exclude(township=None).values_list("township_id", flat=True)
    )
    return Village.objects.filter(Q(pk__in=scope.village_ids) | Q(township_id__in=townships)).select_related(
        "township"
    )


@login_required
def left_behind_new(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    _require(user, selectors.LEFT_BEHIND_ROLES)
    form = forms.LeftBehindForm(request.POST or None, villages=_villages_for(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        number = idnumbers.normalize(data["id_number"])
        person = persons_visible_to(user).filter(id_number=number).first()
        if person is None:
            form.add_error("id_number", _("No child with this ID number in your scope."))
        else:
            child = _apply(
                form,
                lambda: services.left_behind_register(
                    actor=user,
                    person=person,
                    situation=data["situation"],
                    unable_reason=data["unable_reason"],
                    guardian_name=data["guardian_name"],
                    guardian_relation=data["guardian_relation"],
                    guardian_phone=data["guardian_phone"],
                    village=data["village"],
                ),
            )
            if child is not None:
                messages.success(request, _("%(name)s was entered in the register.") % {"name": person.name})
                return redirect("care:left_behind_detail", pk=child.pk)
    return render(request, "care/left_behind_form.html", {"form": form})


def _left_behind_detail(
    request: AuthedHttpRequest,
    child: LeftBehindChild,
    *,
    care_form: Form | None = None,
    end_form: Form | None = None,
) -> HttpResponse:
    user = request.user
    context = {
        "child": child,
        "masked_id": masked_id(child.person),
        "person_visible": persons_visible_to(user).filter(pk=child.person_id).exists(),
        "records": child.care_records.select_related("recorded_by"),
        "may_care": selectors.may(user, selectors.CARE_ROLES) and child.ended_on is None,
        "may_end": selectors.may(user, selectors.LEFT_BEHIND_ROLES) and child.ended_on is None,
        "care_form": care_form or forms.CareRecordForm(),
        "end_form": end_form or forms.LeftBehindEndForm(),
        "today": clock.today(),
        "ages_out": rules.sixteenth_birthday(idnumbers.birth_date(child.person.id_number))
        if child.person.id_number
        else None,
    }
    failed = care_form is not None or end_form is not None
    return render(request, "care/left_behind_detail.html", context, status=400 if failed else 200)


@login_required
def left_behind_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    child = get_object_or_404(selectors.left_behind_visible_to(request.user), pk=pk)
    return _left_behind_detail(request, child)


@login_required
@require_POST
def care_record_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    child = get_object_or_404(selectors.left_behind_visible_to(request.user), pk=pk)
    _require(request.user, selectors.CARE_ROLES)
    form = forms.CareRecordForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = _apply(
            form,
            lambda: services.care_record_add(
                actor=request.user,
                child=child,
                kind=data["kind"],
                cared_on=data["cared_on"],
                carer=data["carer"],
                content=data["content"],
            ),
        )
        if done is not None:
            messages.success(request, _("The care record was added."))
            return redirect("care:left_behind_detail", pk=child.pk)
    return _left_behind_detail(request, child, care_form=form)


@login_required
@require_POST
def left_behind_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    child = get_object_or_404(selectors.left_behind_visible_to(request.user), pk=pk)
    _require(request.user, selectors.LEFT_BEHIND_ROLES)
    form = forms.LeftBehindEndForm(request.POST)
    if form.is_valid():
        done = _apply(
            form,
            lambda: services.left_behind_end(
                actor=request.user,
                child=child,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if done is not None:
            messages.success(request, _("The child left the register."))
            return redirect("care:left_behind_detail", pk=child.pk)
    return _left_behind_detail(request, child, end_form=form)


# ---- migrant children --------------------------------------------------------------------------


@login_required
def migrant_list(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    role = selectors.role_of(user)
    if role not in COUNTY_ROLES and role not in selectors.MIGRANT_ROLES:
        raise PermissionDenied
    status = choice_param(request, "status", MigrantStatus.choices)
    year = int_param(request, "year")
    qs = selectors.migrant_requests_visible_to(user)
    if year is not None:
        qs = qs.filter(applied_on__year=year)
    if status:
        qs = qs.filter(status=status)
    overall, per_school = selectors.zero_barrier_figures(user, year)
    years = sorted(
        {d.year for d in selectors.migrant_requests_visible_to(user).dates("applied_on", "year")},
        reverse=True,
    )
    context = {
        "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "overall": overall,
        "per_school": per_school,
        "county": scope_of(user).county,
        "statuses": MigrantStatus.choices,
        "status": status,
        "year": year,
        "years": years,
        "may_enter": selectors.may(user, selectors.MIGRANT_ROLES),
    }
    return render(request, "care/migrant_list.html", context)


@login_required
def migrant_new(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    _require(user, selectors.MIGRANT_ROLES)
    schools = schools_visible_to(user).order_by("code")
    form = forms.MigrantRequestForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = _apply(form, lambda: services.migrant_request_create(actor=user, **data))
        if created is not None:
            messages.success(request, _("The admission request was recorded."))
            return redirect("care:migrant_detail", pk=created.pk)
    return render(request, "care/migrant_form.html", {"form": form})


def _migrant_detail(
    request: AuthedHttpRequest,
    item: MigrantRequest,
    *,
    place_form: Form | None = None,
    refuse_form: Form | None = None,
) -> HttpResponse:
    user = request.user
    schools = schools_visible_to(user).order_by("code")
    context = {
        "item": item,
        "masked_id": idnumbers.mask(item.child_id_number),
        "may_decide": selectors.may(user, selectors.MIGRANT_ROLES) and item.status == MigrantStatus.PENDING,
        "place_form": place_form
        or forms.MigrantPlaceForm(schools=schools, initial={"school_placed": item.school_requested_id}),
        "refuse_form": refuse_form or forms.MigrantRefuseForm(),
    }
    failed = place_form is not None or refuse_form is not None
    return render(request, "care/migrant_detail.html", context, status=400 if failed else 200)


@login_required
def migrant_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.migrant_requests_visible_to(request.user), pk=pk)
    return _migrant_detail(request, item)


@login_required
@require_POST
def migrant_place(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.migrant_requests_visible_to(request.user), pk=pk)
    _require(request.user, selectors.MIGRANT_ROLES)
    form = forms.MigrantPlaceForm(request.POST, schools=schools_visible_to(request.user))
    if form.is_valid():
        data = form.cleaned_data
        done = _apply(
            form,
            lambda: services.migrant_request_place(
                actor=request.user,
                request=item,
                school_placed=data["school_placed"],
                placed_on=data["placed_on"],
            ),
        )
        if done is not None:
            messages.success(request, _("The child was placed."))
            return redirect("care:migrant_detail", pk=item.pk)
    return _migrant_detail(request, item, place_form=form)


@login_required
@require_POST
def migrant_refuse(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.migrant_requests_visible_to(request.user), pk=pk)
    _require(request.user, selectors.MIGRANT_ROLES)
    form = forms.MigrantRefuseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = _apply(
            form,
            lambda: services.migrant_request_refuse(
                actor=request.user, request=item, reason=data["reason"], decided_on=data["decided_on"]
            ),
        )
        if done is not None:
            messages.success(request, _("The refusal was recorded."))
            return redirect("care:migrant_detail", pk=item.pk)
    return _migrant_detail(request, item, refuse_form=form)


# ---- village teams -----------------------------------------------------------------------------


@login_required
def team_list(request: AuthedHttpRequest) -> HttpResponse:
    teams = list(
        selectors.teams_visible_to(request.user)
        .prefetch_related("villages__township")
        .annotate(
            members=Count("team_members", filter=Q(team_members__left_on__isnull=True), distinct=True),
            activities=Count("team_activities", distinct=True),
        )
        .order_by("name")
    )
    if len(teams) == 1 and selectors.role_of(request.user) == Role.VILLAGE_TEAM:
        return redirect("care:team_detail", pk=teams[0].pk)
    return render(request, "care/team_list.html", {"teams": teams})


def _team_detail(
    request: AuthedHttpRequest, team: OrgUnit, *, member_form: Form | None = None
) -> HttpResponse:
    user = request.user
    versions = list(selectors.team_households(team))
    household_ids = [v.household_id for v in versions]
    visits = dict(
        selectors.visits_visible_to(user)
        .filter(household_id__in=household_ids)
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )
    last_visit = dict(
        selectors.visits_visible_to(user)
        .filter(household_id__in=household_ids)
        .order_by()
        .values("household_id")
        .annotate(d=Max("visited_on"))
        .values_list("household_id", "d")
    )
    helps = dict(
        selectors.help_records_visible_to(user)
        .filter(household_id__in=household_ids)
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )
    visible = set(households_visible_to(user).filter(pk__in=household_ids).values_list("pk", flat=True))
    rows = [
        {
            "v": v,
            "visits": visits.get(v.household_id, 0),
            "last_visit": last_visit.get(v.household_id),
            "helps": helps.get(v.household_id, 0),
            "visible": v.household_id in visible,
        }
        for v in versions
        if v.household_id in visible
    ]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "team": team,
        "villages": team.villages.select_related("township"),
        "members": TeamMember.objects.filter(team=team),
        "activities": selectors.activities_visible_to(user).filter(team=team)[:20],
        "help_records": selectors.help_records_visible_to(user).filter(team=team)[:20],
        "page": page,
        "households_total": len(rows),
        "visited": sum(1 for r in rows if r["visits"]),
        "may_manage": selectors.may_manage_team(user, team),
        "member_form": member_form or forms.TeamMemberForm(),
        "today": clock.today(),
    }
    return render(request, "care/team_detail.html", context, status=400 if member_form else 200)


@login_required
def team_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(selectors.teams_visible_to(request.user), pk=pk)
    return _team_detail(request, team)


@login_required
@require_POST
def team_member_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(selectors.teams_visible_to(request.user), pk=pk)
    if not selectors.may_manage_team(request.user, team):
        raise PermissionDenied
    form = forms.TeamMemberForm(request.POST)
    if form.is_valid():
        done = _apply(
            form, lambda: services.team_member_add(actor=request.user, team=team, **form.cleaned_data)
        )
        if done is not None:
            messages.success(request, _("The member was added."))
            return redirect("care:team_detail", pk=team.pk)
    return _team_detail(request, team, member_form=form)


@login_required
@require_POST
def team_member_leave(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(selectors.team_members_visible_to(request.user), pk=pk)
    if not selectors.may_manage_team(request.user, member.team):
        raise PermissionDenied
    try:
        services.team_member_leave(actor=request.user, member=member, left_on=clock.today())
        messages.success(request, _("%(name)s left the team.") % {"name": member.name})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("care:team_detail", pk=member.team_id)


@login_required
def team_activity_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(selectors.teams_visible_to(request.user), pk=pk)
    if not selectors.may_manage_team(request.user, team):
        raise PermissionDenied
    form = forms.TeamActivityForm(request.POST or None, villages=team.villages.all())
    if request.method == "POST" and form.is_valid():
        done = _apply(
            form, lambda: services.team_activity_record(actor=request.user, team=team, **form.cleaned_data)
        )
        if done is not None:
            messages.success(request, _("The activity was recorded."))
            return redirect("care:team_detail", pk=team.pk)
    return render(request, "care/team_activity_form.html", {"form": form, "team": team})


@login_required
def help_new(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(households_visible_to(request.user), pk=pk)
    team = request.user.org_unit
    if team is None or not selectors.may_manage_team(request.user, team):
        raise PermissionDenied
    form = forms.HelpRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _apply(
            form,
            lambda: services.help_record_add(
                actor=request.user,
                household=household,
                helped_on=data["helped_on"],
                kind=data["kind"],
                description=data["description"],
                value_fen=form.value_fen(),
            ),
        )
        if done is not None:
            messages.success(request, _("The help was recorded."))
            return HttpResponseRedirect(reverse("registry:household_detail", kwargs={"pk": household.pk}))
    context = {"form": form, "household": household, "version": selectors.current_version(household)}
    return render(request, "care/help_form.html", context)
