"""One owner per rule: the threshold shown is the one that decided, the review grouping follows
the version's balanced threshold, and a zone's exit readers are kiosks and cameras alike."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.access.models import Door, Zone
from portal.access.services import access_attempt_decide
from portal.accounts.roles import SECURITY
from portal.attendance.templatetags.attendance_tags import confidence
from portal.cameras.models import Camera
from recognition import decision, versions
from recognition.models import GalleryVersion
from tests.factories import make_person, make_user
from tests.portal.access.helpers import door_with_kiosk, grant

pytestmark = pytest.mark.django_db

MIRROR = "dlib_face_recognition_resnet_model_v1+mirror"
PLAIN = "dlib_face_recognition_resnet_model_v1"


def test_the_confidence_tooltip_shows_the_threshold_of_the_version_that_decided(settings):
    settings.FACE_MATCH_THRESHOLD = None
    settings.FACE_MATCH_MODE = "balanced"
    GalleryVersion.bump(encoding_version=MIRROR)
    deciding = decision.MODES_BY_VERSION[MIRROR]["balanced"]
    assert deciding != decision.MODES["balanced"]  # the bug showed the version-less 0.46
    assert f"accepted up to {deciding:.2f}" in str(confidence(0.40))
    assert versions.match_rule().threshold == deciding


def test_review_grouping_follows_the_active_versions_balanced_threshold(settings):
    settings.REVIEW_GROUP_DISTANCE = None
    for version in (MIRROR, PLAIN):
        GalleryVersion.bump(encoding_version=version)
        assert versions.review_group_distance() == decision.MODES_BY_VERSION[version]["balanced"]
    settings.REVIEW_GROUP_DISTANCE = 0.3
    assert versions.review_group_distance() == 0.3


def test_a_person_who_left_through_an_exit_camera_is_not_on_the_muster_list(client):
    client.force_login(make_user("guard", role=SECURITY))
    ana = make_person("Ana", employee_id="ana")
    door, entry, _ = door_with_kiosk("Lab 2")
    exit_door = Door.objects.create(name="Lab 2 exit", zone=Zone.objects.get(name="Research"))
    Camera.objects.create(
        name="Exit camera", url="rtsp://192.0.2.10/exit", purpose=Camera.Purpose.DOOR, door=exit_door, door_side="exit"
    )
    grant(ana, zones=[door.zone], any_time=True, closed_on_holidays=False)
    now = timezone.now()
    access_attempt_decide(door=door, side="entry", at=now - timedelta(minutes=5), person=ana, kiosk=entry)
    assert "Research: 1 inside" in client.get(reverse("access-muster")).content.decode()
    access_attempt_decide(door=exit_door, side="exit", at=now - timedelta(minutes=1), person=ana)
    assert "Research: 0 inside" in client.get(reverse("access-muster")).content.decode()
