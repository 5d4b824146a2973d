"""A real RTSP server for the camera tests: GStreamer's gst-rtsp-server, from Debian's packages.

Run with Debian's own Python (/usr/bin/python3, which has python3-gi; see
`make rtsp-server`), not the project's virtualenv:

    /usr/bin/python3 tests/cameras/rtsp_server.py PORT [--auth USER:PASSWORD] NAME=FILE.mp4 ...

serves rtsp://127.0.0.1:PORT/NAME for each MP4 (H.264), from its start for
each client, at real time. With --auth every path asks for those
credentials (basic authentication).
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

ROLE = "viewer"
RIGHTS = f"{ROLE}, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"


def main(port, mounts, credentials=None):
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    if credentials:
        user, password = credentials.split(":", 1)
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, ROLE)
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
    for mount in mounts:
        name, path = mount.split("=", 1)
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(
            f'( filesrc location="{path}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )'
        )
        factory.set_shared(False)  # each client sees the clip from its start
        if credentials:
            factory.add_role_from_structure(Gst.Structure.from_string(RIGHTS)[0])
        server.get_mount_points().add_factory(f"/{name}", factory)
    server.attach(None)
    print(f"serving on rtsp://127.0.0.1:{port}/", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    args = sys.argv[2:]
    auth = None
    if args[:1] == ["--auth"]:
        auth, args = args[1], args[2:]
    main(int(sys.argv[1]), args, auth)
