"""A camera's address is data, never protocol text: what a URL may hold, and where it may point.

A camera's URL is handed to FFmpeg (RTSP, MJPEG) or requests (snapshots),
which write it into a request line. A carriage return or line feed in it
becomes a second command to whatever listens at the address (a Redis on
6379 ran `SET` from an RTSP URL before this check), and an address of the
portal's own network lets the camera's health answer "what listens on this
port". So:

- no control character or whitespace anywhere in the URL, checked on the raw
  string (`urlsplit` silently drops CR, LF and tab before parsing);
- the schemes of the camera's kind only (rtsp/rtsps, http/https);
- a host and port the deployment allows: CAMERA_ALLOWED_HOSTS (addresses,
  networks, host names) and CAMERA_ALLOWED_PORTS (ports, ranges); left empty,
  any host except loopback, link-local, unspecified and multicast addresses,
  and any port except the portal's own services' (database, broker, cache,
  MQTT, e-mail);
- host names are resolved by the runner before it opens the stream, and
  every address they resolve to must be allowed (the web request that saves
  the camera does not wait on DNS).

The same check runs when a camera is saved (form, API) and when the runner
opens it, so a row written some other way (a shell, an older version) is
refused too.
"""

import ipaddress
import socket
import unicodedata
from urllib.parse import urlsplit

from django.conf import settings

SCHEMES = {"rtsp": ("rtsp", "rtsps"), "mjpeg": ("http", "https"), "snapshot": ("http", "https")}
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}
# services a portal commonly talks to, refused even when the settings name other ports for them
SERVICE_PORTS = {25, 465, 587, 1883, 5432, 5672, 6379, 8883, 11211, 15672, 26379}
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class AddressRefused(ValueError):
    """Why an address is refused: `code` names the rule (see CODES), `params` fill its sentence."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def control_character(text):
    """The first control, format or whitespace character in `text` (for its message), or None."""
    for char in text:
        if char.isspace() or unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp", "Zs"}:
            return char
    return None


def address_check(url, kind, *, resolve=False):
    """Refuse (AddressRefused) a camera URL that is not plain data to an allowed host and port.

    resolve: also look the host name up and check every address it gives (the runner does, before opening).
    """
    char = control_character(url)
    if char is not None:
        raise AddressRefused("control_character", character=f"U+{ord(char):04X}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused("unreadable") from None
    schemes = SCHEMES.get(kind, ())
    if parts.scheme not in schemes or not parts.hostname:
        raise AddressRefused("scheme", schemes=schemes)
    if "@" in parts.netloc:
        raise AddressRefused("credentials")
    port = port or DEFAULT_PORTS[parts.scheme]
    if not port_allowed(port):
        raise AddressRefused("port", port=port)
    host = parts.hostname.rstrip(".").lower()
    addresses = _literal(host)
    if addresses is None:
        if not hosts_allowed_by_name(host):
            raise AddressRefused("host", host=host)
        if resolve:
            addresses = _resolved(host, port)
    for address in addresses or ():
        if not address_allowed(address, host):
            raise AddressRefused("host", host=host)


def _literal(host):
    """The host as an IP address (in a list), or None if it is a name."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        return None


def _resolved(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []  # nothing to connect to: opening the stream fails on its own
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def _allowed_entries():
    networks, names = [], set()
    for entry in settings.CAMERA_ALLOWED_HOSTS:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.rstrip(".").lower())
    return networks, names


def hosts_allowed_by_name(host):
    """A host name (not an address): listed by name; with only addresses listed, judged by what it resolves
    to; with nothing listed, anything but a local name."""
    networks, names = _allowed_entries()
    if names:
        return host in names
    return bool(networks) or not _local_name(host)


def _local_name(host):
    return host in LOCAL_NAMES or host.endswith(".localhost")


def address_allowed(address, host=""):
    """An IP address the deployment lets a camera be at."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    networks, names = _allowed_entries()
    if host and host in names:
        return True
    if networks or names:
        return any(address in network for network in networks)
    return not (
        address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
    )


def port_allowed(port):
    """A port the deployment lets a camera be at: listed, or, with no list, none of the portal's services'."""
    allowed = settings.CAMERA_ALLOWED_PORTS
    if allowed:
        return any(low <= port <= high for low, high in _ranges(allowed))
    return port not in service_ports()


def _ranges(entries):
    for entry in entries:
        low, _, high = str(entry).partition("-")
        try:
            yield int(low), int(high or low)
        except ValueError:
            continue  # settings.py refuses these at start; nothing to match here


def service_ports():
    """The ports of the services this portal talks to (its database, broker, cache, MQTT), and the usual ones."""
    ports = set(SERVICE_PORTS)
    for url in (
        getattr(settings, "DATABASE_URL", ""),
        getattr(settings, "CELERY_BROKER_URL", ""),
        getattr(settings, "CACHE_URL", ""),
    ):
        try:
            port = urlsplit(url).port if url else None
        except ValueError:
            port = None
        if port:
            ports.add(port)
    for name in ("DOOR_MQTT_PORT", "EMAIL_PORT"):
        port = getattr(settings, name, None)
        if port:
            ports.add(int(port))
    return ports
