"""Term start dates (DESIGN §2), for the county administrator: eligibility is judged on them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from eduaid.accounts.roles import Role
from eduaid.aid.forms import StartDateForm
from eduaid.aid.models import Entitlement
from eduaid.aid.services_terms import TermLocked, lock_reason, term_start_date_set
from eduaid.core.http import AuthedHttpRequest
from eduaid.registry import terms
from eduaid.registry.models import Term


@login_required
def term_list(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or user.role == Role.COUNTY_ADMIN):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = StartDateForm(request.POST)
        term = get_object_or_404(Term, code=request.POST.get("code", ""))
        if form.is_valid():
            previous = term.start_date
            try:
                term_start_date_set(term=term, start_date=form.cleaned_data["start_date"], actor=user)
            except TermLocked as error:
                errors[term.code] = str(error)
            else:
                term.refresh_from_db()
                if term.start_date != previous:
                    messages.warning(
                        request,
                        _(
                            "Term %(term)s now starts on %(date)s. Run the match and the pricing of the "
                            "term again (eduaid match --term %(term)s; eduaid entitlements --term %(term)s)."
                        )
                        % {"term": term.code, "date": term.start_date.isoformat()},
                    )
                return redirect("registry:term_list")
        else:
            errors[term.code] = _("Enter a date such as 2024-03-01.")
    priced = Exists(Entitlement.objects.filter(term=OuterRef("pk")))
    rows = []
    for term in Term.objects.annotate(priced=priced).order_by("-code"):
        rows.append(
            {
                "term": term,
                "default": terms.default_start(term.code),
                "window": terms.start_window(term.code),
                "locked": lock_reason(term) if term.priced else "",
                "error": errors.get(term.code, ""),
            }
        )
    return render(request, "registry/term_list.html", {"rows": rows}, status=400 if errors else 200)
