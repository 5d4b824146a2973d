"""Door commands leave the machine for real: a Mosquitto subscriber and a local HTTP controller receive them,
in time or never."""

import json
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.access.delivery import door_command_deliver, door_commands_sweep
from portal.access.models import AccessEvent, Alert, DoorCommand
from portal.access.services import access_attempt_decide
from portal.access.signing import HEADER, signature_make, signature_verify
from tests.factories import make_person
from tests.portal.access.controllers import blackhole
from tests.portal.access.helpers import door_with_kiosk, grant
from tests.portal.access.mqtt_helpers import PrivateBroker, Subscriber, free_port

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "controller-secret"


@pytest.fixture(autouse=True)
def roles_and_channels(settings, db):
    from django.contrib.auth.models import Group

    from portal.accounts.roles import GROUPS

    for name in GROUPS.values():  # transactional tests flush what migrations made
        Group.objects.get_or_create(name=name)
    settings.DOOR_MQTT_HOST = ""
    settings.DOOR_WEBHOOK_URL = ""
    settings.DOOR_COMMAND_MAX_AGE_SECONDS = 5.0


@contextmanager
def task_lost(monkeypatch):
    """The delivery task never reaches a worker (the broker lost it)."""
    with monkeypatch.context() as patch:
        patch.setattr("portal.access.tasks.door_commands_enqueue", lambda commands, **options: None)
        yield


@pytest.fixture
def ana(db):
    return make_person("Ana", employee_id="ana")


@pytest.fixture
def lab(ana):
    door, kiosk, _ = door_with_kiosk("Lab 2", unlock_seconds=4, controller_id="lab-2")
    grant(ana, doors=[door], any_time=True, closed_on_holidays=False)
    return door, kiosk


@pytest.fixture
def subscriber(settings):
    sub = Subscriber()
    settings.DOOR_MQTT_HOST, settings.DOOR_MQTT_PORT, settings.DOOR_MQTT_TOPIC = "127.0.0.1", 1883, sub.topic
    yield sub
    sub.close()


def test_a_real_mqtt_subscriber_receives_the_unlock_command_of_a_granted_attempt(subscriber, ana, lab):
    door, kiosk = lab
    event = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    [(_, topic, payload)] = subscriber.wait_for(1)
    assert topic == f"{subscriber.prefix}/doors/lab-2/command"
    assert {k: payload[k] for k in ("door", "command", "seconds", "event_id")} == {
        "door": "lab-2",
        "command": "unlock",
        "seconds": 4,
        "event_id": event.pk,
    }
    assert DoorCommand.objects.get().status == "sent"
    assert subscriber.ages()[0] < 5.0


def test_a_refused_attempt_publishes_nothing(subscriber, lab):
    door, kiosk = lab
    stranger = make_person("Stranger", employee_id="x")
    access_attempt_decide(door=door, side="entry", at=timezone.now(), person=stranger, kiosk=kiosk)
    assert subscriber.wait_for(1, timeout=1.0) == []
    assert AccessEvent.objects.get().reason == "no_access"


def test_with_the_broker_down_no_event_is_lost_and_nothing_older_than_the_max_age_is_published_later(
    settings, ana, lab, tmp_path, monkeypatch
):
    door, kiosk = lab
    port = free_port()  # nothing listens here yet: the broker is "down"
    settings.DOOR_MQTT_HOST, settings.DOOR_MQTT_PORT = "127.0.0.1", port
    settings.DOOR_COMMAND_MAX_AGE_SECONDS = 1.0
    broker = PrivateBroker(port, tmp_path)
    prefix_topic = "down-test/doors/{door}/command"
    settings.DOOR_MQTT_TOPIC = prefix_topic
    # attempts while the broker is down: each delivery tries until the max age, then gives up
    for _ in range(2):
        access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    # and one whose task was lost with the broker: still pending in the outbox
    with task_lost(monkeypatch):
        access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    assert AccessEvent.objects.filter(result="granted").count() == 3
    assert sorted(DoorCommand.objects.values_list("status", flat=True)) == ["expired", "expired", "pending"]
    assert Alert.objects.filter(kind="delivery_failing").exists()  # shown in the portal
    broker.start()
    try:
        subscriber = Subscriber(port=port, prefix="down-test")
        try:
            time.sleep(1.1)  # the pending one is now older than the max age
            expired, young = door_commands_sweep()
            assert (expired, young) == (1, [])
            # after the broker is back, a new attempt goes through, and only it
            fresh = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
            messages = subscriber.wait_for(1)
            time.sleep(0.3)
            assert [payload["event_id"] for _, _, payload in subscriber.messages] == [fresh.pk]
            assert all(age <= settings.DOOR_COMMAND_MAX_AGE_SECONDS for age in subscriber.ages())
            assert len(messages) == 1
        finally:
            subscriber.close()
    finally:
        broker.stop()
    assert AccessEvent.objects.count() == 4


def test_a_pending_command_still_young_when_the_broker_returns_is_delivered_by_the_sweep(
    subscriber, ana, lab, monkeypatch
):
    door, kiosk = lab
    with task_lost(monkeypatch):
        event = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    expired, young = door_commands_sweep()
    assert expired == 0 and len(young) == 1
    assert door_command_deliver(pk=young[0]) == "sent"
    assert [p["event_id"] for _, _, p in subscriber.wait_for(1)] == [event.pk]
    assert door_command_deliver(pk=young[0]) is None  # delivered once, even if the task arrives twice


@pytest.fixture
def with_a_broker(settings, monkeypatch):
    """Celery with a real broker: what door_commands_enqueue hands to a channel's queue is noted, not run."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr("portal.access.tasks.door_command_enqueue", lambda pk, channel: queued.append(pk))
    return queued


def test_the_worker_that_grants_an_attempt_publishes_the_unlock_itself_and_queues_nothing(
    subscriber, with_a_broker, ana, lab
):
    door, kiosk = lab
    event = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    # no hop through the doors' queue between the decision and the lock
    assert DoorCommand.objects.get().status == "sent" and with_a_broker == []
    assert [payload["event_id"] for _, _, payload in subscriber.wait_for(1)] == [event.pk]


def test_the_deciders_own_try_claims_the_rows_it_wrote_without_reading_them_again(subscriber, with_a_broker, ana, lab):
    door, kiosk = lab
    with CaptureQueriesContext(connection) as done:
        event = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    queries = [q["sql"] for q in done.captured_queries]
    reads = [q for q in queries if q.startswith("SELECT") and "access_doorcommand" in q]
    assert reads == [] and DoorCommand.objects.get().status == "sent"
    assert [payload["event_id"] for _, _, payload in subscriber.wait_for(1)] == [event.pk]


def test_an_unlock_whose_first_try_fails_is_retried_by_the_queue_and_published_once(
    settings, with_a_broker, ana, lab, tmp_path
):
    from portal.access.tasks import deliver_door_command

    door, kiosk = lab
    port = free_port()  # nothing listens here yet: the broker is "down" for the first try
    settings.DOOR_MQTT_HOST, settings.DOOR_MQTT_PORT = "127.0.0.1", port
    settings.DOOR_MQTT_TOPIC = "retry-test/doors/{door}/command"
    started = time.monotonic()
    event = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    command = DoorCommand.objects.get()
    # one short try, then handed to the queue as pending: the decider does not wait out the max age
    assert time.monotonic() - started < 2.0
    assert (command.status, command.attempts, with_a_broker) == ("pending", 1, [command.pk])
    assert not Alert.objects.exists()  # the queue's task raises it if it fails too
    broker = PrivateBroker(port, tmp_path).start()
    try:
        subscriber = Subscriber(port=port, prefix="retry-test")
        try:
            deliver_door_command(command.pk)  # the queued task, in a worker
            deliver_door_command(command.pk)  # delivered twice by the broker: claimed once
            messages = subscriber.wait_for(1)
            time.sleep(0.3)  # a second copy would have arrived by now
            assert [payload["event_id"] for _, _, payload in subscriber.messages] == [event.pk]
            assert len(messages) == 1
        finally:
            subscriber.close()
    finally:
        broker.stop()
    command.refresh_from_db()
    assert (command.status, command.attempts) == ("sent", 2)


def test_with_send_at_once_off_every_unlock_goes_through_the_queue(subscriber, settings, with_a_broker, ana, lab):
    settings.DOOR_COMMAND_SEND_AT_ONCE = False  # workers that cannot reach the controllers' broker
    door, kiosk = lab
    access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    command = DoorCommand.objects.get()
    assert (command.status, with_a_broker) == ("pending", [command.pk])
    assert subscriber.wait_for(1, timeout=0.5) == []


def test_an_operator_s_commands_still_go_through_the_queue(subscriber, with_a_broker, lab, django_user_model):
    from portal.access.services import door_unlock_operator

    door, _ = lab
    admin = django_user_model.objects.create_user("op", password="x")
    door_unlock_operator(door=door, minutes=5, user=admin)
    assert [c.status for c in DoorCommand.objects.all()] == ["pending"] and len(with_a_broker) == 1


class Controller(BaseHTTPRequestHandler):
    """A lock controller: checks the signature with the documented function, refuses replays."""

    seen = set()
    received = []
    fail_first = 0

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).fail_first > 0:
            type(self).fail_first -= 1
            return self._answer(503)
        signed = signature_verify(secret=SECRET, header=self.headers.get(HEADER), body=body, tolerance=5)
        if signed is None:
            return self._answer(401)
        key = signed.key  # the signed key, never the unsigned Idempotency-Key header
        if key in self.seen:
            return self._answer(409)
        self.seen.add(key)
        self.received.append(json.loads(body))
        self._answer(200)

    def _answer(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def controller(settings):
    Controller.seen, Controller.received, Controller.fail_first = set(), [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Controller)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.DOOR_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/door"
    settings.DOOR_WEBHOOK_SECRET = SECRET
    yield server
    server.shutdown()
    server.server_close()


def post(server, body, headers):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{server.server_port}/door",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_signed_webhook_reaches_a_real_controller_which_rejects_a_replay_and_a_tampered_copy(controller, ana, lab):
    door, kiosk = lab
    event = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    [received] = Controller.received
    assert (received["command"], received["door"], received["event_id"]) == ("unlock", "lab-2", event.pk)
    command = DoorCommand.objects.get()
    assert command.status == "sent"
    body = json.dumps(command.payload(), separators=(",", ":")).encode()
    key = str(command.key)
    signed = {HEADER: signature_make(secret=SECRET, body=body, key=key), "Idempotency-Key": key}
    assert post(controller, body, signed) == 409  # replayed: the key was seen
    assert post(controller, body, {**signed, "Idempotency-Key": "fresh"}) == 409  # an unsigned new key changes nothing
    tampered = body.replace(b'"seconds":4', b'"seconds":3600')
    assert post(controller, tampered, {**signed, "Idempotency-Key": "other"}) == 401
    old = {
        HEADER: signature_make(secret=SECRET, body=body, key="old", timestamp=timezone.now().timestamp() - 60),
        "Idempotency-Key": "old",
    }
    assert post(controller, body, old) == 401  # replayed later: outside the tolerance
    assert len(Controller.received) == 1


def test_a_webhook_answering_an_error_is_retried_with_backoff_until_it_accepts(controller, ana, lab):
    Controller.fail_first = 2
    door, kiosk = lab
    access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    command = DoorCommand.objects.get()
    assert (command.status, command.attempts) == ("sent", 3)
    assert len(Controller.received) == 1


def test_signature_verify_refuses_a_wrong_secret_and_a_garbled_header():
    body = b'{"door":"1"}'
    header = signature_make(secret=SECRET, body=body, key="k-1")
    assert signature_verify(secret=SECRET, header=header, body=body).key == "k-1"
    assert not signature_verify(secret="other", header=header, body=body)
    assert not signature_verify(secret=SECRET, header="garbage", body=body)
    assert not signature_verify(secret=SECRET, header=None, body=body)


def test_the_sweep_expires_a_command_older_than_the_max_age_without_sending_it(settings, ana, lab, monkeypatch):
    settings.DOOR_MQTT_HOST = "127.0.0.1"
    door, kiosk = lab
    with task_lost(monkeypatch):
        access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    expired, young = door_commands_sweep(now=timezone.now() + timedelta(seconds=6))
    assert (expired, young) == (1, [])
    assert DoorCommand.objects.get().status == "expired"


def test_an_alert_is_sent_as_a_signed_webhook_the_receiver_verifies(controller, settings, lab):
    settings.ALERT_WEBHOOK_URL, settings.ALERT_WEBHOOK_SECRET = settings.DOOR_WEBHOOK_URL, SECRET
    settings.DOOR_WEBHOOK_URL = ""  # only the alert goes to this receiver
    door, _ = lab
    from portal.access.services import zone_lockdown
    from tests.factories import make_user

    zone_lockdown(zone=door.zone, user=make_user("guard"), reason="drill")
    [received] = Controller.received
    assert received["kind"] == "lockdown" and "drill" in received["message"]
    assert Alert.objects.get().delivery == "sent"


def test_a_lockdown_is_never_dropped_for_being_late_it_waits_for_the_broker_and_is_then_sent(settings, lab, tmp_path):
    from portal.access.services import zone_lockdown
    from tests.factories import make_user

    door, _ = lab
    port = free_port()  # the broker is down
    settings.DOOR_MQTT_HOST, settings.DOOR_MQTT_PORT = "127.0.0.1", port
    settings.DOOR_MQTT_TOPIC = "lock-test/doors/{door}/command"
    settings.DOOR_COMMAND_MAX_AGE_SECONDS = 0.5
    guard = make_user("guard")
    zone_lockdown(zone=door.zone, user=guard)
    lockdown = DoorCommand.objects.get()
    assert lockdown.status == "pending" and lockdown.attempts >= 2  # tried, handed back, not expired
    assert Alert.objects.filter(kind="delivery_failing").exists()
    broker = PrivateBroker(port, tmp_path).start()
    try:
        subscriber = Subscriber(port=port, prefix="lock-test")
        try:
            _, pending = door_commands_sweep(now=timezone.now() + timedelta(minutes=10))
            assert pending == [lockdown.pk]
            assert door_command_deliver(pk=lockdown.pk) == "sent"
            [(_, _, payload)] = subscriber.wait_for(1)
            assert (payload["command"], payload["door"]) == ("lockdown", "lab-2")
        finally:
            subscriber.close()
    finally:
        broker.stop()


def test_a_lockdown_still_undelivered_is_replaced_by_the_release_that_follows_it(settings, lab, monkeypatch):
    from portal.access.services import zone_lockdown, zone_lockdown_end
    from tests.factories import make_user

    door, _ = lab
    settings.DOOR_MQTT_HOST = "127.0.0.1"
    guard = make_user("guard")
    with task_lost(monkeypatch):
        zone_lockdown(zone=door.zone, user=guard)
        zone_lockdown_end(zone=door.zone, user=guard)
    lockdown, release = DoorCommand.objects.order_by("issued_at", "id")
    assert door_command_deliver(pk=lockdown.pk) == "expired"
    assert DoorCommand.objects.get(pk=lockdown.pk).error == "replaced by a later command for this door"


def lags(channel):
    return [
        (c.status, (c.sent_at - c.issued_at).total_seconds() if c.sent_at else None)
        for c in DoorCommand.objects.filter(channel=channel).order_by("id")
    ]


def test_with_the_mqtt_broker_down_the_webhook_still_gets_every_unlock_at_once(controller, settings, ana, lab):
    settings.DOOR_MQTT_HOST, settings.DOOR_MQTT_PORT = "127.0.0.1", free_port()  # nothing listens there
    settings.DOOR_COMMAND_MAX_AGE_SECONDS = 2.0
    door, kiosk = lab
    events = [
        access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk) for _ in range(3)
    ]
    assert [r["event_id"] for r in Controller.received] == [e.pk for e in events]
    webhook = lags("webhook")
    assert [status for status, _ in webhook] == ["sent"] * 3
    assert all(lag < 1.0 for _, lag in webhook), webhook  # not behind MQTT's 2 s of retries
    assert [status for status, _ in lags("mqtt")] == ["expired"] * 3


def test_with_the_webhook_hanging_mqtt_still_gets_every_unlock_at_once(subscriber, settings, ana, lab):
    settings.DOOR_COMMAND_MAX_AGE_SECONDS = 2.0
    settings.DOOR_WEBHOOK_SECRET = SECRET
    door, kiosk = lab
    with blackhole() as url:
        settings.DOOR_WEBHOOK_URL = url
        events = [
            access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk) for _ in range(3)
        ]
    assert [p["event_id"] for _, _, p in subscriber.wait_for(3)] == [e.pk for e in events]
    assert all(age < 1.0 for age in subscriber.ages()), subscriber.ages()
    mqtt = lags("mqtt")
    assert [status for status, _ in mqtt] == ["sent"] * 3 and all(lag < 1.0 for _, lag in mqtt), mqtt
    assert [status for status, _ in lags("webhook")] == ["expired"] * 3


def test_an_mqtt_command_is_signed_with_its_key_and_verifies_with_the_agents_function(subscriber, settings, ana, lab):
    from doors_agent.signing import signature_verify

    door, kiosk = lab
    access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
    [(_, _, payload)] = subscriber.wait_for(1)
    body = json.dumps(payload, separators=(",", ":")).encode()
    [header] = subscriber.signatures
    signed = signature_verify(secret=settings.DOOR_MQTT_SECRET, header=header, body=body, tolerance=5)
    assert signed is not None and signed.key == payload["key"] == str(DoorCommand.objects.get().key)
    assert signature_verify(secret="a guess", header=header, body=body, tolerance=5) is None


def test_over_tls_the_broker_takes_the_command_from_a_client_with_its_certificate_and_nobody_else(
    settings, ana, lab, tmp_path
):
    from portal.access.transports import DeliveryFailed, Mqtt
    from tests.portal.access.mqtt_helpers import TlsBroker, certificates

    broker = TlsBroker(free_port(), free_port(), tmp_path).start()
    try:
        subscriber = Subscriber(port=broker.plain_port)
        try:
            settings.DOOR_MQTT_HOST, settings.DOOR_MQTT_PORT = "127.0.0.1", broker.port
            settings.DOOR_MQTT_TOPIC = subscriber.topic
            settings.DOOR_MQTT_TLS, settings.DOOR_MQTT_CA_FILE = True, str(tmp_path / "ca.crt")
            settings.DOOR_MQTT_CERT_FILE = str(tmp_path / "client.crt")
            settings.DOOR_MQTT_KEY_FILE = str(tmp_path / "client.key")
            door, kiosk = lab
            event = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
            assert [p["event_id"] for _, _, p in subscriber.wait_for(1, timeout=30)] == [event.pk]
            assert DoorCommand.objects.get().status == "sent"
            payload = DoorCommand.objects.get().payload()
            # without a client certificate the broker refuses the connection
            settings.DOOR_MQTT_CERT_FILE = settings.DOOR_MQTT_KEY_FILE = ""
            with pytest.raises(DeliveryFailed):
                Mqtt().send(topic_door="lab-2", payload=payload, key="k-no-cert", timeout=3)
            # a broker whose certificate another CA signed is not trusted
            (tmp_path / "other").mkdir()
            other = certificates(tmp_path / "other")
            settings.DOOR_MQTT_CA_FILE = str(other / "ca.crt")
            settings.DOOR_MQTT_CERT_FILE = str(other / "client.crt")
            settings.DOOR_MQTT_KEY_FILE = str(other / "client.key")
            with pytest.raises(DeliveryFailed):
                Mqtt().send(topic_door="lab-2", payload=payload, key="k-other-ca", timeout=3)
            assert len(subscriber.wait_for(2, timeout=1.0)) == 1
        finally:
            subscriber.close()
    finally:
        broker.stop()
