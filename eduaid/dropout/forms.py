from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from eduaid.core import clock
from eduaid.core.forms import BootstrapMixin
from eduaid.dropout.models import FALSE_ALARM_REASONS, AttemptMethod, CaseStatus, LegalStepKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AttemptForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE)
    method = forms.ChoiceField(label=_("How"), choices=AttemptMethod.choices)
    by = forms.CharField(label=_("By"), max_length=100)
    outcome = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = clock.today()


class MoveForm(BootstrapMixin, forms.Form):
    to = forms.ChoiceField(label=_("Next step"))
    close_reason = forms.ChoiceField(
        label=_("Why it was a false alarm"),
        required=False,
        choices=[("", "—"), *[(r.value, r.label) for r in FALSE_ALARM_REASONS]],
    )
    reason = forms.CharField(
        label=_("Reason or note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, targets: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(TARGET_LABELS)
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *[(t, labels.get(t, CaseStatus(t).label)) for t in targets]]


# How a move reads on the button (the step, not the status it leads to).
TARGET_LABELS: list[tuple[str, Any]] = [
    (CaseStatus.VERIFYING, _("Start verifying")),
    (CaseStatus.CONFIRMED, _("Confirm the dropout")),
    (CaseStatus.FALSE_ALARM, _("Close as a false alarm")),
    (CaseStatus.PERSUADING, _("Persuade to return")),
    (CaseStatus.REPORTED, _("Persuasion failed: report to the bureau")),
    (CaseStatus.RETURNED, _("Back at school")),
    (CaseStatus.HOME_TEACHING, _("Taught at home")),
    (CaseStatus.PLACED, _("Placed in special or vocational education")),
    (CaseStatus.CLOSED, _("Close the case")),
]


class LegalStepForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(label=_("Step"), choices=LegalStepKind.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = clock.today()


class ChildLookupForm(BootstrapMixin, forms.Form):
    number = forms.CharField(label=_("ID number or student number"), max_length=30)


class ReportForm(ChildLookupForm):
    note = forms.CharField(label=_("What you know"), widget=forms.Textarea(attrs={"rows": 3}))


class AbsenceForm(ChildLookupForm):
    on = forms.DateField(label=_("Date"), widget=DATE)
    excused = forms.BooleanField(label=_("Excused (leave was asked for)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = clock.today()


class SettingsForm(BootstrapMixin, forms.Form):
    verify_days = forms.IntegerField(
        label=_("Days to verify a suspected dropout"), min_value=1, max_value=365
    )
    attempt_days = forms.IntegerField(label=_("Days between persuasion attempts"), min_value=1, max_value=365)
    absence_days = forms.IntegerField(
        label=_("Unexcused working days in a row that flag a student"), min_value=1, max_value=60
    )
