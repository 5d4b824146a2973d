from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Preference(models.Model):
    """What a signed-in user chose for themselves, kept across devices and sign-ins."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference", verbose_name=_("user")
    )
    # one of settings.LANGUAGES; empty: follow the browser
    language = models.CharField(max_length=16, blank=True, verbose_name=_("language"))

    class Meta:
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")

    def __str__(self):
        return f"{self.user} prefers {self.language or 'the browser language'}"
