from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from eduaid.care.models import CareKind, HelpKind, LeftBehindSituation, VisitKind
from eduaid.core import clock
from eduaid.core.forms import BootstrapMixin
from eduaid.org.models import School, Village


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), **kwargs)


def text_area(label: Any, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


class TodayMixin:
    """Date fields default to the clock's today."""

    date_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name in self.date_fields:
            self.fields[name].initial = clock.today()  # type: ignore[attr-defined]


class VisitForm(TodayMixin, BootstrapMixin, forms.Form):
    date_fields = ("visited_on",)
    visited_on = date_field(_("Date"))
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    companions = forms.CharField(
        label=_("Companions"),
        max_length=200,
        required=False,
        help_text=_("Who went with you, if anyone (you are recorded as the visitor)."),
    )
    findings = text_area(_("What was found"), rows=4)
    needs = text_area(_("Needs"), rows=2, required=False)
    actions = text_area(
        _("Follow-up actions"),
        rows=3,
        required=False,
        help_text=_("One action a line; each is closed on its own."),
    )


class FollowUpCloseForm(TodayMixin, BootstrapMixin, forms.Form):
    date_fields = ("done_on",)
    done_on = date_field(_("Done on"))
    note = forms.CharField(label=_("How it was done"), max_length=200, required=False)


class LeftBehindForm(BootstrapMixin, forms.Form):
    id_number = forms.CharField(label=_("Child's ID number"), max_length=30)
    situation = forms.ChoiceField(label=_("Situation"), choices=LeftBehindSituation.choices)
    unable_reason = forms.CharField(
        label=_("Why the other parent cannot care"),
        max_length=200,
        required=False,
        help_text=_("Only when one parent is at home: illness, disability, …"),
    )
    guardian_name = forms.CharField(label=_("Entrusted guardian"), max_length=50)
    guardian_relation = forms.CharField(label=_("Relation to the child"), max_length=20)
    guardian_phone = forms.CharField(label=_("Guardian's phone"), max_length=20)
    village = forms.ModelChoiceField(
        label=_("Village"),
        queryset=Village.objects.none(),
        required=False,
        help_text=_("Only for a child in no registry household; otherwise the household's village is used."),
    )

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"].queryset = villages  # type: ignore[attr-defined]


class LeftBehindEndForm(TodayMixin, BootstrapMixin, forms.Form):
    date_fields = ("ended_on",)
    ended_on = date_field(_("Ended on"))
    reason = forms.CharField(
        label=_("Why it ended"),
        max_length=200,
        help_text=_("A parent came home, the child turned 16, moved away …"),
    )


class CareRecordForm(TodayMixin, BootstrapMixin, forms.Form):
    date_fields = ("cared_on",)
    kind = forms.ChoiceField(label=_("Kind"), choices=CareKind.choices)
    cared_on = date_field(_("Date"))
    carer = forms.CharField(label=_("Who"), max_length=100, required=False, help_text=_("Empty: you."))
    content = text_area(_("What was done"), rows=3)


class SchoolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: School) -> str:  # type: ignore[override]
        return obj.name


class MigrantRequestForm(TodayMixin, BootstrapMixin, forms.Form):
    date_fields = ("applied_on",)
    child_name = forms.CharField(label=_("Child's name"), max_length=50)
    child_id_number = forms.CharField(label=_("Child's ID number"), max_length=30)
    guardian_name = forms.CharField(label=_("Guardian"), max_length=50)
    guardian_phone = forms.CharField(label=_("Guardian's phone"), max_length=20, required=False)
    residence_permit = forms.CharField(label=_("Residence permit number"), max_length=40)
    applied_on = date_field(_("Applied on"))
    school_requested = SchoolChoiceField(label=_("School requested"), queryset=School.objects.none())

    def __init__(self, *args: Any, schools: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if schools is not None:
            self.fields["school_requested"].queryset = schools  # type: ignore[attr-defined]


class MigrantPlaceForm(TodayMixin, BootstrapMixin, forms.Form):
    date_fields = ("placed_on",)
    school_placed = SchoolChoiceField(label=_("School placed in"), queryset=School.objects.none())
    placed_on = date_field(_("Placed on"))

    def __init__(self, *args: Any, schools: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if schools is not None:
            self.fields["school_placed"].queryset = schools  # type: ignore[attr-defined]


class MigrantRefuseForm(TodayMixin, BootstrapMixin, forms.Form):
    date_fields = ("decided_on",)
    reason = forms.CharField(label=_("Reason for refusal"), max_length=200)
    decided_on = date_field(_("Decided on"))


class TeamMemberForm(TodayMixin, BootstrapMixin, forms.Form):
    date_fields = ("joined_on",)
    name = forms.CharField(label=_("Name"), max_length=50)
    position = forms.CharField(
        label=_("Position"), max_length=30, help_text=_("First secretary, team leader, member …")
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    joined_on = date_field(_("Joined on"))


class TeamActivityForm(TodayMixin, BootstrapMixin, forms.Form):
    date_fields = ("held_on",)
    held_on = date_field(_("Date"))
    village = forms.ModelChoiceField(label=_("Village"), queryset=Village.objects.none(), required=False)
    title = forms.CharField(label=_("Title"), max_length=100, help_text=_("e.g. village clean-up"))
    participants = forms.CharField(label=_("Participants"), max_length=200)
    participant_count = forms.IntegerField(label=_("Number of participants"), min_value=1, required=False)
    notes = text_area(_("Notes"), rows=3, required=False)

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"].queryset = villages  # type: ignore[attr-defined]


class HelpRecordForm(TodayMixin, BootstrapMixin, forms.Form):
    date_fields = ("helped_on",)
    helped_on = date_field(_("Date"))
    kind = forms.ChoiceField(label=_("Kind"), choices=HelpKind.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    value = forms.DecimalField(
        label=_("Value (yuan)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Only where the help has a money value."),
    )

    def value_fen(self) -> int | None:
        value = self.cleaned_data.get("value")
        return None if value is None else int(value * 100)
