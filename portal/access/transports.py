"""Delivery channels for door commands: one small class each, behind one send().

send() either delivers within `timeout` seconds or raises DeliveryFailed; the
caller (portal.access.delivery) decides about retries and age.
"""

import json
import logging

from django.conf import settings

from portal.access import texts
from portal.access.signing import HEADER, message_sign, signature_make

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """A send that did not arrive. `permanent`: trying again cannot help (the receiver refused
    the request itself: a wrong secret, a wrong address), so the caller stops at once
    instead of retrying until the deadline (as healthchecks' TransportError(permanent)).
    `message`: a stored message (portal.access.texts.DELIVERY_*), kept as the row's error."""

    def __init__(self, message, *, permanent=False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


# answers that say "not now" rather than "never": retried like a network error
RETRYABLE_STATUSES = {408, 425, 429}


def status_permanent(status):
    return 400 <= status < 500 and status not in RETRYABLE_STATUSES


class Transport:
    name = ""

    @classmethod
    def configured(cls):
        return False

    def send(self, *, topic_door, payload, key, timeout):
        raise NotImplementedError


class Mqtt(Transport):
    """Publish to DOOR_MQTT_TOPIC with QoS 1: done when the broker acknowledges.

    The payload is signed like the webhook (portal.access.signing.message_sign,
    with DOOR_MQTT_SECRET): a controller acts only on what verifies, so whoever
    can publish to the broker still cannot open a door. DOOR_MQTT_TLS puts the
    connection under TLS (DOOR_MQTT_CA_FILE, and a client certificate when the
    broker asks for one).

    One connection per command, closed after it: a long-lived client keeps
    unsent messages queued while the broker is away and sends them when it
    returns, which is exactly the late unlock this must never send. The
    connection costs a few milliseconds on a local broker.
    """

    name = "mqtt"

    @classmethod
    def configured(cls):
        return bool(settings.DOOR_MQTT_HOST)

    def send(self, *, topic_door, payload, key, timeout):
        client = mqtt_client(client_id=f"portal-{key}")
        client.connect_timeout = timeout
        try:
            client.connect(settings.DOOR_MQTT_HOST, settings.DOOR_MQTT_PORT, keepalive=10)
        except OSError as exc:  # ssl.SSLError is one too: a refused certificate
            address = f"{settings.DOOR_MQTT_HOST}:{settings.DOOR_MQTT_PORT}"
            raise DeliveryFailed(texts.fill(texts.DELIVERY_MQTT_BROKER, address=address, detail=exc)) from None
        client.loop_start()
        try:
            body = json.dumps(payload, separators=(",", ":")).encode()
            message = message_sign(secret=settings.DOOR_MQTT_SECRET, body=body, key=str(key))
            info = client.publish(settings.DOOR_MQTT_TOPIC.format(door=topic_door), message, qos=1)
            info.wait_for_publish(timeout=timeout)
            if not info.is_published():
                raise DeliveryFailed(texts.DELIVERY_MQTT_NOT_ACKNOWLEDGED)
        except (RuntimeError, ValueError) as exc:
            raise DeliveryFailed(texts.fill(texts.DELIVERY_MQTT_PUBLISH, detail=exc)) from None
        finally:
            client.disconnect()
            client.loop_stop()


def mqtt_client(*, client_id, clean_session=True):
    """A paho client with the portal's broker credentials and TLS settings."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean_session)
    if settings.DOOR_MQTT_USERNAME:
        client.username_pw_set(settings.DOOR_MQTT_USERNAME, settings.DOOR_MQTT_PASSWORD)
    if settings.DOOR_MQTT_TLS:
        client.tls_set(
            ca_certs=settings.DOOR_MQTT_CA_FILE or None,
            certfile=settings.DOOR_MQTT_CERT_FILE or None,
            keyfile=settings.DOOR_MQTT_KEY_FILE or None,
        )
    return client


class Webhook(Transport):
    """POST the JSON payload to DOOR_WEBHOOK_URL, signed (portal.access.signing)."""

    name = "webhook"

    @classmethod
    def configured(cls):
        return bool(settings.DOOR_WEBHOOK_URL)

    def send(self, *, topic_door, payload, key, timeout):
        webhook_post(
            url=settings.DOOR_WEBHOOK_URL,
            secret=settings.DOOR_WEBHOOK_SECRET,
            payload=payload,
            key=key,
            timeout=timeout,
        )


def webhook_post(*, url, secret, payload, key, timeout):
    import urllib.error
    import urllib.request

    body = json.dumps(payload, separators=(",", ":")).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            # the key is signed too: a receiver de-duplicates on the verified key, not on this header
            HEADER: signature_make(secret=secret, body=body, key=str(key)),
            "Idempotency-Key": str(key),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=max(timeout, 0.05)) as response:
            if not 200 <= response.status < 300:
                answered = texts.fill(texts.DELIVERY_WEBHOOK_ANSWERED, status=response.status)
                raise DeliveryFailed(answered, permanent=status_permanent(response.status))
    except urllib.error.HTTPError as exc:
        answered = texts.fill(texts.DELIVERY_WEBHOOK_ANSWERED, status=exc.code)
        raise DeliveryFailed(answered, permanent=status_permanent(exc.code)) from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(texts.fill(texts.DELIVERY_WEBHOOK, detail=getattr(exc, "reason", exc))) from None


TRANSPORTS = {cls.name: cls for cls in (Mqtt, Webhook)}


def channels_configured():
    return [name for name, cls in TRANSPORTS.items() if cls.configured()]
