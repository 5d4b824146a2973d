"""Visitors: registered at reception with a photo, admitted at their doors during the pass, refused after,
their face erased after VISITOR_RETENTION_DAYS with an audit row left."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.access.models import AccessEvent, OperatorAction, Visitor
from portal.access.services import access_attempt_decide
from portal.access.visitors import visitor_register, visitors_erase
from portal.accounts.roles import RECEPTION
from portal.people.models import Person
from recognition.models import FacePhoto
from tests import photos
from tests.factories import make_person, make_user
from tests.portal.access.helpers import door_with_kiosk
from tests.portal.kiosks.kiosk_helpers import attempt, kiosk_frame

pytestmark = pytest.mark.django_db


@pytest.fixture
def host():
    return make_person("Joe Host", employee_id="host")


def register(host, door, *, start, hours, photo=photos.OBAMA_2):
    """A pass given by security (any door) at its start, which may lie in the past here (erasure's tests)."""
    return visitor_register(
        name="Barack Visitor",
        host=host,
        doors=[door],
        valid_from=start,
        valid_until=start + timedelta(hours=hours),
        photo=photos.read(photo),
        any_door=True,
        now=start,
    )


def test_reception_registers_a_visitor_with_a_photo_on_the_visitors_page(
    client, host, django_capture_on_commit_callbacks
):
    door, _, _ = door_with_kiosk("Lobby", visitor_door=True)
    client.force_login(make_user("desk", role=RECEPTION))
    upload = SimpleUploadedFile("visitor.jpg", photos.read(photos.OBAMA_2), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("access-visitors"),
            {
                "name": "Barack Visitor",
                "company": "ACME",
                "host": host.pk,
                "doors": [door.pk],
                "valid_from": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "hours": 4,
                "photo": upload,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    visitor = Visitor.objects.get()
    assert (visitor.company, visitor.host, list(visitor.doors.all())) == ("ACME", host, [door])
    # the photo went through enrollment's checks and encoding (eager worker)
    assert visitor.person.photos.get().status == FacePhoto.Status.ACCEPTED
    assert OperatorAction.objects.filter(action="visitor registered").exists()


def test_a_visitor_is_admitted_at_a_kiosk_during_the_pass_and_refused_after_it(
    client, host, django_capture_on_commit_callbacks
):
    door, kiosk, token = door_with_kiosk("Lobby")
    with django_capture_on_commit_callbacks(execute=True):
        visitor = register(host, door, start=timezone.now() - timedelta(hours=1), hours=2)
    frames = [kiosk_frame(photos.OBAMA, shift=(i * 3, 0)) for i in range(3)]
    answer = attempt(client, token, frames, django_capture_on_commit_callbacks).json()
    assert answer["outcome"] == "door_open"
    assert AccessEvent.objects.get().visitor == visitor
    Visitor.objects.filter(pk=visitor.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    answer = attempt(client, token, frames, django_capture_on_commit_callbacks).json()
    assert (answer["outcome"], answer["message"]) == ("denied", "Pass expired, Barack Visitor")


def test_a_visitor_pass_does_not_open_a_door_it_does_not_name(host):
    lobby, _, _ = door_with_kiosk("Lobby")
    lab, _, _ = door_with_kiosk("Lab 2")
    visitor = register(host, lobby, start=timezone.now() - timedelta(hours=1), hours=2)
    event = access_attempt_decide(door=lab, side="entry", at=timezone.now(), person=visitor.person)
    assert (event.result, event.reason) == ("denied", "no_access")


def test_a_visitors_face_is_erased_after_the_retention_days_and_an_audit_row_stays(settings, host):
    settings.VISITOR_RETENTION_DAYS = 7
    door, _, _ = door_with_kiosk("Lobby")
    start = timezone.now() - timedelta(days=10)
    old = register(host, door, start=start, hours=8)
    recent = register(host, door, start=timezone.now() - timedelta(days=2), hours=8, photo=photos.BIDEN)
    event = access_attempt_decide(door=door, side="entry", at=start + timedelta(hours=1), person=old.person)
    old_person = old.person_id
    assert visitors_erase() == 1
    old.refresh_from_db()
    assert old.erased_at is not None and old.person is None
    assert not Person.objects.filter(pk=old_person).exists()
    assert not FacePhoto.objects.filter(person_id=old_person).exists()
    event.refresh_from_db()
    assert (event.visitor, event.person) == (old, None)  # the log still says who visited
    # the detail is kept as a code and its values (portal.core.messages): read in English here
    assert any(a.detail.startswith("Barack Visitor") for a in OperatorAction.objects.filter(action="visitor erased"))
    recent.refresh_from_db()
    assert recent.person.photos.exists()
    assert visitors_erase() == 0


def test_a_visitor_is_not_listed_among_the_staff_in_the_people_directory(host):
    from portal.people.selectors import person_directory

    door, _, _ = door_with_kiosk("Lobby")
    register(host, door, start=timezone.now(), hours=2)
    people, _ = person_directory()
    assert [p.name for p in people] == ["Joe Host"]


def test_the_visitors_erase_command_erases_what_the_hourly_task_would(host):
    from io import StringIO

    from django.core.management import call_command

    door, _, _ = door_with_kiosk("Lobby")
    register(host, door, start=timezone.now() - timedelta(days=30), hours=8)
    out = StringIO()
    call_command("visitors_erase", "--days", "7", stdout=out)
    assert out.getvalue().startswith("1 visitors")
    assert Visitor.objects.get().erased_at is not None


def test_a_visitor_photo_without_a_face_does_not_give_a_valid_pass(client, host, django_capture_on_commit_callbacks):
    """Issue 25, 5: the photo is refused by the encoder; reception is told at once and the list says so."""
    door, _, _ = door_with_kiosk("Lobby", visitor_door=True)
    client.force_login(make_user("desk", role=RECEPTION))
    upload = SimpleUploadedFile("visitor.jpg", photos.no_face_jpeg(), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("access-visitors"),
            {
                "name": "Faceless Visitor",
                "host": host.pk,
                "doors": [door.pk],
                "valid_from": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "hours": 4,
                "photo": upload,
            },
            follow=True,
        )
    # the photo is checked after the registration commits: until then the pass is not called valid
    assert "The photo is being checked: the pass opens doors once the face is accepted" in response.content.decode()
    page = client.get(reverse("access-visitors")).content.decode()
    state = re.search(r"Faceless Visitor</td>.*?data-label=\"State\">(.*?)</td>", page, re.S).group(1)
    assert "photo refused" in state and "opens no door" in state and ">valid<" not in state


def visitor_post(client, host, door, django_capture_on_commit_callbacks, *, name="Barack Visitor"):
    upload = SimpleUploadedFile("visitor.jpg", photos.read(photos.OBAMA_2), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("access-visitors"),
            {
                "name": name,
                "company": "ACME",
                "host": host.pk,
                "doors": [door.pk],
                "valid_from": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "hours": 4,
                "photo": upload,
            },
        )


def test_reception_gets_a_printable_pass_whose_qr_code_is_the_pass_page(
    client, host, django_capture_on_commit_callbacks
):
    """Issue 25, 20: a pass to print, with a QR code a guard scans to see the pass as it is now."""
    import segno

    door, _, _ = door_with_kiosk("Lobby", visitor_door=True)
    client.force_login(make_user("desk", role=RECEPTION))
    response = visitor_post(client, host, door, django_capture_on_commit_callbacks)
    visitor = Visitor.objects.get()
    address = reverse("access-visitor", args=[visitor.pk])
    assert response["Location"] == address  # straight to the pass, to print
    page = client.get(address).content.decode()
    assert "Barack Visitor" in page and "ACME" in page and "Joe Host" in page and "Lobby" in page
    assert re.search(r'id="pass-state">valid<', page)
    assert segno.make(f"http://testserver{address}", error="m").svg_inline(scale=4) in page
    assert 'id="print-page"' in page and "End the pass now" in page
    assert f'href="{address}"' in client.get(reverse("access-visitors")).content.decode()


def test_ending_a_pass_now_refuses_the_visitor_at_every_door_from_then(
    client, host, django_capture_on_commit_callbacks
):
    door, _, _ = door_with_kiosk("Lobby")
    with django_capture_on_commit_callbacks(execute=True):
        visitor = register(host, door, start=timezone.now() - timedelta(hours=1), hours=8)
    assert access_attempt_decide(door=door, side="entry", at=timezone.now(), person=visitor.person).result == "granted"
    client.force_login(make_user("desk", role=RECEPTION))
    response = client.post(reverse("access-visitor-end", args=[visitor.pk]), {"next": "list"}, follow=True)
    assert "The pass of Barack Visitor has ended" in response.content.decode()
    visitor.refresh_from_db()
    assert visitor.valid_until <= timezone.now() and visitor.ended_by.username == "desk"
    assert OperatorAction.objects.filter(action="visitor pass ended", username="desk").exists()
    later = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=visitor.person)
    assert (later.result, later.reason) == ("denied", "pass_expired")
    page = client.get(reverse("access-visitor", args=[visitor.pk])).content.decode()
    assert re.search(r'id="pass-state"><strong class="error">ended<', page) and "End the pass now" not in page
    # once ended, ending again changes nothing
    client.post(reverse("access-visitor-end", args=[visitor.pk]))
    assert OperatorAction.objects.filter(action="visitor pass ended").count() == 1


def test_the_host_is_told_by_email_when_the_pass_is_given_and_once_when_the_visitor_arrives(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    from tests.factories import make_employee

    host, _ = make_employee("Joe Host", email="joe@example.com")
    door, _, _ = door_with_kiosk("Lobby")
    with django_capture_on_commit_callbacks(execute=True):
        visitor = register(host, door, start=timezone.now() - timedelta(minutes=5), hours=8)
    assert [m.to for m in mailoutbox] == [["joe@example.com"]]
    assert "Your visitor Barack Visitor is registered" in mailoutbox[0].subject
    assert "Lobby" in mailoutbox[0].body
    for seconds in (0, 30):
        with django_capture_on_commit_callbacks(execute=True):
            access_attempt_decide(
                door=door, side="entry", at=timezone.now() + timedelta(seconds=seconds), person=visitor.person
            )
    assert len(mailoutbox) == 2
    assert mailoutbox[1].subject.startswith("Your visitor Barack Visitor has arrived: let in at Lobby")
    visitor.refresh_from_db()
    assert visitor.arrived_at is not None


def test_a_host_without_an_account_is_not_told_and_the_pass_is_given_all_the_same(
    host, django_capture_on_commit_callbacks, mailoutbox
):
    door, _, _ = door_with_kiosk("Lobby")
    with django_capture_on_commit_callbacks(execute=True):
        visitor = register(host, door, start=timezone.now() - timedelta(minutes=5), hours=8)
    assert visitor.pk and mailoutbox == []


def test_a_broker_that_is_down_never_undoes_the_door_and_tells_no_host(
    host, django_capture_on_commit_callbacks, monkeypatch
):
    from portal.access import visitors

    def down(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(visitors.visitor_arrival_notify, "delay", down)
    door, _, _ = door_with_kiosk("Lobby")
    with django_capture_on_commit_callbacks(execute=True):
        visitor = register(host, door, start=timezone.now() - timedelta(minutes=5), hours=8)
    with django_capture_on_commit_callbacks(execute=True):
        event = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=visitor.person)
    assert event.result == "granted" and AccessEvent.objects.get().pk == event.pk
