from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from eduaid.core import clock, idnumbers
from eduaid.core.forms import BootstrapMixin
from eduaid.core.tabular import clean_name
from eduaid.payments import rules

SHEETS = ".xlsx,.xls,.csv"


def _id_field(label: Any, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, max_length=25, required=required)


def mask_value(name: str, value: str) -> str:
    return rules.mask_account(value) if name == "number" else idnumbers.mask(value)


class AccountForm(BootstrapMixin, forms.Form):
    holder_name = forms.CharField(label=_("Account holder"), max_length=50)
    holder_id_number = _id_field(_("Holder's ID number"))
    bank = forms.CharField(
        label=_("Bank"), max_length=100, help_text=_("The branch that opened the account.")
    )
    number = forms.CharField(label=_("Account number"), max_length=40, help_text=_("12 to 19 digits."))
    guardian_name = forms.CharField(label=_("Guardian"), max_length=50, required=False)
    guardian_id_number = _id_field(_("Guardian's ID number"), required=False)
    guardian_relation = forms.CharField(label=_("Relation to the student"), max_length=20, required=False)

    def __init__(self, *args: Any, existing: dict[str, str] | None = None, **kwargs: Any) -> None:
        """`existing`: the stored values of the fields shown masked (ID numbers; the account number for
        users who see it masked). Sent back unchanged, a masked value keeps the stored one."""
        self.existing = existing or {}
        super().__init__(*args, **kwargs)

    def _kept(self, name: str, value: str) -> str | None:
        stored = self.existing.get(name, "")
        if stored and value in {mask_value(name, stored), stored}:
            return stored
        return None

    def _clean_id(self, name: str) -> str:
        value = idnumbers.normalize(self.cleaned_data.get(name, ""))
        kept = self._kept(name, value)
        if kept is not None:
            return kept
        if not value:
            return ""
        if idnumbers.problem(value, today=clock.today()) is not None:
            raise forms.ValidationError(_("Not a valid 18-character resident ID number: check the number."))
        return value

    def clean_holder_id_number(self) -> str:
        return self._clean_id("holder_id_number")

    def clean_guardian_id_number(self) -> str:
        return self._clean_id("guardian_id_number")

    def clean_holder_name(self) -> str:
        return clean_name(self.cleaned_data["holder_name"])

    def clean_number(self) -> str:
        from eduaid.payments.services import account_number_message

        kept = self._kept("number", self.cleaned_data["number"].strip())
        if kept is not None:
            return kept
        number = rules.normalize_account_number(self.cleaned_data["number"])
        problem = rules.account_number_problem(number)
        if problem is not None:
            raise forms.ValidationError(account_number_message(problem))
        return number


class ResolveForm(BootstrapMixin, forms.Form):
    flag = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why this account may be paid"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )


class SheetForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("An .xlsx, .xls or .csv file, read by its column headers."),
        widget=forms.ClearableFileInput(attrs={"accept": SHEETS}),
    )


class ReturnForm(SheetForm):
    processed_on = forms.DateField(
        label=_("Bank processing date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["processed_on"].initial = clock.today()


class BatchForm(BootstrapMixin, forms.Form):
    term = forms.ChoiceField(label=_("Term"))

    def __init__(self, *args: Any, term_codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["term"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c, c) for c in term_codes]
