from django.db import models

from portal.people.models import Person


class AttendanceEvent(models.Model):
    class Direction(models.TextChoices):
        IN = "in", "check-in"
        OUT = "out", "check-out"

    class Source(models.TextChoices):
        UPLOAD = "upload"
        KIOSK = "kiosk"
        API = "api"
        MANUAL = "manual"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    capture = models.ForeignKey(
        "recognition.Capture", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    # face distance of the recognition (lower is closer); empty for manual events
    distance = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "at"])]

    def __str__(self):
        return f"{self.person.name} {self.get_direction_display()} at {self.at:%Y-%m-%d %H:%M}"
