from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DropoutConfig(AppConfig):
    name = "eduaid.dropout"
    label = "dropout"
    verbose_name = _("Dropout prevention")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from eduaid.core import panels
        from eduaid.core.models import AuditEvent
        from eduaid.dropout import signals, views

        # The match writes its audit event last, inside its transaction: the ledgers follow each run.
        post_save.connect(
            signals.sync_after_match, sender=AuditEvent, dispatch_uid="dropout_sync_after_match"
        )
        panels.register_home_panel(views.home_panel)
        panels.register_profile_section(views.profile_section)
