"""Policy version pages (DESIGN §3): county roles read the table; the county administrator copies a
version into a draft, edits its amounts and publishes it as the next version.

Outside the county a version does not exist for a user (404 on details, 403 on the list); the write
endpoints do not exist for anyone but the administrator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.aid import services_policy
from eduaid.aid.forms import ItemAmountsForm, PublishForm
from eduaid.aid.models import EntitlementStatus, ItemKind, Payer, PolicyDraft, PolicyVersion
from eduaid.aid.pricing import yuan
from eduaid.aid.services import PolicyError, version_for
from eduaid.aid.services_policy import SPEC_FIELDS
from eduaid.core import clock
from eduaid.core.http import AuthedHttpRequest
from eduaid.registry import terms
from eduaid.registry.models import Stage, Term

# ---- access ------------------------------------------------------------------------------------


def _role(user: Any) -> str:
    return Role.COUNTY_ADMIN if user.is_superuser else user.role


def is_county(user: Any) -> bool:
    return _role(user) in COUNTY_ROLES


def is_admin(user: Any) -> bool:
    return _role(user) == Role.COUNTY_ADMIN


def _get_version_for(request: AuthedHttpRequest, pk: int) -> PolicyVersion:
    if not is_county(request.user):
        raise Http404
    return get_object_or_404(PolicyVersion, pk=pk)


def _get_draft_for(request: AuthedHttpRequest, pk: int, *, manage: bool) -> PolicyDraft:
    if not (is_admin(request.user) if manage else is_county(request.user)):
        raise Http404
    return get_object_or_404(PolicyDraft.objects.select_related("source", "published"), pk=pk)


# ---- showing items -----------------------------------------------------------------------------


@dataclass
class Case:
    conditions: str
    amount: str  # yuan with two decimals, "" when the item has no amount


@dataclass
class ItemRow:
    code: str
    name: str
    kind: str
    kind_label: str
    paid_by: str
    one_time: bool
    cases: list[Case]
    form: ItemAmountsForm | None = None
    case_fields: list[tuple[Case, Any]] = field(default_factory=list)


def conditions_text(case: dict[str, Any]) -> str:
    stage_labels = dict(Stage.choices)
    parts = ["、".join(str(stage_labels.get(s, s)) for s in case.get("stages", ()))]
    if "boarding" in case:
        parts.append(_("boarding") if case["boarding"] else _("day student"))
    if "in_province" in case:
        parts.append(_("in the province") if case["in_province"] else _("outside the province"))
    if "freshman" in case:
        parts.append(_("first year") if case["freshman"] else _("not first year"))
    return " · ".join(parts)


def item_row(spec: Any) -> ItemRow:
    """A row from a `PolicyItem` or from a draft's item spec (a dict with the same names)."""
    values = spec if isinstance(spec, dict) else {name: getattr(spec, name) for name in SPEC_FIELDS}
    kind, paid_by = str(values["kind"]), str(values["paid_by"])
    return ItemRow(
        code=str(values["code"]),
        name=str(values["name"]),
        kind=kind,
        kind_label=str(dict(ItemKind.choices).get(kind, kind)),
        paid_by=str(dict(Payer.choices).get(paid_by, paid_by)),
        one_time=bool(values["one_time"]),
        cases=[Case(conditions_text(case), yuan(case.get("fen"))) for case in values["rules"] or []],
    )


def version_status(version: PolicyVersion, today_term: str) -> str:
    if version.first_term > today_term:
        return "upcoming"
    return "in_force" if version.covers(today_term) else "closed"


# ---- pages -------------------------------------------------------------------------------------


@login_required
def policy_list(request: AuthedHttpRequest) -> HttpResponse:
    if not is_county(request.user):
        raise PermissionDenied
    today_term = terms.code_for(clock.today())
    versions = [(v, version_status(v, today_term)) for v in PolicyVersion.objects.order_by("-first_term")]
    drafts = PolicyDraft.objects.filter(published__isnull=True).select_related("source")
    context = {
        "versions": versions,
        "drafts": drafts,
        "today_term": today_term,
        "can_manage": is_admin(request.user),
        "stale": _stale_rows(services_policy.stale_terms()),
    }
    return render(request, "aid/policy_list.html", context)


def _stale_rows(stale: list[services_policy.StaleTerm]) -> list[dict[str, Any]]:
    labels = dict(EntitlementStatus.choices)
    return [
        {
            "s": s,
            "beyond": "、".join(f"{labels.get(status, status)} {n}" for status, n in s.beyond.items()),
        }
        for s in stale
    ]


@login_required
@require_POST
def reprice(request: AuthedHttpRequest) -> HttpResponse:
    """Price a term again under the version now in force (only while nothing is confirmed)."""
    if not is_admin(request.user):
        raise Http404
    term = get_object_or_404(Term, code=request.POST.get("term", ""))
    try:
        outcome = services_policy.term_reprice(term=term, actor=request.user)
    except PolicyError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Term %(term)s priced again under %(version)s: %(rows)s entitlements, %(updated)s changed.")
            % {
                "term": term.code,
                "version": outcome.version,
                "rows": outcome.summary["rows"],
                "updated": outcome.summary["updated"]
                + outcome.summary["created"]
                + outcome.summary["deleted"],
            },
        )
    if request.POST.get("back") == "detail":
        return redirect("aid:policy_detail", pk=version_for(term.code).pk)
    return redirect("aid:policy_list")


@login_required
def policy_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    version = _get_version_for(request, pk)
    today_term = terms.code_for(clock.today())
    context = {
        "version": version,
        "status": version_status(version, today_term),
        "items": [item_row(item) for item in version.items.order_by("position", "pk")],
        "approved_terms": services_policy.approved_terms(version),
        "can_manage": is_admin(request.user),
        "stale": _stale_rows(services_policy.stale_terms(version)),
    }
    return render(request, "aid/policy_detail.html", context)


@login_required
@require_POST
def policy_copy(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    if not is_admin(request.user):
        raise Http404
    version = get_object_or_404(PolicyVersion, pk=pk)
    draft = services_policy.policy_draft_copy(version=version, actor=request.user)
    messages.success(request, _("A draft copy was made: edit its amounts, then publish it."))
    return redirect("aid:policy_draft", pk=draft.pk)


def _next_term(code: str) -> str:
    first_year, half = terms.parse(code)
    return f"{first_year}-{first_year + 1}-2" if half == 1 else f"{first_year + 1}-{first_year + 2}-1"


def _suggested_first_term(today_term: str) -> str:
    """The next term after today's and after every version already added."""
    latest = PolicyVersion.objects.order_by("-first_term").values_list("first_term", flat=True).first()
    start = max(today_term, latest or today_term)
    return _next_term(start)


def _draft_page(
    request: AuthedHttpRequest,
    draft: PolicyDraft,
    *,
    bound: tuple[str, ItemAmountsForm] | None = None,
    publish_form: PublishForm | None = None,
    status: int = 200,
) -> HttpResponse:
    manage = is_admin(request.user) and draft.published_id is None
    rows = []
    for spec in draft.items:
        row = item_row(spec)
        if manage and any(case.get("fen") is not None for case in spec["rules"]):
            if bound is not None and bound[0] == spec["code"]:
                row.form = bound[1]
            else:
                row.form = ItemAmountsForm(rules=spec["rules"], prefix=spec["code"])
            row.case_fields = [
                (case, row.form[f"case_{i}"] if f"case_{i}" in row.form.fields else None)
                for i, case in enumerate(row.cases)
            ]
        rows.append(row)
    today_term = terms.code_for(clock.today())
    first_term = _suggested_first_term(today_term)
    context = {
        "draft": draft,
        "items": rows,
        "can_manage": manage,
        "publish_form": publish_form
        or PublishForm(initial={"name": draft.source.name, "first_term": first_term}),
    }
    return render(request, "aid/policy_draft.html", context, status=status)


@login_required
def policy_draft(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _draft_page(request, _get_draft_for(request, pk, manage=False))


@login_required
@require_POST
def policy_draft_item(request: AuthedHttpRequest, pk: int, code: str) -> HttpResponse:
    draft = _get_draft_for(request, pk, manage=True)
    spec = next((s for s in draft.items if s["code"] == code), None)
    if spec is None:
        raise Http404
    form = ItemAmountsForm(request.POST, rules=spec["rules"], prefix=code)
    if form.is_valid():
        try:
            services_policy.policy_draft_amounts_set(
                draft=draft, code=code, amounts_fen=form.amounts_fen(), actor=request.user
            )
        except PolicyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Amounts of %(item)s saved.") % {"item": spec["name"]})
            return redirect(reverse("aid:policy_draft", kwargs={"pk": draft.pk}) + f"#item-{code}")
    return _draft_page(request, draft, bound=(code, form), status=400)


@login_required
@require_POST
def policy_draft_publish(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    draft = _get_draft_for(request, pk, manage=True)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            version = services_policy.policy_draft_publish(
                draft=draft,
                first_term=form.cleaned_data["first_term"],
                name=form.cleaned_data["name"],
                actor=request.user,
            )
        except PolicyError as error:
            form.add_error("first_term", str(error))
        else:
            messages.success(request, _("Published: the new version is in force from %(term)s.")
                             % {"term": version.first_term})  # fmt: skip
            return redirect("aid:policy_detail", pk=version.pk)
    return _draft_page(request, draft, publish_form=form, status=400)


@login_required
@require_POST
def policy_draft_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    draft = _get_draft_for(request, pk, manage=True)
    try:
        services_policy.policy_draft_delete(draft=draft, actor=request.user)
    except PolicyError as error:
        messages.error(request, str(error))
        return redirect("aid:policy_draft", pk=draft.pk)
    messages.success(request, _("Draft deleted."))
    return redirect("aid:policy_list")
