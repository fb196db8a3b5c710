"""What a user may see, derived once from their role and org unit.

Every selector starts from `scope_of(user)`; nothing else decides visibility.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Value

from eduaid.accounts.roles import COUNTY_ROLES, Role


@dataclass(frozen=True)
class Scope:
    county: bool = False
    township_ids: frozenset[int] = field(default_factory=frozenset)
    school_ids: frozenset[int] = field(default_factory=frozenset)
    village_ids: frozenset[int] = field(default_factory=frozenset)
    teacher_user_id: int | None = None


COMMAND_LINE = Scope(county=True)


def scope_of(user) -> Scope:  # type: ignore[no-untyped-def]
    """`None` is the built-in command-line actor, which has county scope (DESIGN §4)."""
    if user is None:
        return COMMAND_LINE
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_eduaid_scope", None)
    if cached is not None:
        return cached
    scope = _compute(user)
    user._eduaid_scope = scope
    return scope


def _compute(user) -> Scope:  # type: ignore[no-untyped-def]
    if user.is_superuser or user.role in COUNTY_ROLES:
        return Scope(county=True)
    unit = user.org_unit
    if unit is None:
        return Scope()
    if user.role == Role.TOWNSHIP_OFFICER and unit.township_id:
        return _township_scope(unit.township_id)
    if user.role == Role.SCHOOL_OFFICER and unit.school_id:
        return Scope(school_ids=frozenset({unit.school_id}))
    if user.role == Role.TEACHER:
        # A teacher sees only the students and cases assigned to them.
        return Scope(teacher_user_id=user.pk)
    if user.role == Role.VILLAGE_TEAM:
        return Scope(village_ids=frozenset(unit.villages.values_list("pk", flat=True)))
    return Scope()


def _township_scope(township_id: int) -> Scope:
    """The township's schools and villages, in one query (every request of a township officer)."""
    from eduaid.org.models import School, Village

    schools = (
        School.objects.filter(township_id=township_id)
        .order_by()
        .annotate(kind=Value("s"))
        .values_list("kind", "pk")
    )
    villages = (
        Village.objects.filter(township_id=township_id)
        .order_by()
        .annotate(kind=Value("v"))
        .values_list("kind", "pk")
    )
    rows = list(schools.union(villages, all=True))
    return Scope(
        township_ids=frozenset({township_id}),
        school_ids=frozenset(pk for kind, pk in rows if kind == "s"),
        village_ids=frozenset(pk for kind, pk in rows if kind == "v"),
    )
