"""The access pages: the question page, the log with its exports, on site now and the muster list, operator actions."""

import io
from datetime import UTC, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.access.models import AccessEvent, Alert, Door, DoorCommand, OperatorAction
from portal.access.services import access_attempt_decide
from portal.accounts.roles import SECURITY
from tests.factories import make_person, make_user
from tests.portal.access.helpers import door_with_kiosk, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def guard(client):
    user = make_user("guard", role=SECURITY)
    client.force_login(user)
    return user


@pytest.fixture
def ana():
    return make_person("Ana", employee_id="ana")


def test_the_question_page_says_ana_may_not_open_lab_2_on_saturday_at_22_and_why(client, guard, ana):
    door, _, _ = door_with_kiosk("Lab 2")
    grant(ana, doors=[door], windows=[(d, time(8), time(18)) for d in range(1, 6)], group="Researchers")
    answer = client.get(reverse("access-explain"), {"person": ana.pk, "door": door.pk, "at": "2026-03-07T22:00"})
    text = answer.content.decode()
    assert "No: Outside your hours" in text
    assert "group Researchers" in text and "Saturday 2026-03-07 22:00" in text
    weekday = client.get(reverse("access-explain"), {"person": ana.pk, "door": door.pk, "at": "2026-03-02T10:00"})
    assert "Yes: the door opens" in weekday.content.decode()


def test_the_question_page_reads_the_time_in_the_zone_of_the_door(client, guard, ana, settings):
    settings.TIME_ZONE = "UTC"
    door, _, _ = door_with_kiosk("Lab 2")
    door.zone.time_zone = "Europe/Berlin"
    door.zone.save()
    grant(ana, doors=[door], windows=[(1, time(8), time(9))])
    # 08:30 in Berlin is inside, although it is 07:30 UTC
    answer = client.get(reverse("access-explain"), {"person": ana.pk, "door": door.pk, "at": "2026-03-02T08:30"})
    assert "Yes: the door opens" in answer.content.decode()


def attempts(ana):
    door, kiosk, _ = door_with_kiosk("Lab 2")
    other, _, _ = door_with_kiosk("Lobby", zone="Main")
    grant(ana, doors=[door], any_time=True, closed_on_holidays=False)
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    access_attempt_decide(door=door, side="entry", at=at, person=ana, kiosk=kiosk)
    access_attempt_decide(door=other, side="entry", at=at + timedelta(minutes=1), person=ana)
    access_attempt_decide(door=door, side="entry", at=at + timedelta(minutes=2), person=None)
    return door, other


def test_the_access_log_filters_by_door_and_result(client, guard, ana):
    door, _ = attempts(ana)
    page = client.get(reverse("access-log"), {"door": door.pk, "result": "denied"})
    assert page.context["page"].paginator.count == 1
    assert "Not recognized" in page.content.decode()


def test_the_access_log_exports_csv_and_xlsx_with_the_same_rows(client, guard, ana):
    attempts(ana)
    raw = b"".join(client.get(reverse("access-log-export", args=["csv"]), {"person": ana.pk}))
    # Excel on Windows reads UTF-8 only after a byte-order mark, like the attendance CSVs have
    assert raw.startswith(b"\xef\xbb\xbf")
    csv_text = raw.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("time,door,zone,direction,person")
    assert len(lines) == 3 and {line.split(",")[1] for line in lines[1:]} == {"Lab 2", "Lobby"}
    xlsx = client.get(reverse("access-log-export", args=["xlsx"]), {"person": ana.pk})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "time" and len(rows) == 3
    assert {row[7] for row in rows[1:]} == {"granted", "denied"}
    plain = b"".join(client.get(reverse("access-log-export", args=["csv"]), {"person": ana.pk, "bom": "0"}))
    assert plain.startswith(b"time,")


def test_the_live_view_shows_the_latest_attempts(client, guard, ana):
    attempts(ana)
    fragment = client.get(reverse("access-live")).content.decode()
    assert fragment.count("<tr class=") == 3


def test_on_site_counts_a_person_inside_after_an_entry_and_out_after_an_exit(client, guard, ana):
    door, entry, _ = door_with_kiosk("Lab 2")
    _, exit_kiosk, _ = door_with_kiosk("Lab 2 exit", zone="Research", side="exit")
    grant(ana, zones=[door.zone], any_time=True, closed_on_holidays=False)
    now = timezone.now()
    access_attempt_decide(door=door, side="entry", at=now - timedelta(minutes=5), person=ana, kiosk=entry)
    muster = client.get(reverse("access-muster"))
    assert "Research: 1 inside" in muster.content.decode() and "Ana" in muster.content.decode()
    access_attempt_decide(door=exit_kiosk.door, side="exit", at=now - timedelta(minutes=1), person=ana)
    assert "Research: 0 inside" in client.get(reverse("access-muster")).content.decode()


def test_an_operator_unlock_sends_a_command_for_the_minutes_and_is_audited(client, guard, settings):
    settings.DOOR_MQTT_HOST = "127.0.0.1"
    door, _, _ = door_with_kiosk("Lab 2")
    response = client.post(reverse("access-door-unlock", args=[door.pk]), {"minutes": 10})
    assert response.status_code == 302
    command = DoorCommand.objects.get()
    assert (command.command, command.seconds, command.issued_by) == ("unlock", 600, guard)
    door.refresh_from_db()
    assert door.state == Door.State.UNLOCKED
    assert OperatorAction.objects.get().action == "unlock"


def test_lockdown_and_its_end_from_the_doors_page(client, guard, ana):
    door, _, _ = door_with_kiosk("Lab 2")
    # one stray click locks nobody out: the lockdown needs its confirmation
    client.post(reverse("access-zone-lockdown", args=[door.zone.pk]), {"reason": "drill"})
    door.refresh_from_db()
    assert door.state == Door.State.NORMAL and not OperatorAction.objects.exists()
    assert "Tick the box to confirm the lockdown." in client.get(reverse("access-doors")).content.decode()
    client.post(reverse("access-zone-lockdown", args=[door.zone.pk]), {"reason": "drill", "confirm": "on"})
    door.refresh_from_db()
    assert door.state == Door.State.LOCKED_DOWN
    assert "drill" in client.get(reverse("access-doors")).content.decode()
    client.post(reverse("access-zone-release", args=[door.zone.pk]))
    door.refresh_from_db()
    assert door.state == Door.State.NORMAL
    assert list(OperatorAction.objects.values_list("action", flat=True)) == ["lockdown end", "lockdown"]
    # the lockdown's alert ends with it
    assert not Alert.objects.filter(acknowledged_at=None).exists()
    assert "locked down by" not in client.get(reverse("access-doors")).content.decode()


def test_a_passback_reset_from_the_doors_page_lets_a_person_enter_again(client, guard, ana):
    door, _, _ = door_with_kiosk("Lab 2")
    door.zone.anti_passback = "hard"
    door.zone.save()
    grant(ana, zones=[door.zone], any_time=True, closed_on_holidays=False)
    access_attempt_decide(door=door, side="entry", at=timezone.now() - timedelta(minutes=1), person=ana)
    assert access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana).reason == "anti_passback"
    client.post(reverse("access-zone-passback-reset", args=[door.zone.pk]))
    later = timezone.now() + timedelta(seconds=1)
    assert access_attempt_decide(door=door, side="entry", at=later, person=ana).result == AccessEvent.Result.GRANTED


def test_security_staff_start_on_the_doors_page_and_reception_on_visitors_after_signing_in(client):
    from portal.accounts.roles import RECEPTION

    make_user("guard", role=SECURITY, password="pw-guard-1")
    make_user("desk", role=RECEPTION, password="pw-desk-1")
    signed = client.post(reverse("login"), {"username": "guard", "password": "pw-guard-1"})
    assert signed["Location"] == reverse("access-doors")
    client.logout()
    signed = client.post(reverse("login"), {"username": "desk", "password": "pw-desk-1"})
    assert signed["Location"] == reverse("access-visitors")


def test_the_doors_page_warns_while_no_door_controller_is_configured(client, guard, settings):
    """Issue 25, 13: a granted attempt opened no lock and nothing said so."""
    settings.DOOR_MQTT_HOST, settings.DOOR_WEBHOOK_URL = "", ""
    door_with_kiosk("Lab 2")
    assert "No door controller is configured" in client.get(reverse("access-doors")).content.decode()
    settings.DOOR_MQTT_HOST = "127.0.0.1"
    assert "No door controller is configured" not in client.get(reverse("access-doors")).content.decode()
