"""Every URL that takes an object id is scoped: an outsider gets 404, never the record.

The test walks Django's resolver, so a new pattern with an id fails here until it is listed
in SCOPED with an object that lies outside the scopes of the roles checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from eduaid.care.tests import factories as care
from eduaid.conftest import Cast, RegistryCast
from eduaid.payments.tests import factories as payments
from eduaid.staff.tests import factories as staff
from eduaid.uploads.tests.factories import job_for

NON_COUNTY = ["township_officer", "school_officer", "teacher", "village_team"]
NOT_ADMIN = ["aid_center", "leader", "inspector", *NON_COUNTY]
NOT_IMPORTER = ["leader", "inspector", *NON_COUNTY]
PAYMENT_READERS = ["township_officer", "school_officer"]  # teachers and village teams get 403


def _policy() -> Any:
    from eduaid.aid.models import PolicyVersion

    return PolicyVersion.objects.order_by("first_term").first()


def _review_notice(r: RegistryCast) -> Any:
    from eduaid.review.tests.helpers import published

    return published(r, r.cast.school_b)


def _draft() -> Any:
    from eduaid.aid.services_policy import policy_draft_copy

    return policy_draft_copy(version=_policy(), actor=None)


def _loan(r: RegistryCast) -> Any:
    from eduaid.aid.models import LoanApplication

    return LoanApplication.objects.create(
        person=r.person("college_kid"), school_year="2023-2024", college="郑州大学", stage="undergraduate",
        amount_fen=800000, cap_fen=1200000, version=_policy(), category="unstable_exited",
    )  # fmt: skip


def _dropout_case(r: RegistryCast) -> Any:
    from eduaid.dropout.models import DropoutCase

    return DropoutCase.objects.get(person=r.person("dropped_kid"))  # school_b, village_b; synced by the match


# url name -> (method, kwargs of an object outside every listed role's scope, roles)
SCOPED: dict[str, tuple[str, Callable[[RegistryCast], dict[str, Any]], list[str]]] = {
    "org:township_detail": ("get", lambda r: {"pk": r.cast.township_b.pk}, NON_COUNTY),
    "org:school_detail": ("get", lambda r: {"pk": r.cast.school_b.pk}, NON_COUNTY),
    "org:village_detail": ("get", lambda r: {"pk": r.cast.village_b.pk}, NON_COUNTY),
    "accounts:user_detail": ("get", lambda r: {"pk": r.cast.user("county_admin").pk}, NOT_ADMIN),
    "accounts:user_reset_password": ("post", lambda r: {"pk": r.cast.user("county_admin").pk}, NOT_ADMIN),
    "accounts:user_set_active": ("post", lambda r: {"pk": r.cast.user("county_admin").pk}, NOT_ADMIN),
    "api:get_school": ("get", lambda r: {"school_id": r.cast.school_b.pk}, NON_COUNTY),
    # a pupil of school_b living in village_b, and that household
    "registry:student_detail": ("get", lambda r: {"pk": r.person("hardship_kid").pk}, NON_COUNTY),
    "registry:student_reveal": ("post", lambda r: {"pk": r.person("hardship_kid").pk}, NON_COUNTY),
    "registry:household_detail": ("get", lambda r: {"pk": r.households["hardship"].pk}, NON_COUNTY),
    # staff: a teacher of school_b, a pupil of school_b, school_b's strategy
    "staff:teacher_detail": ("get", lambda r: {"pk": staff.outside_teacher(r.cast).pk}, NON_COUNTY),
    "staff:teacher_edit": ("get", lambda r: {"pk": staff.outside_teacher(r.cast).pk}, NON_COUNTY),
    "staff:teacher_login": ("post", lambda r: {"pk": staff.outside_teacher(r.cast).pk}, NON_COUNTY),
    "staff:reassign": ("get", lambda r: {"pk": r.person("hardship_kid").pk}, NON_COUNTY),
    "staff:strategy_detail": ("get", lambda r: {"pk": staff.outside_strategy(r.cast).pk}, NON_COUNTY),
    "staff:strategy_edit": ("get", lambda r: {"pk": staff.outside_strategy(r.cast).pk}, NON_COUNTY),
    # import jobs belong to the county importers (county_admin, aid_center); for other roles none exist
    "uploads:job_detail": ("get", lambda r: {"pk": job_for(r.cast).pk}, NOT_IMPORTER),
    "uploads:job_status": ("get", lambda r: {"pk": job_for(r.cast).pk}, NOT_IMPORTER),
    "uploads:job_confirm": ("post", lambda r: {"pk": job_for(r.cast).pk}, NOT_IMPORTER),
    "uploads:job_resume": ("post", lambda r: {"pk": job_for(r.cast).pk}, NOT_IMPORTER),
    "uploads:job_reset": ("post", lambda r: {"pk": job_for(r.cast).pk}, NOT_IMPORTER),
    "uploads:rejected_download": ("get", lambda r: {"pk": job_for(r.cast).pk}, NOT_IMPORTER),
    # the policy table is the county's: read by county roles, managed by the administrator only
    "aid:policy_detail": ("get", lambda r: {"pk": _policy().pk}, NON_COUNTY),
    "aid:policy_copy": ("post", lambda r: {"pk": _policy().pk}, NOT_ADMIN),
    "aid:policy_draft": ("get", lambda r: {"pk": _draft().pk}, NON_COUNTY),
    "aid:policy_draft_item": ("post", lambda r: {"pk": _draft().pk, "code": "nutrition"}, NOT_ADMIN),
    "aid:policy_draft_publish": ("post", lambda r: {"pk": _draft().pk}, NOT_ADMIN),
    "aid:policy_draft_delete": ("post", lambda r: {"pk": _draft().pk}, NOT_ADMIN),
    # a public notice of school_b; the public link opens by its unguessable token alone (none other exists)
    "review:notice_detail": ("get", lambda r: {"pk": _review_notice(r).pk}, NON_COUNTY),
    "review:notice_print": ("get", lambda r: {"pk": _review_notice(r).pk}, NON_COUNTY),
    "review:notice_xlsx": ("get", lambda r: {"pk": _review_notice(r).pk}, NON_COUNTY),
    "review:notice_public": ("get", lambda r: {"token": "guessed-token"}, NON_COUNTY),
    # loan applications are entered and moved along by the aid centre and the administrator only
    "aid:loan_status": ("post", lambda r: {"pk": _loan(r).pk}, NOT_IMPORTER),
    # a dropout case of school_b's pupil living in village_b, assigned to no teacher
    "dropout:case_detail": ("get", lambda r: {"pk": _dropout_case(r).pk}, NON_COUNTY),
    "dropout:case_move": ("post", lambda r: {"pk": _dropout_case(r).pk}, NON_COUNTY),
    "dropout:case_attempt": ("post", lambda r: {"pk": _dropout_case(r).pk}, NON_COUNTY),
    "dropout:case_legal": ("post", lambda r: {"pk": _dropout_case(r).pk}, NON_COUNTY),
    "dropout:case_letter": ("get", lambda r: {"pk": _dropout_case(r).pk}, NON_COUNTY),
    # care records about school_b's pupil and household in village_b, a team working in village_b
    "care:visit_new_for_student": ("get", lambda r: {"pk": r.person("hardship_kid").pk}, NON_COUNTY),
    "care:visit_new_for_household": ("get", lambda r: {"pk": r.households["hardship"].pk}, NON_COUNTY),
    "care:visit_detail": ("get", lambda r: {"pk": care.outside_visit(r).pk}, NON_COUNTY),
    "care:follow_up_close": ("post", lambda r: {"pk": care.outside_follow_up(r).pk}, NON_COUNTY),
    "care:left_behind_detail": ("get", lambda r: {"pk": care.outside_left_behind(r).pk}, NON_COUNTY),
    "care:care_record_add": ("post", lambda r: {"pk": care.outside_left_behind(r).pk}, NON_COUNTY),
    "care:left_behind_end": ("post", lambda r: {"pk": care.outside_left_behind(r).pk}, NON_COUNTY),
    "care:migrant_detail": ("get", lambda r: {"pk": care.outside_migrant(r).pk}, NON_COUNTY),
    "care:migrant_place": ("post", lambda r: {"pk": care.outside_migrant(r).pk}, NON_COUNTY),
    "care:migrant_refuse": ("post", lambda r: {"pk": care.outside_migrant(r).pk}, NON_COUNTY),
    "care:team_detail": ("get", lambda r: {"pk": care.outside_team(r).pk}, NON_COUNTY),
    "care:team_member_add": ("post", lambda r: {"pk": care.outside_team(r).pk}, NON_COUNTY),
    "care:team_activity_new": ("get", lambda r: {"pk": care.outside_team(r).pk}, NON_COUNTY),
    "care:team_member_leave": ("post", lambda r: {"pk": care.outside_member(r).pk}, NON_COUNTY),
    "care:help_new": ("get", lambda r: {"pk": r.households["hardship"].pk}, NON_COUNTY),
    # bank accounts of school_b's pupil; batches and bank returns are the county's; an accounts sheet
    # is its uploader's
    "payments:account_detail": ("get", lambda r: {"pk": r.person("hardship_kid").pk}, PAYMENT_READERS),
    "payments:account_edit": ("get", lambda r: {"pk": r.person("hardship_kid").pk}, PAYMENT_READERS),
    "payments:flag_resolve": ("post", lambda r: {"pk": r.person("hardship_kid").pk}, PAYMENT_READERS),
    "payments:account_import_detail": (
        "get",
        lambda r: {"pk": payments.outside_accounts_upload(r).pk},
        ["aid_center", "leader", "inspector", *PAYMENT_READERS],
    ),
    "payments:batch_detail": ("get", lambda r: {"pk": payments.outside_batch(r).pk}, NON_COUNTY),
    "payments:bank_file": ("get", lambda r: {"pk": payments.outside_batch(r).pk}, NON_COUNTY),
    "payments:return_upload": ("post", lambda r: {"pk": payments.outside_batch(r).pk}, NON_COUNTY),
    "payments:return_detail": ("get", lambda r: {"pk": payments.outside_return(r).pk}, NON_COUNTY),
    "payments:return_apply": ("post", lambda r: {"pk": payments.outside_return(r).pk}, NON_COUNTY),
}

# Patterns with ids that are not records of ours (static files served by Django itself).
IGNORED_PREFIXES = ("static/",)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, bool]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            has_param = bool(entry.pattern.regex.groupindex) or "<" in route
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or route)
            yield name, route, has_param


def test_every_url_with_an_id_is_listed_as_scoped() -> None:
    uncovered = [
        f"{name} ({route})"
        for name, route, has_param in _walk(get_resolver().url_patterns)
        if has_param and name not in SCOPED and not route.startswith(IGNORED_PREFIXES)
    ]
    assert uncovered == [], "URL patterns with an object id but no scope test: " + ", ".join(uncovered)


def _cases() -> list[tuple[str, str]]:
    return [(name, role) for name, (_m, _k, roles) in SCOPED.items() for role in roles]


@pytest.mark.parametrize(("name", "role"), _cases())
def test_outsider_gets_404(client: Any, registry_cast: RegistryCast, name: str, role: str) -> None:
    method, kwargs, _roles = SCOPED[name]
    client.force_login(registry_cast.cast.user(role))
    url = reverse(name, kwargs=kwargs(registry_cast))
    response = getattr(client, method)(url)
    assert response.status_code == 404, f"{role} got {response.status_code} on {url}"


@pytest.mark.parametrize(
    ("name", "role", "target"),
    [
        ("org:school_detail", "school_officer", "school_a"),
        ("org:school_detail", "township_officer", "school_a2"),
        ("org:school_detail", "leader", "school_b"),
        ("org:township_detail", "township_officer", "township_a"),
        ("org:village_detail", "village_team", "village_a"),
        ("api:get_school", "school_officer", "school_a"),
    ],
)
def test_insider_sees_the_record(client: Any, cast: Cast, name: str, role: str, target: str) -> None:
    client.force_login(cast.user(role))
    key = "school_id" if name.startswith("api:") else "pk"
    response = client.get(reverse(name, kwargs={key: getattr(cast, target).pk}))
    assert response.status_code == 200


def test_school_officer_lists_only_their_school(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("school_officer"))
    page = client.get(reverse("org:school_list")).content.decode()
    assert cast.school_a.name in page
    assert cast.school_b.name not in page
    assert cast.school_a2.name not in page
    api = client.get(reverse("api:list_schools")).json()
    assert [s["code"] for s in api] == [cast.school_a.code]


def test_teacher_sees_no_school_until_students_are_assigned(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("teacher"))
    assert client.get(reverse("api:list_schools")).json() == []
    assert client.get(reverse("org:school_detail", kwargs={"pk": cast.school_a.pk})).status_code == 404


@pytest.mark.parametrize(
    ("name", "role", "method", "target"),
    [
        ("registry:student_detail", "school_officer", "get", "poor_kid"),
        ("registry:student_detail", "township_officer", "get", "unstable_kid"),
        ("registry:student_detail", "township_officer", "get", "out_kid"),  # a child living in its village
        ("registry:student_detail", "village_team", "get", "out_kid"),
        ("registry:student_detail", "leader", "get", "hardship_kid"),
        ("registry:student_reveal", "school_officer", "post", "no_id_kid"),
        ("registry:student_reveal", "aid_center", "post", "hardship_kid"),
        ("registry:household_detail", "village_team", "get", "poor"),
        ("registry:household_detail", "township_officer", "get", "marginal"),
        ("registry:household_detail", "school_officer", "get", "no_policy"),  # a school_a pupil's home
        ("registry:household_detail", "inspector", "get", "hardship"),
    ],
)
def test_insider_sees_the_registry_record(
    client: Any, registry_cast: RegistryCast, name: str, role: str, method: str, target: str
) -> None:
    client.force_login(registry_cast.cast.user(role))
    pk = (
        registry_cast.households[target].pk
        if name.endswith("household_detail")
        else registry_cast.person(target).pk
    )
    response = getattr(client, method)(reverse(name, kwargs={"pk": pk}))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("teacher", "poor_kid"),  # nothing is assigned to a teacher yet
        ("village_team", "hardship_kid"),
        ("school_officer", "unstable_kid"),  # school_a2, the other school of the township
        ("school_officer", "college_kid"),
    ],
)
def test_students_outside_the_scope_do_not_exist(
    client: Any, registry_cast: RegistryCast, role: str, target: str
) -> None:
    client.force_login(registry_cast.cast.user(role))
    pk = registry_cast.person(target).pk
    assert client.get(reverse("registry:student_detail", kwargs={"pk": pk})).status_code == 404


def test_the_village_team_sees_only_its_villages_households(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("village_team"))
    for key in ("hardship", "no_policy"):
        pk = registry_cast.households[key].pk
        assert client.get(reverse("registry:household_detail", kwargs={"pk": pk})).status_code == 404
