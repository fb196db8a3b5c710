from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from eduaid.accounts.models import User
from eduaid.accounts.roles import UNIT_KIND_FOR_ROLE, Role
from eduaid.core.forms import BootstrapMixin
from eduaid.org.models import OrgUnit, OrgUnitKind, School, Township
from eduaid.org.units import unit_for_school, unit_for_township


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong user name or password. Note that the password is case-sensitive."),
        "inactive": _("This account has been deactivated. Ask the system administrator."),
    }


class OwnPasswordChangeForm(BootstrapMixin, PasswordChangeForm):
    pass


def _unit_choices() -> list[tuple[Any, Any]]:
    county = [(f"unit:{u.pk}", u.name) for u in OrgUnit.objects.filter(kind=OrgUnitKind.COUNTY)]
    teams = [(f"unit:{u.pk}", u.name) for u in OrgUnit.objects.filter(kind=OrgUnitKind.VILLAGE_TEAM)]
    townships = [(f"township:{t.pk}", t.name) for t in Township.objects.all()]
    schools = [
        (f"school:{s.pk}", f"{s.name}（{s.code}）")
        for s in School.objects.only("pk", "name", "code").order_by("township__code", "code")
    ]
    return [
        ("", "---------"),
        (_("County offices"), county),
        (_("Township central schools"), townships),
        (_("Schools"), schools),
        (_("Village work teams"), teams),
    ]


def resolve_unit(value: str) -> OrgUnit | None:
    kind, _sep, raw = value.partition(":")
    if not raw.isdigit():
        return None
    pk = int(raw)
    if kind == "unit":
        return OrgUnit.objects.filter(pk=pk).first()
    if kind == "township":
        township = Township.objects.filter(pk=pk).first()
        return unit_for_township(township) if township else None
    if kind == "school":
        school = School.objects.filter(pk=pk).first()
        return unit_for_school(school) if school else None
    return None


class UserCreateForm(BootstrapMixin, forms.Form):
    username = forms.RegexField(
        label=_("Login name"),
        regex=r"^[A-Za-z0-9_.@+-]{3,30}$",
        help_text=_("3–30 letters, digits or . @ + - _"),
        error_messages={"invalid": _("Use 3–30 letters, digits or . @ + - _ only.")},
    )
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    role = forms.ChoiceField(label=_("Role"), choices=[("", "---------"), *Role.choices])
    unit = forms.ChoiceField(
        label=_("Unit"), help_text=_("The school, township or office the user works for.")
    )
    phone = forms.RegexField(
        label=_("Phone"),
        regex=r"^[0-9-]{7,20}$",
        required=False,
        error_messages={"invalid": _("Enter a phone number of digits.")},
    )
    paired_townships = forms.ModelMultipleChoiceField(
        label=_("Paired townships"),
        queryset=Township.objects.all(),
        required=False,
        help_text=_("For bureau leaders: the townships shown on their home page."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _unit_choices()  # type: ignore[attr-defined]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This login name is taken."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit = resolve_unit(data.get("unit") or "")
        role = data.get("role")
        if data.get("unit") and unit is None:
            self.add_error("unit", _("Choose a unit from the list."))
        elif unit is not None and role and UNIT_KIND_FOR_ROLE.get(role) != unit.kind:
            self.add_error(
                "unit",
                _("A user with role “%(role)s” must belong to a unit of kind “%(kind)s”.")
                % {"role": Role(role).label, "kind": OrgUnitKind(UNIT_KIND_FOR_ROLE[role]).label},
            )
        data["org_unit"] = unit
        return data
