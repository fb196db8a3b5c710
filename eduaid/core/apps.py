from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "eduaid.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from eduaid.core import signals  # noqa: F401
