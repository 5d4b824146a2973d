"""Where a phone clock-in is allowed from: pure functions over plain data.

A verdict is a code and its parameters (rendered in the reader's language by
`verdict_text`), never a sentence. Distances are on a sphere of the Earth's
mean radius: at a site's few hundred metres the error against the ellipsoid
is well under a metre, far below a phone's own.
"""

import ipaddress
import math
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Position:
    """What the browser said: where, and how sure (metres; None if it did not say)."""

    latitude: float
    longitude: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class Area:
    name: str
    latitude: float
    longitude: float
    radius_m: float


@dataclass(frozen=True)
class Range:
    name: str
    network: str


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    code: str
    params: dict = field(default_factory=dict)
    site: str = ""  # the site it was allowed at
    network: str = ""  # the network it was allowed from


TEXTS = {
    "off": gettext_noop("Clocking in from a phone is off for your department."),
    "no_sites": gettext_noop("No site is set up for clocking in: ask HR."),
    "no_networks": gettext_noop("No network is set up for clocking in: ask HR."),
    "no_location": gettext_noop("Location is not available: allow it in the browser."),
    "imprecise": gettext_noop(
        "Your location is known only within %(accuracy)s m; clock-in needs it within %(limit)s m. "
        "Turn on precise location, or step outside, and try again."
    ),
    "too_far": gettext_noop("You are %(distance)s m from %(site)s; clock-in is allowed within %(radius)s m"),
    "not_on_network": gettext_noop(
        "Your address %(address)s is not on an allowed network: connect to the office Wi-Fi."
    ),
    "location_ok": gettext_noop("At %(site)s"),
    "network_ok": gettext_noop("On %(network)s"),
}


def verdict_text(verdict):
    return gettext(TEXTS[verdict.code]) % verdict.params


def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def location_check(position, areas, *, max_accuracy_m):
    """Inside a site (distance <= radius: the edge counts as inside), or why not."""
    if not areas:
        return Verdict(False, "no_sites")
    if position is None:
        return Verdict(False, "no_location")
    if position.accuracy_m is not None and position.accuracy_m > max_accuracy_m:
        return Verdict(False, "imprecise", {"accuracy": math.ceil(position.accuracy_m), "limit": round(max_accuracy_m)})
    measured = [(distance_m(position.latitude, position.longitude, a.latitude, a.longitude), a) for a in areas]
    inside = [(d, a) for d, a in measured if d <= a.radius_m]
    if inside:
        site = min(inside, key=lambda item: item[0])[1]
        return Verdict(True, "location_ok", {"site": site.name}, site=site.name)
    # the site the person is nearest the edge of: the one they most likely meant
    distance, site = min(measured, key=lambda item: item[0] - item[1].radius_m)
    # rounded up: "200 m from ... allowed within 200 m" would read as a contradiction
    return Verdict(
        False, "too_far", {"distance": math.ceil(distance), "site": site.name, "radius": round(site.radius_m)}
    )


def network_check(address, ranges):
    """The address within one of the ranges, or why not."""
    if not ranges:
        return Verdict(False, "no_networks")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return Verdict(False, "not_on_network", {"address": address or "?"})
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # an IPv4 client of a dual-stack server
    for item in ranges:
        network = ipaddress.ip_network(item.network, strict=False)
        if ip.version == network.version and ip in network:
            return Verdict(True, "network_ok", {"network": item.name}, network=item.name)
    return Verdict(False, "not_on_network", {"address": str(ip)})


def place_check(place, *, position, address, areas, ranges, max_accuracy_m):
    """The department's policy (`place`: off, location, network or either) applied."""
    if place == "location":
        return location_check(position, areas, max_accuracy_m=max_accuracy_m)
    if place == "network":
        return network_check(address, ranges)
    if place == "either":
        on_network = network_check(address, ranges)
        if on_network.allowed:
            return on_network
        located = location_check(position, areas, max_accuracy_m=max_accuracy_m)
        if located.allowed or located.code != "no_sites" or on_network.code == "no_networks":
            return located
        return on_network
    return Verdict(False, "off")
