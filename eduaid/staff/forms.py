from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from eduaid.accounts.models import User
from eduaid.core import clock, idnumbers
from eduaid.core.forms import BootstrapMixin
from eduaid.org.models import School, SchoolClass
from eduaid.staff.models import SchoolStrategy, Teacher


class ClassChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: SchoolClass) -> str:
        return _("Grade %(grade)s %(name)s") % {"grade": obj.grade, "name": obj.name}


class TeacherForm(BootstrapMixin, forms.Form):
    school = forms.ModelChoiceField(School.objects.none(), label=_("School"))
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    classes = ClassChoiceField(
        SchoolClass.objects.none(),
        label=_("Classes taught"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, schools: Any, teacher: Teacher | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        school = teacher.school if teacher else (schools.first() if schools.count() == 1 else None)
        if teacher is not None:
            del self.fields["school"]
        else:
            del self.fields["active"]
            if school is not None:
                self.fields["school"].initial = school.pk
        self.fields["classes"].queryset = (  # type: ignore[attr-defined]
            SchoolClass.objects.filter(school=school)
            if school is not None
            else SchoolClass.objects.filter(school__in=schools)
        ).order_by("grade", "name")

    def clean_id_number(self) -> str:
        raw = self.cleaned_data.get("id_number") or ""
        if not raw.strip():
            return ""
        number = idnumbers.normalize(raw)
        if idnumbers.problem(number, today=clock.today()) is not None:
            raise ValidationError(_("Not a valid ID number: check its 18 characters."))
        return number


class TeacherLoginForm(BootstrapMixin, forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.-]+$",
        error_messages={"invalid": _("Use letters, digits, dots, hyphens and underscores only.")},
        help_text=_(
            "An initial password is generated and shown once; the teacher must change it at first login."
        ),
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username=username).exists():
            raise ValidationError(_("This username is taken."))
        return username


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("Staff sheet"),
        help_text=_(
            "An .xlsx, .xls or .csv file with 姓名, 身份证号, 手机号, 学校标识码 or 学校名称, "
            "班级, 是否班主任."
        ),
    )
    strict = forms.BooleanField(label=_("Only if every row is valid"), required=False)

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("The file is larger than 5 MB: a staff sheet is much smaller."))
        return upload


class ReassignForm(BootstrapMixin, forms.Form):
    teacher = forms.ModelChoiceField(Teacher.objects.none(), label=_("Responsible teacher"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, teachers: Any, needs_reason: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers  # type: ignore[attr-defined]
        field: Any = self.fields["teacher"]
        field.label_from_instance = lambda t: f"{t.name}（{t.school.name}）"
        self.fields["reason"].required = needs_reason
        if needs_reason:
            self.fields["reason"].help_text = _("Required when the child already has a responsible teacher.")


class StrategyForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = SchoolStrategy
        fields = ["year", "leader", "measures", "review_date", "review_notes"]
        widgets = {
            "measures": forms.Textarea(attrs={"rows": 8}),
            "review_notes": forms.Textarea(attrs={"rows": 4}),
            "review_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "measures": _("What the school does against dropping out this year: one measure a line."),
            "leader": _("The school leader answerable for the strategy."),
        }
