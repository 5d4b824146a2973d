from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "portal.review"
    label = "review"
    verbose_name = _("Unknown faces to review")

    def ready(self):
        from portal.core.erasure import erasure_register
        from portal.review.erasure import review_captures_showing

        erasure_register(showing=review_captures_showing)
