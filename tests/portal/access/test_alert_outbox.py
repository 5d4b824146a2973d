"""Alerts leave the machine like door commands: claimed once, retried while young, given up
when old, and never asked again of a receiver that refuses the request itself."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.access import alerts
from portal.access.alerts import alert_claim, alert_deliver, alert_raise, alerts_sweep
from portal.access.delivery import door_command_deliver
from portal.access.models import Alert, DoorCommand
from portal.access.services import access_attempt_decide
from portal.access.transports import DeliveryFailed
from tests.factories import make_person
from tests.portal.access.controllers import Receiver
from tests.portal.access.helpers import door_with_kiosk, grant

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "alert-secret-for-tests"


@pytest.fixture
def receiver(settings):
    server = Receiver(SECRET)
    settings.ALERT_WEBHOOK_URL, settings.ALERT_WEBHOOK_SECRET = server.url, SECRET
    yield server
    server.close()


def broker_down(monkeypatch):
    def refuse(pk):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("portal.access.tasks.alert_send.delay", refuse)


def test_an_alert_raised_while_the_broker_is_down_waits_and_the_sweep_sends_it_once(receiver, monkeypatch):
    broker_down(monkeypatch)
    alert = alert_raise(kind=Alert.Kind.LOCKDOWN, message="Lab locked down")
    alert.refresh_from_db()
    assert alert.delivery == "pending" and receiver.arrivals == []
    assert alerts_sweep() == []  # a moment old: its own task may still be on the way
    later = timezone.now() + timedelta(minutes=2)
    assert alerts_sweep(now=later) == [alert.pk]
    assert alert_deliver(pk=alert.pk, now=later) == "sent"
    assert alert_deliver(pk=alert.pk, now=later) is None  # a second delivery of the task sends nothing
    assert [payload["alert_id"] for _, payload in receiver.arrivals] == [alert.pk]


def test_a_receiver_that_refuses_the_signature_is_asked_once_and_not_again(receiver, settings, monkeypatch):
    settings.ALERT_WEBHOOK_SECRET = "not-the-receivers-secret"
    broker_down(monkeypatch)
    alert = alert_raise(kind=Alert.Kind.LOCKDOWN, message="Lab locked down")
    assert alert_deliver(pk=alert.pk) == "refused"  # a 401: no exception, so no task retry
    alert.refresh_from_db()
    assert (alert.delivery, alert.attempts, receiver.refused) == ("refused", 1, 1)
    assert "401" in alert.error
    assert alerts_sweep(now=timezone.now() + timedelta(minutes=5)) == []


def test_a_failing_receiver_is_retried_and_an_alert_too_old_is_given_up(settings, monkeypatch):
    broker_down(monkeypatch)
    settings.ALERT_WEBHOOK_URL, settings.ALERT_WEBHOOK_SECRET = "http://127.0.0.1:9/nobody", SECRET
    alert = alert_raise(kind=Alert.Kind.LOCKDOWN, message="Lab locked down")
    with pytest.raises(DeliveryFailed) as failed:
        alert_deliver(pk=alert.pk)
    assert not failed.value.permanent
    assert Alert.objects.get().delivery == "failed"
    soon = timezone.now() + timedelta(minutes=2)
    assert alerts_sweep(now=soon) == [alert.pk]
    too_late = timezone.now() + timedelta(seconds=settings.ALERT_DELIVERY_MAX_AGE_SECONDS + 1)
    assert alerts_sweep(now=too_late) == []
    assert Alert.objects.get().delivery == "expired"


def test_a_claim_left_by_a_dead_worker_is_taken_again_only_after_a_while(receiver, monkeypatch):
    broker_down(monkeypatch)
    alert = alert_raise(kind=Alert.Kind.LOCKDOWN, message="Lab locked down")
    now = timezone.now()
    assert alert_claim(alert.pk, now=now)  # then the worker dies
    assert not alert_claim(alert.pk, now=now + timedelta(seconds=5))
    stale = now + timedelta(seconds=alerts.CLAIM_SECONDS + 1)
    assert alerts_sweep(now=stale) == [alert.pk]
    assert alert_deliver(pk=alert.pk, now=stale) == "sent"
    assert len(receiver.arrivals) == 1


def command_refused_by_its_controller(settings):
    """A granted attempt whose door controller refuses the webhook (401: a wrong secret), tried
    once until its deadline; the command, and the controller (its refusals counted)."""
    controller = Receiver("the-controllers-own-secret")
    try:
        settings.DOOR_WEBHOOK_URL, settings.DOOR_WEBHOOK_SECRET = controller.url, "a-wrong-secret"
        settings.DOOR_MQTT_HOST = ""
        settings.DOOR_COMMAND_MAX_AGE_SECONDS = 3
        ana = make_person("Ana", employee_id="ana")
        door, kiosk, _ = door_with_kiosk("Lab 2", controller_id="lab-2")
        grant(ana, doors=[door], any_time=True, closed_on_holidays=False)
        access_attempt_decide(door=door, side="entry", at=timezone.now(), person=ana, kiosk=kiosk)
        command = DoorCommand.objects.get()
        if command.status == "pending":
            door_command_deliver(pk=command.pk)
        command.refresh_from_db()
    finally:
        controller.close()
    return command, controller


def test_a_door_controller_answering_401_is_not_retried_until_the_deadline(settings):
    command, controller = command_refused_by_its_controller(settings)
    assert (command.status, command.attempts, controller.refused) == ("expired", 1, 1)
    assert "401" in command.error


def test_a_door_commands_delivery_error_is_kept_as_a_code_and_read_in_the_readers_language(settings, client):
    import json

    from django.db import connection
    from django.urls import reverse
    from django.utils import translation

    from portal.core.messages import message_text
    from tests.factories import make_user

    command, _ = command_refused_by_its_controller(settings)
    with connection.cursor() as cursor:
        cursor.execute("SELECT error FROM access_doorcommand WHERE id = %s", [command.pk])
        kept = json.loads(cursor.fetchone()[0])
    assert kept == {"code": "access.delivery_webhook_answered", "params": {"status": "401"}}
    command.refresh_from_db()
    with translation.override("en"):
        assert message_text(command.error) == "webhook answered 401"
    with translation.override("zh-hans"):
        assert message_text(command.error) == "Webhook 返回了 401"
    # a row written before codes keeps its English sentence
    old = DoorCommand.objects.create(
        door=command.door, command="unlock", channel="mqtt", issued_at=timezone.now(), status="expired"
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE access_doorcommand SET error = %s WHERE id = %s", ["MQTT publish: gone", old.pk])
    old.refresh_from_db()
    with translation.override("zh-hans"):
        assert message_text(old.error) == "MQTT publish: gone"
    # the admin's list of commands shows the error in its reader's language
    client.force_login(make_user("root", superuser=True))
    changelist = reverse("admin:access_doorcommand_changelist")
    chinese = client.get(changelist, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "Webhook 返回了 401" in chinese and "webhook answered 401" not in chinese
    assert "MQTT publish: gone" in chinese
    english = client.get(changelist, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "webhook answered 401" in english
    detail = client.get(reverse("admin:access_doorcommand_change", args=[command.pk]), HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert "Webhook 返回了 401" in detail.content.decode()


def test_an_alerts_delivery_error_is_kept_as_a_code_and_read_in_the_readers_language(
    receiver, settings, monkeypatch, client
):
    import json

    from django.db import connection
    from django.urls import reverse
    from django.utils import translation

    from portal.core.messages import message_text
    from tests.factories import make_user

    settings.ALERT_WEBHOOK_SECRET = "not-the-receivers-secret"
    broker_down(monkeypatch)
    alert = alert_raise(kind=Alert.Kind.LOCKDOWN, message="Lab locked down")
    assert alert_deliver(pk=alert.pk) == "refused"
    with connection.cursor() as cursor:
        cursor.execute("SELECT error FROM access_alert WHERE id = %s", [alert.pk])
        kept = json.loads(cursor.fetchone()[0])
    assert kept == {"code": "access.delivery_webhook_answered", "params": {"status": "401"}}
    alert.refresh_from_db()
    with translation.override("en"):
        assert message_text(alert.error) == "webhook answered 401"
    with translation.override("zh-hans"):
        assert message_text(alert.error) == "Webhook 返回了 401"
    client.force_login(make_user("root", superuser=True))
    page = client.get(reverse("admin:access_alert_change", args=[alert.pk]), HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert "Webhook 返回了 401" in page.content.decode()
