"""Access tasks: thin; the work is in portal.access.delivery and services.

Door commands go to one queue per channel (settings.DOOR_COMMAND_QUEUES), so
that nobody at a door waits behind an import, and an MQTT broker that does not
answer never holds up the webhook's commands (nor the reverse).
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from portal.access.transports import DeliveryFailed


@shared_task(acks_late=True, ignore_result=True)
def deliver_door_command(command_id):
    from portal.access.delivery import door_command_deliver

    door_command_deliver(pk=command_id)


def door_command_enqueue(command_id, channel):
    """On the channel's own queue: its worker waits for its broker only."""
    deliver_door_command.apply_async((command_id,), queue=settings.DOOR_COMMAND_QUEUES[channel])


def door_commands_enqueue(commands, *, at_once=False):
    """The DoorCommand rows of one decision, as its transaction wrote them (committed now). Without
    a broker (tasks run in the request) the channels are sent side by side here, each against its
    own deadline.

    at_once: someone is at the door (DOOR_COMMAND_SEND_AT_ONCE): this process tries each channel
    once now, and only what that try did not deliver goes to the channel's queue, whose task
    retries it until its deadline. The try claims the row like the task does, so a command is
    never sent by both."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        from portal.access.delivery import door_commands_deliver

        door_commands_deliver(pks=[command.pk for command in commands])
        return
    if at_once and settings.DOOR_COMMAND_SEND_AT_ONCE:
        from portal.access.delivery import door_commands_send_now

        statuses = door_commands_send_now(commands=commands)
        commands = [command for command in commands if statuses.get(command.pk) != "sent"]
    for command in commands:
        door_command_enqueue(command.pk, command.channel)


@shared_task(ignore_result=True)
def sweep_door_commands():
    from portal.access.delivery import door_commands_sweep
    from portal.access.models import DoorCommand
    from portal.access.services import doors_relock_due, doors_schedule_apply

    _, young = door_commands_sweep()
    channels = dict(DoorCommand.objects.filter(pk__in=young).values_list("pk", "channel"))
    for pk in young:
        door_command_enqueue(pk, channels[pk])
    doors_relock_due()
    doors_schedule_apply()
    # strangers' faces kept for the repeated-stranger alert leave with its window
    from portal.access.alerts import unknown_faces_forget

    unknown_faces_forget(before=timezone.now() - timedelta(minutes=settings.ALERT_UNKNOWN_MINUTES))
    # alerts whose task was lost or failed: the outbox is swept like door commands
    from portal.access.alerts import alert_enqueue, alerts_sweep

    for pk in alerts_sweep():
        alert_enqueue(pk)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=6, retry_backoff=True, retry_backoff_max=300)
def alert_send(self, alert_id):
    from portal.access.alerts import alert_deliver

    try:
        alert_deliver(pk=alert_id)
    except DeliveryFailed as exc:  # transient only: a refusal is settled without raising
        raise self.retry(exc=exc) from exc


@shared_task(ignore_result=True)
def erase_visitors():
    from portal.access.visitors import visitors_erase

    visitors_erase()


@shared_task(ignore_result=True)
def visitor_arrival_notify(event_id):
    from portal.access.visitors import visitor_arrival_tell

    visitor_arrival_tell(event_id=event_id)
