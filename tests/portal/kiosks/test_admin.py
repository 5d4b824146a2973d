"""Kiosk admin pages (admins only), the kiosk and pairing pages, snapshot retention."""

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import ADMIN, HR
from portal.attendance.models import AttendanceEvent
from portal.kiosks.models import Kiosk
from portal.kiosks.services import kiosk_snapshots_expire
from portal.kiosks.tasks import kiosk_snapshots_expire as expire_task
from recognition.models import Capture, CaptureFrame
from tests import photos
from tests.factories import enrolled, make_user
from tests.portal.kiosks.kiosk_helpers import attempt, auth, kiosk_frame, paired_kiosk

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("boss", superuser=True))
    return client


def test_an_admin_registers_pairs_and_revokes_a_kiosk(admin_client, client):
    response = admin_client.post(
        reverse("admin:kiosks_kiosk_add"),
        {"name": "Front door", "location": "Lobby", "mode": "verify", "direction": "buttons", "liveness": "on"},
    )
    assert response.status_code == 302
    kiosk = Kiosk.objects.get()
    assert (kiosk.mode, kiosk.direction, kiosk.liveness, kiosk.paired) == ("verify", "buttons", True, False)

    page = admin_client.post(reverse("admin:kiosks_kiosk_pair", args=[kiosk.pk])).content.decode()
    code = re.search(r'id="pairing-code"[^>]*>([A-Z0-9-]+)<', page).group(1)
    link = re.search(r'id="pairing-link" href="([^"]+)"', page).group(1)
    assert link.endswith(reverse("kiosk-pair-code", args=[code.replace("-", "")]))

    token = client.post(reverse("kiosk-api-pair"), {"code": code}).json()["token"]
    assert client.get(reverse("kiosk-api-config"), **auth(token)).json()["direction"] == "buttons"
    change = admin_client.get(reverse("admin:kiosks_kiosk_change", args=[kiosk.pk])).content.decode()
    assert "paired" in change and "Revoke" in change

    assert admin_client.get(reverse("admin:kiosks_kiosk_revoke", args=[kiosk.pk])).status_code == 200
    assert admin_client.post(reverse("admin:kiosks_kiosk_revoke", args=[kiosk.pk])).status_code == 302
    assert client.get(reverse("kiosk-api-config"), **auth(token)).status_code == 403
    change = admin_client.get(reverse("admin:kiosks_kiosk_change", args=[kiosk.pk])).content.decode()
    assert "revoked" in change and "cannot be paired again" in change


def test_hr_managers_do_not_manage_kiosks(client):
    kiosk, _ = paired_kiosk()
    client.force_login(make_user("hr", role=HR))
    # the Django admin is for superusers: its sign-in page for everyone else
    assert client.get(reverse("admin:kiosks_kiosk_changelist")).status_code == 302
    assert client.post(reverse("admin:kiosks_kiosk_pair", args=[kiosk.pk])).status_code == 302
    assert client.post(reverse("admin:kiosks_kiosk_revoke", args=[kiosk.pk])).status_code == 302
    # and the portal's own kiosk pages are for admins
    assert client.get(reverse("org-kiosks")).status_code == 403
    assert client.post(reverse("org-kiosk-pair", args=[kiosk.pk])).status_code == 403
    assert client.post(reverse("org-kiosk-revoke", args=[kiosk.pk])).status_code == 403
    kiosk.refresh_from_db()
    assert not kiosk.revoked


def test_the_kiosk_and_pairing_pages_need_no_sign_in(client):
    page = client.get(reverse("kiosk"))
    assert page.status_code == 200 and "js/kiosk.js" in page.content.decode()
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    assert "js/kiosk-pair.js" in client.get(reverse("kiosk-pair")).content.decode()


def test_the_admin_sees_a_kiosks_recent_attempts(admin_client, django_capture_on_commit_callbacks):
    enrolled("Barack Obama", photos.OBAMA_2, employee_id="1042")
    kiosk, token = paired_kiosk()
    attempt(admin_client, token, [kiosk_frame(photos.OBAMA)], django_capture_on_commit_callbacks)
    change = admin_client.get(reverse("admin:kiosks_kiosk_change", args=[kiosk.pk])).content.decode()
    assert "Barack Obama" in change and "match" in change


def test_old_kiosk_pictures_are_deleted_and_the_events_stay(client, django_capture_on_commit_callbacks):
    enrolled("Barack Obama", photos.OBAMA_2, employee_id="1042")
    _, token = paired_kiosk()
    frames = [kiosk_frame(photos.OBAMA), kiosk_frame(photos.OBAMA, shift=(4, 0))]
    attempt(client, token, frames, django_capture_on_commit_callbacks)
    attempt(client, token, [kiosk_frame(photos.STRANGER)], django_capture_on_commit_callbacks)
    old, recent = Capture.objects.order_by("created_at")
    Capture.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    old_files = [Path(old.image.path), Path(old.annotated.path), Path(CaptureFrame.objects.get(capture=old).image.path)]
    assert all(f.is_file() for f in old_files)

    with django_capture_on_commit_callbacks(execute=True):
        assert kiosk_snapshots_expire() == 1
    assert not any(f.is_file() for f in old_files)
    old.refresh_from_db()
    assert not old.image and not old.annotated and not old.frames.exists()
    assert old.result["faces"][0]["name"] == "Barack Obama" and old.kiosk is not None
    assert AttendanceEvent.objects.get().capture == old
    client.force_login(make_user("admin", role=ADMIN))
    page = client.get(reverse("capture", args=[old.pk]))
    assert page.status_code == 200 and "deleted after the retention period" in page.content.decode()
    recent.refresh_from_db()
    assert Path(recent.image.path).is_file()
    assert expire_task.apply().get() == 0  # the beat task: nothing left to clear


def test_retention_leaves_uploads_alone(settings):
    from tests.factories import recognize

    capture = recognize(photos.read(photos.OBAMA_3))
    Capture.objects.filter(pk=capture.pk).update(created_at=timezone.now() - timedelta(days=400))
    assert kiosk_snapshots_expire() == 0 and Path(capture.image.path).is_file()


def test_the_beat_schedule_runs_the_retention_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["kiosk-snapshots-expire"]
    assert entry["task"] == expire_task.name


def test_the_command_expires_pictures_where_no_beat_runs(client, django_capture_on_commit_callbacks):
    _, token = paired_kiosk()
    attempt(client, token, [photos.no_face_jpeg()], django_capture_on_commit_callbacks)
    capture = Capture.objects.get()
    Capture.objects.filter(pk=capture.pk).update(created_at=timezone.now() - timedelta(days=3))
    out = StringIO()
    call_command("kiosk_snapshots_expire", "--days", "2", stdout=out)
    assert out.getvalue().startswith("1 kiosk attempts and camera tracks older than 2 days")
    capture.refresh_from_db()
    assert not capture.image


def test_a_new_kiosk_has_liveness_on_and_its_form_says_what_that_stops():
    from portal.kiosks.services import kiosk_register

    assert kiosk_register(name="Side door").liveness is True
    field = Kiosk._meta.get_field("liveness")
    assert field.default is True
    assert "a printed photo or a phone screen is refused however it is moved" in field.help_text
    assert "Does not stop a video" in field.help_text


def test_captures_older_than_their_retention_go_rows_frames_and_files_and_the_events_stay(
    client, settings, django_capture_on_commit_callbacks
):
    from recognition.services import captures_expire
    from recognition.tasks import captures_expire_task

    enrolled("Barack Obama", photos.OBAMA_2, employee_id="1042")
    _, token = paired_kiosk()
    frames = [kiosk_frame(photos.OBAMA), kiosk_frame(photos.OBAMA, shift=(4, 0))]
    attempt(client, token, frames, django_capture_on_commit_callbacks)
    attempt(client, token, [kiosk_frame(photos.STRANGER)], django_capture_on_commit_callbacks)
    old, recent = Capture.objects.order_by("created_at")
    queued = Capture.objects.create(image=old.image.name, status=Capture.Status.QUEUED)
    Capture.objects.filter(pk__in=[old.pk, queued.pk]).update(created_at=timezone.now() - timedelta(days=11))
    old_files = [Path(old.image.path), Path(old.annotated.path), Path(CaptureFrame.objects.get(capture=old).image.path)]
    settings.CAPTURE_RETENTION_DAYS = 0
    assert captures_expire() == 0  # 0 keeps them
    settings.CAPTURE_RETENTION_DAYS = 10
    with django_capture_on_commit_callbacks(execute=True):
        assert captures_expire(batch=1) == 1
    assert not any(f.is_file() for f in old_files)
    assert set(Capture.objects.values_list("pk", flat=True)) == {recent.pk, queued.pk}  # a queued one finishes first
    assert not CaptureFrame.objects.filter(capture_id=old.pk).exists()
    event = AttendanceEvent.objects.get()
    assert event.capture is None and event.person.name == "Barack Obama"
    assert captures_expire_task.apply().get() == 0
    assert settings.CELERY_BEAT_SCHEDULE["captures-expire"]["task"] == captures_expire_task.name
