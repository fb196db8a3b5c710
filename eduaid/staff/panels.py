"""What staff adds to the home page (a teacher's students; the coverage of the other levels) and to
the student profile (the child's responsible teacher). Each is scoped like any view."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.registry.selectors import persons_visible_to
from eduaid.staff import selectors, services

HOME_LIMIT = 8
COVERAGE_ROLES = frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER})


def _role(user: Any) -> str:
    return Role.COUNTY_ADMIN if user.is_superuser else user.role


def home_panel(request: Any) -> str:
    user = request.user
    role = _role(user)
    if role == Role.TEACHER:
        mine = selectors.my_students(user)
        count = mine.count()
        rows = []
        if count:
            items = list(mine[:HOME_LIMIT])
            enrolments = selectors.enrolments_of([r.person_id for r in items])
            rows = [{"person": r.person, "enrolment": enrolments.get(r.person_id)} for r in items]
        context = {"count": count, "rows": rows, "more": max(count - HOME_LIMIT, 0)}
        return render_to_string("staff/_home_teacher.html", context, request=request)
    if role in COVERAGE_ROLES:
        totals = selectors.need_totals(user, selectors.current_run())
        if not totals.total:
            return ""
        return render_to_string("staff/_home_coverage.html", {"totals": totals}, request=request)
    return ""


def profile_section(request: Any, person: Any) -> str:
    """The child's 责任人 on their profile, for whoever may see the child."""
    user = request.user
    if not persons_visible_to(user).filter(pk=person.pk).exists():
        return ""
    teacher = selectors.responsible_teacher_for(person)
    context = {
        "person": person,
        "teacher": teacher,
        "own": teacher is not None and teacher.user_id == user.pk,
        "may_assign": services.is_writer(user) and _role(user) != Role.TEACHER,
        "history": selectors.responsibility_history(person)[:5],
    }
    return render_to_string("staff/_profile.html", context, request=request)
