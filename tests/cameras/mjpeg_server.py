"""A small HTTP MJPEG server for the camera tests, like the stream page of many IP cameras.

    python -m tests.cameras.mjpeg_server PORT [--auth USER:PASSWORD] NAME=FOLDER ...

GET /NAME sends the folder's JPEG frames (sorted by name) as
multipart/x-mixed-replace at clips.FPS, from the first frame for each
client, then closes. GET /page answers an HTML page: not a video. With
--auth every path asks for basic authentication (401 otherwise).
"""

import base64
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FPS = 10
BOUNDARY = "frame"


def handler_for(streams, credentials):
    expected = "Basic " + base64.b64encode(credentials.encode()).decode() if credentials else None

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if expected and self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="camera"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            name = self.path.strip("/")
            if name == "page":
                body = b"<!doctype html><title>Camera</title><p>Welcome to the camera's settings page.</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if name not in streams:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
            self.end_headers()
            start = time.monotonic()
            try:
                for i, frame in enumerate(streams[name]):
                    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(frame)}\r\n\r\n"
                    self.wfile.write(head.encode() + frame + b"\r\n")
                    self.wfile.flush()
                    time.sleep(max(0.0, start + (i + 1) / FPS - time.monotonic()))
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def main(port, mounts, credentials=None):
    streams = {}
    for mount in mounts:
        name, folder = mount.split("=", 1)
        streams[name] = [path.read_bytes() for path in sorted(Path(folder).glob("*.jpg"))]
    server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(streams, credentials))
    server.daemon_threads = True
    print(f"serving on http://127.0.0.1:{port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    args = sys.argv[2:]
    auth = None
    if args[:1] == ["--auth"]:
        auth, args = args[1], args[2:]
    main(int(sys.argv[1]), args, auth)
