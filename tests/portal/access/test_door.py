"""The decision at a door: a kiosk attempt becomes an AccessEvent, the screen says it, the lock gets a command."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.access import rules
from portal.access.models import AccessEvent, AccessGroup, Alert, Door, DoorCommand
from portal.access.services import access_attempt_decide, passback_reset, zone_lockdown
from portal.attendance.models import AttendanceEvent
from tests import photos
from tests.factories import enrolled, make_person, make_user
from tests.portal.access.helpers import door_with_kiosk, grant
from tests.portal.kiosks.kiosk_helpers import attempt, kiosk_frame

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def door_settings(settings):
    settings.KIOSK_RESULT_WAIT_SECONDS = 0
    settings.DOOR_MQTT_HOST = ""
    settings.DOOR_WEBHOOK_URL = ""


@pytest.fixture
def obama(db):
    return enrolled("Barack Obama", photos.OBAMA_2, employee_id="1042")


def frames(path=photos.OBAMA, n=3):
    return [kiosk_frame(path, shift=(i * 3, 0)) for i in range(n)]


def test_a_person_with_access_sees_door_open_and_the_attempt_is_logged_as_granted(
    client, obama, settings, django_capture_on_commit_callbacks
):
    settings.DOOR_WEBHOOK_URL, settings.DOOR_WEBHOOK_SECRET = "http://127.0.0.1:9/door", "s"
    door, kiosk, token = door_with_kiosk()
    grant(obama, doors=[door], any_time=True, closed_on_holidays=False)
    answer = attempt(client, token, frames(), django_capture_on_commit_callbacks).json()
    assert answer["outcome"] == "door_open"
    assert answer["message"].startswith("Door open") and answer["signalled"] is True
    event = AccessEvent.objects.get()
    assert (event.person, event.door, event.result, event.direction, event.kiosk) == (
        obama,
        door,
        "granted",
        "entry",
        kiosk,
    )
    assert AttendanceEvent.objects.count() == 0  # not a time clock


def test_with_no_door_controller_the_kiosk_says_the_door_is_not_opened(
    client, obama, django_capture_on_commit_callbacks
):
    """Issue 25, 13: nothing signals the lock, so the screen must not say "Door open"."""
    door, _, token = door_with_kiosk()
    grant(obama, doors=[door], any_time=True, closed_on_holidays=False)
    answer = attempt(client, token, frames(), django_capture_on_commit_callbacks).json()
    assert (answer["outcome"], answer["access"], answer["signalled"]) == ("door_open", "granted", False)
    assert answer["message"].startswith("Access granted, but the door is not opened: no door controller is set up.")
    assert "Door open" not in answer["message"] and "Barack Obama" in answer["message"]


def test_a_person_without_access_is_refused_with_no_access_to_this_door(
    client, obama, django_capture_on_commit_callbacks
):
    _, _, token = door_with_kiosk()
    answer = attempt(client, token, frames(), django_capture_on_commit_callbacks).json()
    assert (answer["outcome"], answer["message"]) == ("denied", "No access to this door, Barack Obama")
    assert AccessEvent.objects.get().reason == "no_access"


def test_a_refused_door_attempt_is_listed_as_refused_with_its_reason_not_as_a_match(
    client, obama, django_capture_on_commit_callbacks
):
    """Issue 25, 20: the kiosk's recent attempts said "match" for a face the door refused."""
    from django.urls import reverse

    _, kiosk, token = door_with_kiosk()
    attempt(client, token, frames(), django_capture_on_commit_callbacks)
    client.force_login(make_user("boss", superuser=True))
    page = client.get(reverse("org-kiosk", args=[kiosk.pk])).content.decode()
    decision = page.split('data-label="Decision">')[1].split("</td>")[0]
    assert decision == "access refused: No access to this door"


def test_a_stranger_is_refused_as_not_recognized(client, obama, django_capture_on_commit_callbacks):
    _, _, token = door_with_kiosk()
    answer = attempt(client, token, frames(photos.STRANGER), django_capture_on_commit_callbacks).json()
    assert (answer["outcome"], answer["message"]) == ("denied", "Not recognized")
    event = AccessEvent.objects.get()
    assert (event.person, event.result, event.reason) == (None, "denied", "not_recognized")


def test_a_time_clock_door_records_attendance_for_a_granted_entry_only(
    client, obama, django_capture_on_commit_callbacks
):
    door, _, token = door_with_kiosk("Main entrance", time_clock=True)
    grant(obama, doors=[door], any_time=True, closed_on_holidays=False)
    attempt(client, token, frames(), django_capture_on_commit_callbacks)
    assert AttendanceEvent.objects.get().direction == "in"
    door.state = Door.State.LOCKED_DOWN
    door.save()
    AttendanceEvent.objects.all().delete()
    answer = attempt(client, token, frames(), django_capture_on_commit_callbacks).json()
    assert answer["message"].startswith("Door locked down")
    assert AttendanceEvent.objects.count() == 0


def test_a_granted_attempt_writes_one_outbox_row_per_channel_in_its_transaction(settings, obama):
    settings.DOOR_MQTT_HOST = "127.0.0.1"
    settings.DOOR_WEBHOOK_URL = "http://127.0.0.1:9/door"
    settings.DOOR_WEBHOOK_SECRET = "s"
    door, kiosk, _ = door_with_kiosk(unlock_seconds=7)
    grant(obama, doors=[door], any_time=True, closed_on_holidays=False)
    event = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=obama, kiosk=kiosk)
    rows = DoorCommand.objects.filter(event=event)
    assert sorted(rows.values_list("channel", flat=True)) == ["mqtt", "webhook"]
    assert {(r.command, r.seconds, r.status) for r in rows} == {("unlock", 7, "pending")}
    refused = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=None, kiosk=kiosk)
    assert not refused.commands.exists()


def test_a_granted_attempt_in_a_zone_without_anti_passback_reads_no_passage_and_locks_nobody(obama):
    """The last passage changes nothing there (rules.passback_check): a person waits at the door."""
    door, kiosk, _ = door_with_kiosk()
    grant(obama, doors=[door], any_time=True, closed_on_holidays=False)
    grant(obama, doors=[door], any_time=True, closed_on_holidays=False, group="Night staff")
    with CaptureQueriesContext(connection) as done:
        event = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=obama, kiosk=kiosk)
    assert event.result == "granted"
    queries = [q["sql"] for q in done.captured_queries]
    passage = [q for q in queries if q.startswith("SELECT") and 'FROM "access_accessevent"' in q]
    assert not [q for q in queries if "FOR UPDATE" in q or "passbackreset" in q] and not passage
    assert len([q for q in queries if 'FROM "access_visitor"' in q]) == 1  # the pass read once
    # the person's groups and levels: one query and the levels' doors, zones and windows, not one a group
    assert len([q for q in queries if "access_accessgroup" in q]) == 1
    assert len(queries) == 10  # 17 before (2 groups): the pass twice, 3 for the groups, the lock, 2 passage reads


def test_a_persons_grants_come_in_the_order_of_their_groups_then_of_each_groups_levels():
    from portal.access.selectors import person_grants

    door, _, _ = door_with_kiosk()
    ana = make_person("Ana", department="Research")
    hours = [(2, time(18), time(6)), (1, time(9), time(17)), (1, time(7), time(8))]
    grant(ana, doors=[door], windows=hours, group="Zeta", valid_until=date(2030, 1, 31))
    grant(ana, doors=[door], any_time=True, group="Alpha")
    shared = grant(ana, doors=[door], any_time=True, group="Alpha")
    shared.groups.get().departments.add(ana.department)  # Alpha again through the department: once
    department = grant(None, zones=[door.zone], any_time=True, group="Research dept")
    department.groups.get().departments.add(ana.department)
    department.groups.add(AccessGroup.objects.get(name="Zeta"))
    grants = [(g.group, g.level.name, g.level.door_ids, g.level.zone_ids) for g in person_grants(ana)]
    assert grants == [
        ("Alpha", "Alpha level 2", {door.pk}, set()),
        ("Alpha", "Alpha level 3", {door.pk}, set()),
        ("Research dept", "Research dept level 4", set(), {door.zone_id}),
        ("Zeta", "Research dept level 4", set(), {door.zone_id}),
        ("Zeta", "Zeta level 1", {door.pk}, set()),
    ]
    zeta = person_grants(ana)[-1].level
    assert zeta.windows == tuple(rules.Window(*w) for w in sorted(hours))
    assert (zeta.any_time, zeta.closed_on_holidays, zeta.valid_from, zeta.valid_until) == (
        False,
        True,
        None,
        date(2030, 1, 31),
    )
    assert person_grants(make_person("Bo")) == []


def test_hard_anti_passback_refuses_a_second_entry_until_an_exit_or_an_operator_reset(obama):
    door, kiosk, _ = door_with_kiosk()
    door.zone.anti_passback = "hard"
    door.zone.save()
    grant(obama, zones=[door.zone], any_time=True, closed_on_holidays=False)
    now = timezone.now() - timedelta(minutes=1)
    assert access_attempt_decide(door=door, side="entry", at=now, person=obama).result == "granted"
    second = access_attempt_decide(door=door, side="entry", at=now + timedelta(seconds=1), person=obama)
    assert (second.result, second.reason) == ("denied", "anti_passback")
    assert access_attempt_decide(door=door, side="exit", at=now + timedelta(seconds=2), person=obama).result == (
        "granted"
    )
    assert access_attempt_decide(door=door, side="entry", at=now + timedelta(seconds=3), person=obama).result == (
        "granted"
    )
    passback_reset(zone=door.zone, user=make_user("guard"))
    after_reset = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=obama)
    assert after_reset.result == "granted"


def test_soft_anti_passback_opens_the_door_but_marks_the_second_entry(obama):
    door, _, _ = door_with_kiosk()
    door.zone.anti_passback = "soft"
    door.zone.save()
    grant(obama, zones=[door.zone], any_time=True, closed_on_holidays=False)
    now = timezone.now()
    first = access_attempt_decide(door=door, side="entry", at=now, person=obama)
    second = access_attempt_decide(door=door, side="entry", at=now + timedelta(seconds=1), person=obama)
    assert (first.passback_violation, second.result, second.passback_violation) == (False, "granted", True)


def test_access_through_a_department_group_and_inactive_people_are_refused():
    door, _, _ = door_with_kiosk()
    ana = make_person("Ana", department="Research")
    research = ana.department
    level = grant(None, doors=[door], any_time=True, closed_on_holidays=False, group="Research dept")
    level.groups.get().departments.add(research)
    assert access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana).result == "granted"
    ana.active = False
    ana.save()
    assert access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana).reason == "inactive"


def test_a_zone_lockdown_refuses_everyone_and_sends_lockdown_commands_audited(settings, obama):
    settings.DOOR_MQTT_HOST = "127.0.0.1"
    door, _, _ = door_with_kiosk()
    grant(obama, doors=[door], any_time=True, closed_on_holidays=False)
    zone_lockdown(zone=door.zone, user=make_user("guard"), reason="drill")
    assert DoorCommand.objects.get().command == "lockdown"
    assert Alert.objects.get().kind == "lockdown"
    door.refresh_from_db()
    assert access_attempt_decide(door=door, side="entry", at=timezone.now(), person=obama).reason == "locked_down"


def stranger_face(seed, near=None):
    """A 128-value encoding: a random face, or one within 0.1 of `near` (the same face seen again)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    if near is not None:
        return (np.frombuffer(near, dtype=np.float32) + rng.normal(0, 0.1 / 11.3, 128)).astype(np.float32).tobytes()
    return rng.normal(0, 0.09, 128).astype(np.float32).tobytes()


def test_a_lockdowns_alert_ends_with_it_even_when_the_zone_was_renamed_meanwhile():
    """Issue 25, 13: the alert stayed after the lockdown ended."""
    from portal.access.services import zone_lockdown_end

    door, _, _ = door_with_kiosk()
    lab, _, _ = door_with_kiosk("Lab 3", zone="Research annex")
    guard = make_user("guard")
    zone_lockdown(zone=door.zone, user=guard)
    zone_lockdown(zone=lab.zone, user=guard)
    zone = door.zone
    zone.name = "Research West"
    zone.save()
    zone_lockdown_end(zone=zone, user=guard)
    # the other zone's lockdown goes on, and so does its alert
    assert list(Alert.objects.filter(acknowledged_at=None).values_list("message", flat=True)) == [
        "Research annex locked down by guard"
    ]


def test_the_same_stranger_refused_again_and_again_at_one_door_raises_one_alert(settings):
    settings.ALERT_UNKNOWN_REFUSALS = 3
    door, _, _ = door_with_kiosk()
    now = timezone.now()
    face = stranger_face(1)
    for i in range(5):
        again = face if i == 0 else stranger_face(100 + i, near=face)
        access_attempt_decide(door=door, side="entry", at=now + timedelta(seconds=i), person=None, unknown_face=again)
    alert = Alert.objects.get()
    assert alert.kind == "unknown_repeated" and alert.door == door
    assert "the same unrecognized face was refused 3 times" in alert.message


def test_different_strangers_refused_at_a_busy_door_raise_no_alert(settings):
    settings.ALERT_UNKNOWN_REFUSALS = 3
    door, _, _ = door_with_kiosk()
    now = timezone.now()
    for i in range(6):
        access_attempt_decide(
            door=door, side="entry", at=now + timedelta(seconds=i), person=None, unknown_face=stranger_face(i)
        )
    assert AccessEvent.objects.filter(reason="not_recognized").count() == 6
    assert not Alert.objects.exists()


def test_a_strangers_face_is_kept_only_for_the_alerts_window(settings):
    from portal.access.tasks import sweep_door_commands

    settings.ALERT_UNKNOWN_MINUTES = 10
    door, _, _ = door_with_kiosk()
    old = access_attempt_decide(
        door=door, side="entry", at=timezone.now() - timedelta(minutes=11), person=None, unknown_face=stranger_face(1)
    )
    fresh = access_attempt_decide(
        door=door, side="entry", at=timezone.now(), person=None, unknown_face=stranger_face(2)
    )
    old.refresh_from_db()
    assert old.unknown_face is None  # forgotten by the next check
    AccessEvent.objects.filter(pk=fresh.pk).update(at=timezone.now() - timedelta(minutes=11))
    sweep_door_commands()  # the periodic sweep forgets it without any new refusal
    fresh.refresh_from_db()
    assert fresh.unknown_face is None


def test_a_real_stranger_at_a_kiosk_door_three_times_raises_the_alert(
    client, settings, obama, django_capture_on_commit_callbacks
):
    settings.ALERT_UNKNOWN_REFUSALS = 3
    door, kiosk, token = door_with_kiosk()
    for _ in range(3):
        body = attempt(client, token, frames(photos.STRANGER), django_capture_on_commit_callbacks).json()
        assert body["outcome"] != "door_open"
    assert AccessEvent.objects.filter(reason="not_recognized").count() == 3
    assert Alert.objects.get().kind == "unknown_repeated"


def post_badge(client, token, employee_id, pin):
    from django.urls import reverse

    from tests.portal.kiosks.kiosk_helpers import auth

    return client.post(reverse("kiosk-api-badge"), {"employee_id": employee_id, "pin": pin}, **auth(token))


def test_a_badge_and_the_right_pin_open_a_face_or_pin_door_and_a_wrong_pin_does_not(client, settings):
    from portal.access.services import badge_pin_set

    settings.DOOR_WEBHOOK_URL, settings.DOOR_WEBHOOK_SECRET = "http://127.0.0.1:9/door", "s"
    door, _, token = door_with_kiosk("Server room", mode=Door.Mode.FACE_OR_BADGE_PIN, time_clock=True)
    ana = make_person("Ana", employee_id="A-7")
    grant(ana, doors=[door], any_time=True, closed_on_holidays=False)
    badge_pin_set(person=ana, pin="246813")
    answer = post_badge(client, token, "a-7", "246813").json()
    assert (answer["outcome"], answer["message"]) == ("door_open", "Door open. Hello, Ana")
    assert AttendanceEvent.objects.get().person == ana  # a time clock: the badge counts too
    wrong = post_badge(client, token, "A-7", "1111").json()
    assert (wrong["outcome"], wrong["message"]) == ("denied", "Wrong badge or PIN")
    unknown = post_badge(client, token, "nobody", "246813").json()
    assert unknown["message"] == "Wrong badge or PIN"
    assert list(AccessEvent.objects.order_by("id").values_list("reason", flat=True)) == [
        "granted",
        "bad_pin",
        "bad_pin",
    ]


def test_a_pin_is_refused_at_a_door_that_takes_faces_only(client):
    from portal.access.services import badge_pin_set

    door, _, token = door_with_kiosk("Lab 2")
    ana = make_person("Ana", employee_id="A-7")
    grant(ana, doors=[door], any_time=True, closed_on_holidays=False)
    badge_pin_set(person=ana, pin="246813")
    answer = post_badge(client, token, "A-7", "246813").json()
    assert (answer["outcome"], answer["message"]) == ("denied", "This door does not take a PIN")
    assert not DoorCommand.objects.exists()


def test_a_face_and_badge_door_refuses_a_face_alone_from_an_identify_kiosk(obama):
    door, kiosk, _ = door_with_kiosk("Vault", mode=Door.Mode.FACE_AND_BADGE)
    grant(obama, doors=[door], any_time=True, closed_on_holidays=False)
    face_alone = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=obama, kiosk=kiosk)
    assert face_alone.reason == "badge_required"
    with_badge = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=obama, verify=True)
    assert with_badge.result == "granted"


def test_an_unknown_employee_id_at_a_verify_kiosk_on_a_door_is_logged_as_not_recognized(
    client, django_capture_on_commit_callbacks
):
    from portal.kiosks.models import Kiosk

    door, kiosk, token = door_with_kiosk("Vault", mode=Door.Mode.FACE_AND_BADGE)
    Kiosk.objects.filter(pk=kiosk.pk).update(mode=Kiosk.Mode.VERIFY)
    answer = attempt(client, token, frames(), django_capture_on_commit_callbacks, employee_id="nobody").json()
    assert (answer["outcome"], answer["message"]) == ("denied", "Not recognized")
    event = AccessEvent.objects.get()
    assert (event.door, event.reason, event.person) == (door, "not_recognized", None)


def test_a_photo_held_still_at_a_liveness_kiosk_on_a_door_is_refused_as_liveness_failed(
    client, obama, django_capture_on_commit_callbacks
):
    from portal.kiosks.models import Kiosk

    door, kiosk, token = door_with_kiosk()
    Kiosk.objects.filter(pk=kiosk.pk).update(liveness=True)
    grant(obama, doors=[door], any_time=True, closed_on_holidays=False)
    still = [kiosk_frame(photos.OBAMA)] * 5
    answer = attempt(client, token, still, django_capture_on_commit_callbacks).json()
    assert (answer["outcome"], answer["message"]) == ("denied", "Liveness check failed, please try again")
    assert AccessEvent.objects.get().reason == "not_live"
    assert not DoorCommand.objects.exists()
