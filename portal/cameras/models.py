"""An IP camera the runner watches (`manage.py cameras run`), who holds it, and how it is doing.

Credentials are stored to open the stream and for nothing else: forms, pages,
the API and logs never show them (see `Camera.safe_url`).
"""

from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.cameras.addresses import SCHEMES, AddressRefused, address_check
from portal.core.fields import MessageField
from portal.core.secrets import EncryptedTextField


class AddressTest(models.TextChoices):
    NONE = "", _("not tested")
    TESTING = "testing", _("testing the address…")
    WORKS = "works", _("works")
    FAILS = "fails", _("does not work")


class Camera(models.Model):
    class Kind(models.TextChoices):
        RTSP = "rtsp", _("RTSP stream")
        MJPEG = "mjpeg", _("HTTP MJPEG stream")
        SNAPSHOT = "snapshot", _("snapshot URL, polled")

    class Purpose(models.TextChoices):
        AUTO = "auto", _("attendance: automatic (first of the day checks in, next checks out, ...)")
        IN = "in", _("attendance: check-in only")
        OUT = "out", _("attendance: check-out only")
        DOOR = "door", _("a door's reader")

    class Side(models.TextChoices):
        ENTRY = "entry", _("entry reader")
        EXIT = "exit", _("exit reader")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RTSP)
    url = models.CharField(
        _("URL"),
        max_length=500,
        help_text=_("rtsp://host:554/path, http://host/video.mjpg or http://host/snapshot.jpg; without credentials."),
    )
    username = models.CharField(_("user name"), max_length=100, blank=True)
    # encrypted at rest (FIELD_ENCRYPTION_KEYS): the runner must send it, so it cannot be a hash
    password = EncryptedTextField(_("password"), blank=True)
    snapshot_seconds = models.FloatField(
        _("snapshot interval (seconds)"), default=1.0, help_text=_("Snapshot URLs only: how often to fetch a picture.")
    )
    purpose = models.CharField(_("purpose"), max_length=5, choices=Purpose.choices, default=Purpose.AUTO)
    door = models.ForeignKey(
        "access.Door", null=True, blank=True, on_delete=models.SET_NULL, related_name="cameras", verbose_name=_("door")
    )
    door_side = models.CharField(_("door side"), max_length=5, choices=Side.choices, default=Side.ENTRY)
    analyse_fps = models.FloatField(
        _("frames analysed per second"), default=5.0, help_text=_("Frames in between are read and dropped.")
    )
    min_face = models.PositiveIntegerField(
        _("minimum face size (pixels)"), default=60, help_text=_("Narrower faces are too far away to decide well.")
    )
    # (left, top, right, bottom) as fractions 0-1 of the picture; null: all of it
    region = models.JSONField(_("region"), null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    # the lease: one runner reads a camera; another takes it when the lease runs out
    lease_holder = models.CharField(max_length=200, blank=True, editable=False)
    lease_expires = models.DateTimeField(null=True, blank=True, editable=False)

    # health, written by the runner holding the camera
    connected = models.BooleanField(default=False, editable=False)
    connected_since = models.DateTimeField(null=True, blank=True, editable=False)
    frames_per_second = models.FloatField(default=0.0, editable=False)
    analysed_per_second = models.FloatField(default=0.0, editable=False)
    faces_per_minute = models.FloatField(default=0.0, editable=False)
    reconnects = models.PositiveIntegerField(default=0, editable=False)
    # while not connected: the attempts that failed since the stream last read, and since when
    failed_attempts = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = MessageField(max_length=300, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    # what the runner sees going wrong while the stream reads fine (no face for a long time,
    # analysis too slow to follow people): a stored sentence of portal.cameras.texts, "" when all is well
    warning = MessageField(max_length=300, blank=True, default="", editable=False)
    health_at = models.DateTimeField(null=True, blank=True, editable=False)
    # the address tested when the camera is saved (portal.cameras.probe, by a worker): whether a
    # frame was read there, in a stored sentence of portal.cameras.texts
    address_test = models.CharField(max_length=16, choices=AddressTest.choices, default="", blank=True, editable=False)
    address_test_text = MessageField(max_length=300, blank=True, default="", editable=False)
    address_tested_at = models.DateTimeField(null=True, blank=True, editable=False)
    # a small JPEG of the latest frame, served only through a role-checked view
    last_picture_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        try:
            address_check(self.url, self.kind)
        except AddressRefused as refused:
            errors["url"] = ValidationError(address_message(refused, self), code=refused.code)
        if self.purpose == self.Purpose.DOOR and self.door_id is None:
            errors["door"] = _("A door's reader needs its door.")
        if self.region is not None and not _valid_region(self.region):
            errors["region"] = _("left, top, right, bottom: fractions from 0 to 1, left < right, top < bottom.")
        if not 0.2 <= (self.analyse_fps or 0) <= 30:
            errors["analyse_fps"] = _("From 0.2 to 30 frames a second.")
        if not 0.2 <= (self.snapshot_seconds or 0) <= 3600:
            errors["snapshot_seconds"] = _("From 0.2 to 3600 seconds.")
        if errors:
            raise ValidationError(errors)

    @property
    def safe_url(self):
        """The URL with any credentials in it masked: what pages and logs show."""
        return mask_url(self.url)

    def stream_url(self):
        """The URL the runner opens: the stored credentials put in (never shown, never logged)."""
        if not self.username:
            return self.url
        from urllib.parse import quote

        parts = urlsplit(self.url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{quote(self.username, safe='')}:{quote(self.password, safe='')}@{host}"
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def address_message(refused, camera):
    """Why a camera's address is refused, in the active language."""
    if refused.code == "control_character":
        return _("The address may not hold spaces or control characters (%(character)s found).") % refused.params
    if refused.code == "credentials":
        # credentials in the URL would be shown back with it: they have their own fields
        return _("Put the user name and password in their own fields, not in the URL.")
    if refused.code == "port":
        return _("Port %(port)s is not allowed for cameras (CAMERA_ALLOWED_PORTS).") % refused.params
    if refused.code == "host":
        return _("This host is not allowed for cameras (CAMERA_ALLOWED_HOSTS): %(host)s.") % refused.params
    return _("A %(kind)s needs an address starting with %(schemes)s://.") % {
        "kind": camera.get_kind_display(),
        "schemes": ":// or ".join(SCHEMES.get(camera.kind, ("?",))),
    }


def mask_url(url):
    """rtsp://user:secret@host/x -> rtsp://***@host/x; anything else unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unreadable URL)"
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, "***@" + parts.netloc.rsplit("@", 1)[1], parts.path, parts.query, parts.fragment))


def _valid_region(region):
    try:
        left, top, right, bottom = (float(v) for v in region)
    except (TypeError, ValueError):
        return False
    return 0 <= left < right <= 1 and 0 <= top < bottom <= 1
