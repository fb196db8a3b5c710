"""The review pages: 学校审核, 公示 and 异议, 审批, and the working-day calendar. Thin: every write is a
service, every read a scoped selector."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.aid.models import EntitlementStatus
from eduaid.aid.pricing import yuan
from eduaid.aid.services import PolicyError, version_for
from eduaid.core import clock, idnumbers
from eduaid.core.http import AuthedHttpRequest
from eduaid.core.models import WorkdayOverride
from eduaid.matching import engine
from eduaid.matching.describe import category_label
from eduaid.org.selectors import schools_visible_to
from eduaid.registry.models import Term
from eduaid.registry.selectors import students_visible_to
from eduaid.review import rules, selectors, services
from eduaid.review.models import Notice, ObjectionStatus

S = EntitlementStatus
PAGE_SIZE = 100
READERS = frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER})
APPROVERS = frozenset({Role.AID_CENTER, Role.COUNTY_ADMIN})
COLLEGE = "college"
MAIN_STEPS = frozenset({S.COMPUTED, S.SCHOOL_CONFIRMED, S.IN_NOTICE, S.NOTICE_PASSED, S.APPROVED, S.REJECTED})


def _role(user: Any) -> str:
    return Role.COUNTY_ADMIN if user.is_superuser else str(user.role)


def _require(user: Any, roles: frozenset[str]) -> None:
    if _role(user) not in roles:
        raise PermissionDenied


def _term(request: HttpRequest) -> Term:
    code = (request.GET.get("term") or request.POST.get("term") or "").strip()
    term = Term.objects.filter(code=code).first() if code else selectors.current_term()
    if term is None:
        term = Term.objects.order_by("-code").first()
    if term is None:
        raise Http404
    return term


def _school_choice(request: AuthedHttpRequest) -> tuple[int | None, list[Any]]:
    """The school the page is about (None: the college list) and the schools to choose from."""
    schools = list(schools_visible_to(request.user).order_by("township__code", "code"))
    raw = request.GET.get("school") or request.POST.get("school") or ""
    county = _role(request.user) in COUNTY_ROLES
    if raw == COLLEGE and county:
        return None, schools
    if raw.isdigit() and any(s.pk == int(raw) for s in schools):
        return int(raw), schools
    if not county and schools:
        return schools[0].pk, schools
    if county:
        return None, schools
    raise Http404


def _masked(person: Any) -> str:
    if person.id_number:
        return idnumbers.mask(person.id_number)
    key = person.student_key or ""
    return key[:1] + idnumbers.mask(key[1:]) if key else ""


def _back(request: HttpRequest, name: str, **params: Any) -> HttpResponse:
    query = "&".join(f"{k}={v}" for k, v in params.items() if v not in (None, ""))
    return redirect(reverse(name) + (f"?{query}" if query else ""))


# ---- 学校审核 --------------------------------------------------------------------------------------


@login_required
def school_review(request: AuthedHttpRequest) -> HttpResponse:
    _require(request.user, READERS)
    term = _term(request)
    school_id, schools = _school_choice(request)
    if request.method == "POST":
        _review_action(request)
        return _back(
            request,
            "review:school_review",
            term=term.code,
            school=COLLEGE if school_id is None else school_id,
            status=request.POST.get("status_filter", ""),
        )
    qs = selectors.review_rows(request.user, term, school_id)
    counts = selectors.status_counts(qs)
    status = request.GET.get("status", "")
    if status in S.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "e": e,
            "masked_id": _masked(e.person),
            "amount": yuan(e.amount_fen),
            "category": category_label(e.category),
        }
        for e in page.object_list
    ]
    context = {
        "term": term,
        "term_codes": list(Term.objects.order_by("-code").values_list("code", flat=True)),
        "school_id": school_id,
        "school_key": COLLEGE if school_id is None else school_id,
        "school": next((s for s in schools if s.pk == school_id), None),
        "schools": schools,
        "county": _role(request.user) in COUNTY_ROLES,
        "can_act": services.may_review(request.user, school_id),
        "approver": _role(request.user) in APPROVERS,
        "admin": _role(request.user) == Role.COUNTY_ADMIN,
        "status_tabs": [(v, label, counts[v]) for v, label in S.choices if counts[v] or v in MAIN_STEPS],
        "status": status if status in S.values else "",
        "statuses": S.choices,
        "page": page,
        "rows": rows,
    }
    return render(request, "review/school_review.html", context)


def _review_action(request: AuthedHttpRequest) -> None:
    action = request.POST.get("action", "")
    visible = selectors.review_rows(request.user, _term(request), _school_choice(request)[0])
    try:
        if action == "confirm":
            ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
            ids = list(visible.filter(pk__in=ids).values_list("pk", flat=True))
            moved = services.entitlements_confirm(
                ids=ids, actor=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("%(n)s entitlements confirmed.") % {"n": len(moved)})
        elif action in ("reject", "reopen"):
            row = get_object_or_404(visible, pk=request.POST.get("id", "0") or 0)
            reason = request.POST.get("reason", "")
            if action == "reject":
                services.entitlement_reject(entitlement_id=row.pk, actor=request.user, reason=reason)
                messages.success(request, _("Rejected: %(name)s.") % {"name": row.person.name})
            else:
                services.entitlement_reopen(entitlement_id=row.pk, actor=request.user, reason=reason)
                messages.success(request, _("Reopened: %(name)s.") % {"name": row.person.name})
        else:
            raise Http404
    except services.TransitionRefused as error:
        messages.error(request, str(error))


@login_required
def add_manual(request: AuthedHttpRequest) -> HttpResponse:
    """A student the match missed: found by ID number or 学籍号 among the school's students."""
    _require(request.user, frozenset({Role.SCHOOL_OFFICER}))
    term = _term(request)
    school_id, schools = _school_choice(request)
    school = next((s for s in schools if s.pk == school_id), None)
    if school is None:
        raise Http404
    try:
        items = list(version_for(term.code).items.exclude(kind="loan").order_by("position"))
    except PolicyError:
        items = []
    values = {k: request.POST.get(k, "").strip() for k in ("id_number", "item", "category", "evidence")}
    status = 200
    if request.method == "POST":
        key = values["id_number"].upper()
        person = (
            students_visible_to(request.user).filter(enrolments__school=school).filter(id_number=key).first()
            or students_visible_to(request.user).filter(enrolments__school=school, student_key=key).first()
        )
        if person is None:
            messages.error(request, _("No student with this ID number is enrolled at your school."))
            status = 400
        else:
            try:
                added = services.entitlement_add_manual(
                    person=person,
                    school=school,
                    term=term,
                    item_code=values["item"],
                    category=values["category"],
                    evidence=values["evidence"],
                    actor=request.user,
                )
            except services.TransitionRefused as error:
                messages.error(request, str(error))
                status = 400
            else:
                messages.success(
                    request,
                    _("Added %(name)s: %(item)s, %(amount)s yuan.")
                    % {"name": person.name, "item": added.item.name, "amount": yuan(added.amount_fen) or "—"},
                )
                return _back(request, "review:school_review", term=term.code, school=school.pk)
    context = {
        "term": term,
        "school": school,
        "items": items,
        "categories": [(c, category_label(c)) for c in engine.CATEGORIES],
        "values": values,
    }
    return render(request, "review/add_manual.html", context, status=status)


# ---- 公示 ------------------------------------------------------------------------------------------


def _notice_state(notice: Notice, today: dt.date) -> str:
    if rules.notice_over(notice.ends_on, today):
        return "over"
    return "running" if rules.notice_running(notice.starts_on, notice.ends_on, today) else "scheduled"


@login_required
def notice_list(request: AuthedHttpRequest) -> HttpResponse:
    _require(request.user, READERS)
    term = _term(request)
    school_id, schools = _school_choice(request)
    if request.method == "POST":
        try:
            starts_on = dt.date.fromisoformat(request.POST.get("starts_on", ""))
        except ValueError:
            messages.error(request, _("Enter the start date as YYYY-MM-DD."))
        else:
            school = next((s for s in schools if s.pk == school_id), None)
            try:
                notice = services.notice_publish(
                    term=term,
                    school=school,
                    starts_on=starts_on,
                    actor=request.user,
                    public_link=bool(request.POST.get("public_link")),
                )
            except services.NoticeError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("Published: %(n)s entitlements in public notice until %(end)s.")
                    % {"n": notice.entries.count(), "end": notice.ends_on},
                )
                return redirect("review:notice_detail", pk=notice.pk)
        return _back(
            request, "review:notice_list", term=term.code, school=COLLEGE if school_id is None else school_id
        )
    today = clock.today()
    notices = selectors.notices_visible_to(request.user).filter(term=term)
    page = Paginator(notices, 50).get_page(request.GET.get("page"))
    rows = [
        {"n": n, "state": _notice_state(n, today), "entries": n.entries.count()} for n in page.object_list
    ]
    confirmed = selectors.review_rows(request.user, term, school_id).filter(status=S.SCHOOL_CONFIRMED).count()
    context = {
        "term": term,
        "term_codes": list(Term.objects.order_by("-code").values_list("code", flat=True)),
        "page": page,
        "rows": rows,
        "school_id": school_id,
        "school_key": COLLEGE if school_id is None else school_id,
        "school": next((s for s in schools if s.pk == school_id), None),
        "schools": schools,
        "county": _role(request.user) in COUNTY_ROLES,
        "can_publish": services.may_review(request.user, school_id),
        "confirmed": confirmed,
        "today": today,
    }
    return render(request, "review/notice_list.html", context)


def _notice_for(request: AuthedHttpRequest, pk: int) -> Notice:
    return get_object_or_404(selectors.notices_visible_to(request.user), pk=pk)


@login_required
def notice_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    notice = _notice_for(request, pk)
    _require(request.user, READERS)
    if request.method == "POST":
        _objection_action(request, notice)
        return redirect("review:notice_detail", pk=notice.pk)
    today = clock.today()
    entries = list(
        notice.entries.select_related("entitlement__person", "entitlement__item").order_by(
            "entitlement__person__name", "entitlement__person_id", "pk"
        )
    )
    objections = list(notice.objections.select_related("entitlement__person", "entitlement__item"))
    open_ids = {o.entitlement_id for o in objections if o.status == ObjectionStatus.OPEN}
    state = _notice_state(notice, today)
    may_object = services.may_review(request.user, notice.school_id) or _role(request.user) in APPROVERS
    context = {
        "notice": notice,
        "title": selectors.notice_title(notice),
        "state": state,
        "entries": [
            {
                "e": x.entitlement,
                "amount": yuan(x.entitlement.amount_fen),
                "objected": x.entitlement_id in open_ids,
            }
            for x in entries
        ],
        "objections": objections,
        "can_record": may_object and state == "running",
        "can_resolve": may_object,
        "in_notice": [x.entitlement for x in entries if x.entitlement.status == S.IN_NOTICE],
        "public_url": (
            request.build_absolute_uri(reverse("review:notice_public", kwargs={"token": notice.public_token}))
            if notice.public_token
            else ""
        ),
    }
    return render(request, "review/notice_detail.html", context)


def _objection_action(request: AuthedHttpRequest, notice: Notice) -> None:
    action = request.POST.get("action", "")
    try:
        if action == "record":
            entitlement_id = request.POST.get("entitlement", "")
            services.objection_record(
                notice=notice,
                entitlement_id=int(entitlement_id) if entitlement_id.isdigit() else 0,
                objector=request.POST.get("objector", ""),
                content=request.POST.get("content", ""),
                actor=request.user,
            )
            messages.success(request, _("Objection recorded."))
        elif action in ("uphold", "dismiss"):
            objection = get_object_or_404(notice.objections, pk=request.POST.get("objection", "0") or 0)
            services.objection_resolve(
                objection_id=objection.pk,
                upheld=action == "uphold",
                note=request.POST.get("note", ""),
                actor=request.user,
            )
            messages.success(request, _("Objection resolved."))
        else:
            raise Http404
    except (services.NoticeError, services.TransitionRefused) as error:
        messages.error(request, str(error))


def _public_context(notice: Notice) -> dict[str, Any]:
    rows = selectors.notice_public_rows(notice)
    return {"notice": notice, "title": selectors.notice_title(notice), "rows": rows}


@login_required
def notice_print(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    notice = _notice_for(request, pk)
    return render(request, "review/public_list.html", {**_public_context(notice), "printable": True})


@login_required
def notice_xlsx(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    import xlsxwriter

    notice = _notice_for(request, pk)
    context = _public_context(notice)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("Public notice")[:31])
    sheet.write(0, 0, context["title"], bold)
    period = _("Public notice from %(start)s to %(end)s") % {"start": notice.starts_on, "end": notice.ends_on}
    sheet.write(1, 0, period)
    headers = [_("No."), _("Name"), _("School"), _("Grade and class"), _("Item"), _("Amount (yuan)")]
    sheet.write_row(3, 0, headers, bold)
    for n, row in enumerate(context["rows"], start=1):
        sheet.write_row(3 + n, 0, [n, row.name, row.school, row.grade_class, row.item, row.amount])
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 3, 16)
    sheet.set_column(4, 4, 24)
    sheet.set_column(5, 5, 14)
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"notice-{notice.term.code}-{notice.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def notice_public(request: HttpRequest, token: str) -> HttpResponse:
    """The public link: no login; served only while the notice runs (410 once it is over)."""
    notice = selectors.notice_by_token(token)
    if notice is None:
        raise Http404
    today = clock.today()
    if rules.notice_over(notice.ends_on, today):
        return render(request, "review/notice_gone.html", {"notice": notice}, status=410)
    if not rules.notice_running(notice.starts_on, notice.ends_on, today):
        raise Http404
    response = render(request, "review/public_list.html", {**_public_context(notice), "printable": False})
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


# ---- 审批 ------------------------------------------------------------------------------------------


@login_required
def approval(request: AuthedHttpRequest) -> HttpResponse:
    _require(request.user, APPROVERS)
    if request.method == "POST":
        term_code = request.POST.get("term", "")
        raw = request.POST.get("school", "")
        school_id = int(raw) if raw.isdigit() else None
        ids = selectors.approvable_ids(request.user, term_code, school_id)
        try:
            moved = services.entitlements_approve(
                ids=ids, actor=request.user, note=request.POST.get("note", "")
            )
        except services.TransitionRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(n)s entitlements approved.") % {"n": len(moved)})
        return redirect("review:approval")
    passed = services.notices_close(actor=request.user)
    if passed:
        messages.info(request, _("%(n)s entitlements passed their public notice.") % {"n": passed})
    groups = selectors.approval_groups(request.user)
    context = {
        "groups": groups,
        "total": selectors.approval_total(request.user),
        "open_objections": selectors.open_objections_count(request.user),
    }
    return render(request, "review/approval.html", context)


# ---- the working-day calendar ------------------------------------------------------------------------


@login_required
def workdays(request: AuthedHttpRequest) -> HttpResponse:
    _require(request.user, frozenset({Role.COUNTY_ADMIN}))
    if request.method == "POST":
        try:
            day = dt.date.fromisoformat(request.POST.get("day", ""))
        except ValueError:
            messages.error(request, _("Enter the date as YYYY-MM-DD."))
            return redirect("review:workdays")
        if request.POST.get("action") == "remove":
            services.workday_override_remove(day=day, actor=request.user)
            messages.success(request, _("Removed %(day)s.") % {"day": day})
        else:
            services.workday_override_set(
                day=day,
                is_workday=request.POST.get("is_workday") == "1",
                note=request.POST.get("note", ""),
                actor=request.user,
            )
            messages.success(request, _("Saved %(day)s.") % {"day": day})
        return redirect("review:workdays")
    overrides = WorkdayOverride.objects.order_by("-day")
    page = Paginator(overrides, 100).get_page(request.GET.get("page"))
    return render(request, "review/workdays.html", {"page": page, "today": clock.today()})
