from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "eduaid.care"
    label = "care"
    verbose_name = _("Care and visits")

    def ready(self) -> None:
        from eduaid.care import panels as care_panels
        from eduaid.core import panels

        panels.register_home_panel(care_panels.home_panel)
        panels.register_profile_section(care_panels.profile_section)
