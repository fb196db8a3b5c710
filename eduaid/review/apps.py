from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "eduaid.review"
    label = "review"
    verbose_name = _("Review and public notice")

    def ready(self) -> None:
        from eduaid.core.panels import register_home_panel
        from eduaid.review.panels import review_home_panel

        register_home_panel(review_home_panel)
