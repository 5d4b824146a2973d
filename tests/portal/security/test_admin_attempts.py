"""Kiosk attempts in the Django admin: admins only, and never deleted there."""

import pytest
from django.urls import reverse

from portal.accounts.roles import HR
from recognition.models import Capture
from tests.factories import make_user
from tests.portal.kiosks.kiosk_helpers import paired_kiosk

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt():
    kiosk, _ = paired_kiosk()
    return Capture.objects.create(kiosk=kiosk, source=Capture.Source.KIOSK, status=Capture.Status.DONE)


def test_hr_neither_sees_nor_deletes_kiosk_attempts_in_the_admin(client, attempt):
    # the Django admin is for superusers only: HR is sent to its sign-in page, for every page of it
    client.force_login(make_user("hr", role=HR))
    listing = client.get(reverse("admin:recognition_capture_changelist"))
    assert listing.status_code == 302 and "/admin/login/" in listing["Location"]
    delete = client.post(reverse("admin:recognition_capture_delete", args=[attempt.pk]), {"post": "yes"})
    assert delete.status_code == 302 and "/admin/login/" in delete["Location"]
    bulk = client.post(
        reverse("admin:recognition_capture_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert bulk.status_code == 302
    assert Capture.objects.filter(pk=attempt.pk).exists()


def test_even_a_superuser_cannot_delete_an_attempt_in_the_admin(client, attempt):
    client.force_login(make_user("boss", superuser=True))
    listing = client.get(reverse("admin:recognition_capture_changelist"))
    assert attempt.pk in {row.pk for row in listing.context["cl"].result_list}
    assert "delete_selected" not in listing.content.decode()
    assert (
        client.post(reverse("admin:recognition_capture_delete", args=[attempt.pk]), {"post": "yes"}).status_code == 403
    )
    client.post(
        reverse("admin:recognition_capture_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert Capture.objects.filter(pk=attempt.pk).exists()
