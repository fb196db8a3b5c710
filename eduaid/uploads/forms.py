from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from eduaid.core import clock
from eduaid.core.forms import BootstrapMixin
from eduaid.uploads.models import ImportKind
from eduaid.uploads.services import ALLOWED_EXTENSIONS


class UploadForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What to import"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("An .xlsx, .xls or .csv file, read by its column headers."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
    )
    as_of = forms.DateField(
        label=_("Data date"),
        help_text=_(
            "The day the file describes: monitored households, enrolment and population files are the "
            "state of that day."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    strict = forms.BooleanField(
        label=_("Only if every row is valid"),
        help_text=_("Leave unticked to apply the valid rows and list the rejected ones."),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = clock.today()
