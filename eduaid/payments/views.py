"""Pages of payments: bank accounts, batches, the bank's return, the failed queue, timeliness.

Every page starts from a selector in `payments.selectors`; a record outside the user's scope is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.aid.pricing import yuan
from eduaid.core import clock, idnumbers, paging
from eduaid.core.http import AuthedHttpRequest
from eduaid.payments import bankfile, imports, rules, selectors, services, services_batches
from eduaid.payments.forms import AccountForm, BatchForm, ResolveForm, ReturnForm, SheetForm, mask_value
from eduaid.payments.models import BankAccount, PaymentBatch, PaymentUpload, UploadKind
from eduaid.payments.panels import limit_days
from eduaid.registry import terms
from eduaid.registry.models import Person, Term
from eduaid.review.services import TransitionRefused

PAGE_SIZE = 50
READERS = frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER})


def _reader(request: AuthedHttpRequest) -> None:
    if selectors.role_of(request.user) not in READERS:
        raise PermissionDenied


def _payer(request: AuthedHttpRequest) -> None:
    if not selectors.may_pay(request.user):
        raise PermissionDenied


def _number(user: Any, number: str) -> str:
    return number if selectors.sees_full_numbers(user) else rules.mask_account(number)


def _masked_id(person: Person) -> str:
    if person.id_number:
        return idnumbers.mask(person.id_number)
    key = person.student_key or ""
    return key[:1] + idnumbers.mask(key[1:]) if key else ""


def _term_codes() -> list[str]:
    current = terms.code_for(clock.today())
    return sorted({current, *Term.objects.values_list("code", flat=True)}, reverse=True)


def _term(request: AuthedHttpRequest) -> str:
    code = request.GET.get("term", "").strip()
    try:
        terms.parse(code)
    except ValueError:
        code = terms.code_for(clock.today())
    return code


@login_required
def index(request: AuthedHttpRequest) -> HttpResponse:
    _reader(request)
    return redirect("payments:batch_list" if selectors.may_pay(request.user) else "payments:account_list")


# ---- bank accounts -------------------------------------------------------------------------------


@dataclass
class AccountRow:
    account: BankAccount
    number: str
    masked_id: str


@login_required
def account_list(request: AuthedHttpRequest) -> HttpResponse:
    _reader(request)
    user = request.user
    term = _term(request)
    f = selectors.AccountFilter(
        q=request.GET.get("q", ""),
        flagged=request.GET.get("flagged") == "1",
        luhn=request.GET.get("luhn") == "1",
        missing=request.GET.get("missing") == "1",
        term=term,
    )
    context: dict[str, Any] = {"filters": f, "term_codes": _term_codes(), "tab": "accounts"}
    if f.missing:
        students = paging.window(request, selectors.students_without_account(user, term), PAGE_SIZE)
        context["page"] = students
        context["missing_rows"] = [(p, _masked_id(p)) for p in students.object_list]
    else:
        accounts = paging.window(request, selectors.account_list(user, f), PAGE_SIZE)
        context["page"] = accounts
        context["rows"] = [
            AccountRow(a, _number(user, a.number), _masked_id(a.person)) for a in accounts.object_list
        ]
    context["may_edit"] = selectors.may_edit_accounts(user)
    return render(request, "payments/account_list.html", context)


def _student(request: AuthedHttpRequest, pk: int) -> Person:
    return get_object_or_404(selectors.students_for_accounts(request.user), pk=pk)


@login_required
def account_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    person = _student(request, pk)
    user = request.user
    account = BankAccount.objects.filter(person=person).first()
    lines = [
        (line, _number(user, line.account_number), yuan(line.amount_fen))
        for line in selectors.person_lines(user, person)
    ]
    context = {
        "person": person,
        "masked_id": _masked_id(person),
        "account": account,
        "number": _number(user, account.number) if account else "",
        "holder_id": idnumbers.mask(account.holder_id_number) if account else "",
        "guardian_id": idnumbers.mask(account.guardian_id_number)
        if account and account.guardian_id_number
        else "",
        "flags": list(account.flags.all()) if account else [],
        "lines": lines,
        "may_edit": selectors.may_edit_accounts(user),
        "resolve_form": ResolveForm(),
        "tab": "accounts",
    }
    return render(request, "payments/account_detail.html", context)


@login_required
def account_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    person = _student(request, pk)
    if not selectors.may_edit_accounts(request.user):
        raise PermissionDenied
    account = BankAccount.objects.filter(person=person).first()
    masked = ["holder_id_number", "guardian_id_number"]
    if not selectors.sees_full_numbers(request.user):
        masked.append("number")
    existing = {name: getattr(account, name) for name in masked if account and getattr(account, name)}
    initial: dict[str, str] = {"holder_name": person.name}
    if account:
        initial = {name: getattr(account, name) for name in services.FIELDS}
        initial.update({name: mask_value(name, value) for name, value in existing.items()})
    form = AccountForm(request.POST or None, initial=initial, existing=existing)
    if request.method == "POST" and form.is_valid():
        data = services.AccountData(person_id=person.pk, **form.cleaned_data)
        saved = services.account_save(data=data, actor=request.user)
        messages.success(request, _("The account was saved."))
        if not saved.luhn_ok:
            messages.warning(
                request,
                _(
                    "The number fails the bank-card check (a passbook or 社保卡 may): "
                    "compare it with the card."
                ),
            )
        if saved.flags.filter(resolved_at__isnull=True).exists():
            messages.warning(
                request, _("The account is flagged and will not be paid until a reason is recorded.")
            )
        return redirect("payments:account_detail", pk=person.pk)
    context = {
        "person": person,
        "masked_id": _masked_id(person),
        "form": form,
        "account": account,
        "tab": "accounts",
    }
    return render(request, "payments/account_edit.html", context)


@login_required
@require_POST
def flag_resolve(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    person = _student(request, pk)
    if not selectors.may_edit_accounts(request.user):
        raise PermissionDenied
    form = ResolveForm(request.POST)
    account = get_object_or_404(selectors.accounts_visible_to(request.user), person=person)
    if form.is_valid():
        flag = get_object_or_404(account.flags, pk=form.cleaned_data["flag"])
        try:
            services.flag_resolve(flag_id=flag.pk, reason=form.cleaned_data["reason"], actor=request.user)
            messages.success(request, _("The reason was recorded; the account may be paid."))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
    else:
        messages.error(request, _("Write why this account may be paid all the same."))
    return redirect("payments:account_detail", pk=person.pk)


@login_required
def account_import(request: AuthedHttpRequest) -> HttpResponse:
    _reader(request)
    if not selectors.may_edit_accounts(request.user):
        raise PermissionDenied
    form = SheetForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        report = imports.import_accounts(content, actor=request.user, filename=upload.name, dry_run=True)
        saved = PaymentUpload.objects.create(
            kind=UploadKind.ACCOUNTS,
            filename=upload.name[:255],
            content=content,
            report=report.as_dict(),
            ok=not report.errors,
            uploaded_by=request.user,
            uploaded_by_name=request.user.get_username(),
        )
        return redirect("payments:account_import_detail", pk=saved.pk)
    context = {"form": form, "tab": "accounts", "columns": [c.name for c in imports.COLUMNS]}
    return render(request, "payments/account_import.html", context)


@login_required
def account_import_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    upload = get_object_or_404(
        PaymentUpload.objects.filter(kind=UploadKind.ACCOUNTS, uploaded_by=request.user), pk=pk
    )
    if request.method == "POST":
        if upload.applied_at is None:
            from django.utils import timezone

            report = imports.import_accounts(
                bytes(upload.content), actor=request.user, filename=upload.filename
            )
            upload.report, upload.applied_at = report.as_dict(), timezone.now()
            upload.save(update_fields=["report", "applied_at"])
            messages.success(request, report.summary())
        return redirect("payments:account_import_detail", pk=upload.pk)
    return render(
        request,
        "payments/account_import_detail.html",
        {"upload": upload, "report": upload.report, "tab": "accounts"},
    )


# ---- batches ---------------------------------------------------------------------------------------


@login_required
def batch_list(request: AuthedHttpRequest) -> HttpResponse:
    _payer(request)
    codes = _term_codes()
    form = BatchForm(request.POST or None, term_codes=codes, initial={"term": _term(request)})
    if request.method == "POST" and form.is_valid():
        term = Term.objects.filter(code=form.cleaned_data["term"]).first()
        batch = None
        try:
            batch = services_batches.batch_build(term=term, actor=request.user) if term else None
        except TransitionRefused as exc:
            messages.error(request, str(exc))
            return redirect("payments:batch_list")
        if batch is None:
            messages.info(
                request, _("Nothing to pay for this term: no approved entitlement has a usable account.")
            )
            return redirect("payments:batch_list")
        messages.success(
            request,
            _("Batch %(batch)s was built with %(lines)s lines, %(total)s yuan.")
            % {"batch": batch.number, "lines": batch.line_count, "total": yuan(batch.total_fen)},
        )
        return redirect("payments:batch_detail", pk=batch.pk)
    batches = selectors.batches_visible_to(request.user).select_related("term")
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    code = _term(request)
    context = {
        "form": form,
        "page": page,
        "rows": [(b, yuan(b.total_fen)) for b in page.object_list],
        "waiting": selectors.work_waiting(request.user, code),
        "term": code,
        "tab": "batches",
    }
    return render(request, "payments/batch_list.html", context)


def _batch(request: AuthedHttpRequest, pk: int) -> PaymentBatch:
    return get_object_or_404(selectors.batches_visible_to(request.user).select_related("term"), pk=pk)


@login_required
def batch_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    user = request.user
    page = paging.window(request, selectors.batch_lines(batch), 100)  # a city's batch: not counted
    context = {
        "batch": batch,
        "total": yuan(batch.total_fen),
        "page": page,
        "rows": [
            (line, _number(user, line.account_number), yuan(line.amount_fen)) for line in page.object_list
        ],
        "uploads": batch.uploads.order_by("-uploaded_at", "-pk")[:10],
        "form": ReturnForm(),
        "may_pay": selectors.may_pay(user),
        "tab": "batches",
    }
    return render(request, "payments/batch_detail.html", context)


@login_required
def bank_file(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    _payer(request)
    services_batches.bank_file_downloaded(batch=batch, actor=request.user)
    response = HttpResponse(
        bankfile.bank_file(batch),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(bankfile.filename(batch))}"
    return response


@login_required
@require_POST
def return_upload(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    _payer(request)
    form = ReturnForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, str(errors[0]))
        return redirect("payments:batch_detail", pk=batch.pk)
    upload = form.cleaned_data["file"]
    try:
        saved = services_batches.return_upload(
            batch=batch,
            filename=upload.name,
            content=upload.read(),
            processed_on=form.cleaned_data["processed_on"],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("payments:batch_detail", pk=batch.pk)
    return redirect("payments:return_detail", pk=saved.pk)


def _return(request: AuthedHttpRequest, pk: int) -> PaymentUpload:
    return get_object_or_404(
        PaymentUpload.objects.filter(
            kind=UploadKind.BANK_RETURN, batch__in=selectors.batches_visible_to(request.user)
        ).select_related("batch"),
        pk=pk,
    )


@login_required
def return_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    upload = _return(request, pk)
    context = {
        "upload": upload,
        "batch": upload.batch,
        "report": upload.report,
        "may_pay": selectors.may_pay(request.user),
        "tab": "batches",
    }
    return render(request, "payments/return_detail.html", context)


@login_required
@require_POST
def return_apply(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    upload = _return(request, pk)
    _payer(request)
    try:
        check = services_batches.return_apply(upload=upload, actor=request.user)
    except ValidationError as exc:
        messages.error(request, str(exc.messages[0]))
        return redirect("payments:return_detail", pk=upload.pk)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
        return redirect("payments:return_detail", pk=upload.pk)
    if check.ok:
        messages.success(
            request,
            _("The bank's return was applied: %(paid)s paid, %(failed)s failed.")
            % {"paid": check.paid, "failed": check.failed},
        )
    else:
        messages.error(request, _("The file no longer matches the batch: nothing was written."))
    return redirect("payments:return_detail", pk=upload.pk)


# ---- failed queue and timeliness ----------------------------------------------------------------


@login_required
def failed_queue(request: AuthedHttpRequest) -> HttpResponse:
    _reader(request)
    user = request.user
    page = Paginator(selectors.failed_queue(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for line in page.object_list:
        account = getattr(line.person, "bank_account", None)
        applied = line.return_file.applied_at if line.return_file else None
        corrected = bool(account and applied and account.updated_at > applied)
        rows.append((line, _number(user, line.account_number), yuan(line.amount_fen), corrected))
    context = {
        "page": page,
        "rows": rows,
        "may_edit": selectors.may_edit_accounts(user),
        "may_pay": selectors.may_pay(user),
        "tab": "failed",
    }
    return render(request, "payments/failed_queue.html", context)


@login_required
def timeliness_page(request: AuthedHttpRequest) -> HttpResponse:
    _reader(request)
    code = _term(request)
    days_text = request.GET.get("days", "")
    days = int(days_text) if days_text.isdigit() and 0 < int(days_text) <= 366 else limit_days()
    term = Term.objects.filter(code=code).first()
    schools = selectors.timeliness_by_school(request.user, term, days) if term else []
    context = {
        "term": code,
        "term_obj": term,
        "term_codes": _term_codes(),
        "days": days,
        "schools": schools,
        "tab": "timeliness",
    }
    return render(request, "payments/timeliness.html", context)
