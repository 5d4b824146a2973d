"""Kiosk attempts in the Django admin: admins only, and never deleted there."""

import pytest
from django.urls import reverse

from portal.accounts.roles import ADMIN, HR
from recognition.models import Capture
from tests.factories import make_user
from tests.portal.kiosks.kiosk_helpers import paired_kiosk

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt():
    kiosk, _ = paired_kiosk()
    return Capture.objects.create(kiosk=kiosk, source=Capture.Source.KIOSK, status=Capture.Status.DONE)


def test_hr_neither_sees_nor_deletes_kiosk_attempts_in_the_admin(client, attempt):
    upload = Capture.objects.create(source=Capture.Source.UPLOAD, status=Capture.Status.DONE)
    client.force_login(make_user("hr", role=HR))
    listing = client.get(reverse("admin:recognition_capture_changelist"))
    assert listing.status_code == 200
    shown = {row.pk for row in listing.context["cl"].result_list}
    assert shown == {upload.pk}
    change = client.get(reverse("admin:recognition_capture_change", args=[attempt.pk]))
    assert change.status_code == 302  # "does not exist", back to the list
    delete = client.post(reverse("admin:recognition_capture_delete", args=[attempt.pk]), {"post": "yes"})
    assert delete.status_code in (302, 403)
    bulk = client.post(
        reverse("admin:recognition_capture_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302, 403)
    assert Capture.objects.filter(pk=attempt.pk).exists()


def test_even_an_admin_cannot_delete_an_attempt_in_the_admin(client, attempt):
    client.force_login(make_user("boss", role=ADMIN))
    listing = client.get(reverse("admin:recognition_capture_changelist"))
    assert attempt.pk in {row.pk for row in listing.context["cl"].result_list}
    assert "delete_selected" not in listing.content.decode()
    assert client.post(
        reverse("admin:recognition_capture_delete", args=[attempt.pk]), {"post": "yes"}
    ).status_code == 403
    client.post(
        reverse("admin:recognition_capture_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert Capture.objects.filter(pk=attempt.pk).exists()
