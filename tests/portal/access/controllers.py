"""HTTP door controllers for the tests: one that verifies and records, one that never answers."""

import json
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from doors_agent.signing import HEADER, signature_verify


class Receiver:
    """A webhook controller on a free port: verifies the signature, keeps (arrival time, payload)."""

    def __init__(self, secret, tolerance=30):
        self.secret, self.tolerance = secret, tolerance
        self.arrivals = []
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                signed = signature_verify(
                    secret=receiver.secret, header=self.headers.get(HEADER), body=body, tolerance=receiver.tolerance
                )
                if signed is None:
                    receiver.refused += 1
                    status = 401
                else:
                    receiver.arrivals.append((time.time(), json.loads(body)))
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/door"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def blackhole():
    """An HTTP controller that accepts connections and never answers (the worst a webhook can do)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/door"
    finally:
        sock.close()
