from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "eduaid.staff"
    label = "staff"
    verbose_name = _("Staff and responsibility")

    def ready(self) -> None:
        from eduaid.core import panels
        from eduaid.staff.panels import home_panel, profile_section

        panels.register_home_panel(home_panel)
        panels.register_profile_section(profile_section)
