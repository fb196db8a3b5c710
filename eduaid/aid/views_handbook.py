"""The policy handbook (《帮扶政策宣讲手册》): a printable page and a .docx, for every signed-in user.

The county administrator edits the contact lines printed at its end.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduaid.aid import handbook as book_rules
from eduaid.aid import services_policy
from eduaid.aid.forms import ContactsForm
from eduaid.aid.models import HandbookContacts, PolicyVersion
from eduaid.aid.services import PolicyError, version_for
from eduaid.aid.views_policy import is_admin
from eduaid.core import clock
from eduaid.core.http import AuthedHttpRequest
from eduaid.registry import terms
from eduaid.registry.models import Term

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _term(request: AuthedHttpRequest) -> str:
    code = request.GET.get("term", "").strip()
    try:
        terms.parse(code)
    except ValueError:
        code = terms.code_for(clock.today())
    return code


def _term_codes(current: str) -> list[str]:
    first = PolicyVersion.objects.order_by("first_term").values_list("first_term", flat=True).first()
    codes = {current, *Term.objects.filter(code__gte=first or "9999").values_list("code", flat=True)}
    return sorted(codes, reverse=True)


@login_required
def handbook(request: AuthedHttpRequest) -> HttpResponse:
    code = _term(request)
    try:
        book = book_rules.build(code, version_for(code))
    except PolicyError as error:
        book, problem = None, str(error)
    else:
        problem = ""
    contacts = HandbookContacts.objects.order_by("pk").first()
    context = {
        "term": code,
        "term_codes": _term_codes(code),
        "book": book,
        "problem": problem,
        "title": book_rules.title(),
        "can_manage": is_admin(request.user),
        "contacts_form": ContactsForm(initial={"lines": contacts.lines if contacts else ""}),
    }
    return render(request, "aid/handbook.html", context, status=200 if book else 404)


@login_required
def handbook_docx(request: AuthedHttpRequest) -> HttpResponse:
    code = _term(request)
    try:
        book = book_rules.build(code, version_for(code))
    except PolicyError as error:
        raise Http404(str(error)) from error
    response = HttpResponse(book_rules.docx_bytes(book), content_type=DOCX)
    name = _("帮扶政策宣讲手册_%(term)s.docx") % {"term": code}
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response


@login_required
@require_POST
def handbook_contacts(request: AuthedHttpRequest) -> HttpResponse:
    if not is_admin(request.user):
        raise Http404
    form = ContactsForm(request.POST)
    if form.is_valid():
        services_policy.handbook_contacts_set(lines=form.cleaned_data["lines"], actor=request.user)
        messages.success(request, _("Contact lines saved."))
    else:
        messages.error(request, _("The contact lines are too long."))
    return redirect(reverse("aid:handbook") + "?term=" + _term(request))
