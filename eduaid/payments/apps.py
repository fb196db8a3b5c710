from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "eduaid.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from eduaid.core import panels
        from eduaid.payments.ledger import on_entitlements_moved
        from eduaid.payments.panels import home_panel, profile_section
        from eduaid.review.services import on_transition

        on_transition(on_entitlements_moved)
        panels.register_home_panel(home_panel)
        panels.register_profile_section(profile_section)
