from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DropoutConfig(AppConfig):
    name = "eduaid.dropout"
    label = "dropout"
    verbose_name = _("Dropout prevention")

    def ready(self) -> None:
        from eduaid.core import panels
        from eduaid.dropout import signals, views
        from eduaid.matching.signals import match_completed

        # The ledgers follow each match run, inside its transaction.
        match_completed.connect(signals.sync_after_match, dispatch_uid="dropout_sync_after_match")
        panels.register_home_panel(views.home_panel)
        panels.register_profile_section(views.profile_section)
