from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidConfig(AppConfig):
    name = "eduaid.aid"
    label = "aid"
    verbose_name = _("Student aid")

    def ready(self) -> None:
        from eduaid.aid.views_loans import loan_profile_section
        from eduaid.core import panels

        panels.register_profile_section(loan_profile_section)
