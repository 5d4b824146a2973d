"""A door's readers: the kiosks and cameras that decide passages at it, each on one side.

One notion for the router, the on-site list, the muster list and anti-passback: a
zone "sees exits" when any of its doors has an exit reader, kiosk or camera alike.
"""

from portal.cameras.models import Camera
from portal.kiosks.models import Kiosk

# the way through a door a reader's side stands for, for attendance at a time clock
SIDE_TO_DIRECTION = {"entry": "in", "exit": "out"}


def zone_sees_exits(zone) -> bool:
    """Whether anyone leaving `zone` passes a reader (so the last passage's side says who is inside)."""
    if Kiosk.objects.filter(door__zone=zone, door_side="exit").exists():
        return True
    return Camera.objects.filter(door__zone=zone, purpose=Camera.Purpose.DOOR, door_side=Camera.Side.EXIT).exists()
