from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def language_valid(value):
    if value and value not in dict(settings.LANGUAGES):
        raise ValidationError(_("Not one of the portal's languages: %(value)s"), params={"value": value})


def language_choices():
    """For forms and the API: the portal's languages, and empty for the browser's."""
    return [("", _("the browser's language")), *settings.LANGUAGES]


class Kiosk(models.Model):
    """A check-in device by a door: a browser paired with a secret token.

    Only a hash of the token is stored; the browser keeps the token itself.
    """

    class Mode(models.TextChoices):
        IDENTIFY = "identify", _("identify (1:N): the kiosk finds who it is")
        VERIFY = "verify", _("verify (1:1): type an employee ID or scan a badge, then the face")

    class Direction(models.TextChoices):
        AUTO = "auto", _("automatic: first of the day checks in, next checks out, ...")
        IN = "in", _("check-in only")
        OUT = "out", _("check-out only")
        BUTTONS = "buttons", _("buttons: the person chooses")

    name = models.CharField(_("name"), max_length=100, unique=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.IDENTIFY)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.AUTO)
    liveness = models.BooleanField(
        _("liveness check"),
        default=True,
        help_text=_(
            "On by default (and always at a door whose liveness is on). Over a short burst of frames (about a "
            "second) the head must turn a little or blink: a printed photo or a phone screen is refused however "
            "it is moved. Does not stop a video of the person played on a screen, or a mask; for those, place "
            "the kiosk where staff can see it."
        ),
    )
    # the door this kiosk reads for, and on which side; no door: attendance only
    door = models.ForeignKey(
        "access.Door",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kiosks",
        verbose_name=_("door"),
    )
    door_side = models.CharField(
        _("door side"),
        max_length=5,
        choices=[("entry", _("entry reader")), ("exit", _("exit reader"))],
        default="entry",
    )
    # the screen's and the voice's language, whatever the tablet's browser is set to;
    # one of settings.LANGUAGES, checked at run time (no choices here: a new language
    # must not need a migration)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        validators=[language_valid],
        help_text=_("Empty: the language of the kiosk's browser."),
    )
    # sha256 of the secret token held by the paired browser; empty until paired
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    paired_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")

    def __str__(self):
        return self.name

    @property
    def language_name(self):
        return dict(settings.LANGUAGES).get(self.language, "")

    @property
    def revoked(self):
        return self.revoked_at is not None

    @property
    def paired(self):
        return bool(self.token_hash) and not self.revoked


class KioskPairing(models.Model):
    """A one-time code that pairs one browser with a kiosk, for a few minutes."""

    kiosk = models.ForeignKey(Kiosk, on_delete=models.CASCADE, related_name="pairings")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"pairing of {self.kiosk} ({'used' if self.used_at else 'open'})"
