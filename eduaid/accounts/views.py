from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduaid.accounts import services
from eduaid.accounts.forms import LoginForm, OwnPasswordChangeForm, UserCreateForm
from eduaid.accounts.models import User
from eduaid.accounts.passwords import generate_password
from eduaid.accounts.roles import Role
from eduaid.accounts.selectors import user_filter, users_visible_to
from eduaid.core.http import AuthedHttpRequest


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = OwnPasswordChangeForm
    success_url = reverse_lazy("core:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(user=form.user, request=self.request)
        messages.success(self.request, _("Your password has been changed."))
        return response


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: AuthedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_superuser or request.user.role == Role.COUNTY_ADMIN):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _get_user_for(request: AuthedHttpRequest, pk: int) -> User:
    return get_object_or_404(users_visible_to(request.user), pk=pk)


@admin_required
def user_list(request: AuthedHttpRequest) -> HttpResponse:
    qs = user_filter(
        users_visible_to(request.user).order_by("role", "username"),
        role=request.GET.get("role", ""),
        q=request.GET.get("q", "").strip(),
        active=request.GET.get("active", ""),
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "roles": Role.choices})


@admin_required
def user_create(request: AuthedHttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = generate_password()
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                role=data["role"],
                org_unit=data["org_unit"],
                password=password,
                phone=data.get("phone") or "",
                paired_townships=list(data.get("paired_townships") or []),
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "User %(username)s created. Initial password: %(password)s — give it to the user; "
                    "they must change it at first login."
                )
                % {"username": user.username, "password": password},
            )
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def user_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = _get_user_for(request, pk)
    return render(request, "accounts/user_detail.html", {"subject": user})


@login_required
@require_POST
def user_reset_password(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = _get_user_for(request, pk)
    password = generate_password()
    services.user_reset_password(actor=request.user, user=user, password=password, request=request)
    messages.success(
        request,
        _("The password of %(username)s was reset to %(password)s — they must change it at next login.")
        % {"username": user.username, "password": password},
    )
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def user_set_active(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = _get_user_for(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, user=user, active=active, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if active:
            messages.success(request, _("%(username)s can log in again.") % {"username": user.username})
        else:
            messages.success(request, _("%(username)s has been deactivated.") % {"username": user.username})
    return redirect("accounts:user_detail", pk=user.pk)
