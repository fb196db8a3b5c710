from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DropoutConfig(AppConfig):
    name = "eduaid.dropout"
    label = "dropout"
    verbose_name = _("Dropout prevention")
