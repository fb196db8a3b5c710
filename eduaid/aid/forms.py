"""Forms of the policy pages. Money is typed in yuan and kept in integer fen, converted with Decimal."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eduaid.registry import terms

YUAN = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def parse_yuan(text: str) -> int:
    """`"1250.5"` → 125050 fen; at most two decimals, never negative, never through float."""
    value = (text or "").strip().replace(",", "").replace("，", "")
    if not YUAN.match(value):
        raise ValidationError(
            _("Enter an amount in yuan with at most two decimals, such as 1250 or 1250.50."),
            code="invalid_yuan",
        )
    return int(Decimal(value) * 100)


def yuan_text(fen: int | None) -> str:
    from eduaid.aid.pricing import yuan

    return yuan(fen)


class ItemAmountsForm(forms.Form):
    """One amount field per case of an item's rules; cases without an amount get no field."""

    def __init__(self, data: Any = None, *, rules: list[dict[str, Any]], prefix: str) -> None:
        super().__init__(data, prefix=prefix)
        self.rules = rules
        for index, case in enumerate(rules):
            if case.get("fen") is None:
                continue
            self.fields[f"case_{index}"] = forms.CharField(
                label=gettext_lazy("Yearly amount (yuan)"),
                initial=yuan_text(case["fen"]),
                max_length=16,
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in list(self.fields):
            if name in cleaned:
                try:
                    cleaned[name] = parse_yuan(cleaned[name])
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def amounts_fen(self) -> list[int | None]:
        return [self.cleaned_data.get(f"case_{i}") for i in range(len(self.rules))]


class PublishForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Version name"), max_length=100)
    first_term = forms.CharField(
        label=gettext_lazy("First term"),
        max_length=11,
        help_text=gettext_lazy("Term code such as 2024-2025-1."),
    )

    def clean_first_term(self) -> str:
        code = self.cleaned_data["first_term"].strip()
        try:
            terms.parse(code)
        except ValueError as error:
            raise ValidationError(_("Enter a term code such as 2024-2025-1.")) from error
        return code


class LoanForm(forms.Form):
    school_year = forms.CharField(
        label=gettext_lazy("School year"), max_length=9, help_text=gettext_lazy("Such as 2023-2024.")
    )
    college = forms.CharField(label=gettext_lazy("College"), max_length=100)
    stage = forms.ChoiceField(label=gettext_lazy("Level"), choices=())
    amount = forms.CharField(label=gettext_lazy("Amount requested (yuan)"), max_length=16)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from eduaid.aid.models import LOAN_STAGES
        from eduaid.registry.models import Stage

        labels = dict(Stage.choices)
        self.fields["stage"].choices = [(s, labels[s]) for s in LOAN_STAGES]  # type: ignore[attr-defined]

    def clean_amount(self) -> int:
        return parse_yuan(self.cleaned_data["amount"])


class StartDateForm(forms.Form):
    code = forms.CharField(max_length=11, widget=forms.HiddenInput)
    start_date = forms.DateField(
        label=gettext_lazy("Start date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ContactsForm(forms.Form):
    lines = forms.CharField(
        label=gettext_lazy("Contact lines"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One line each, such as: 县学生资助管理中心 0396-0000000 (working days 8:30–17:30)."
        ),
    )
