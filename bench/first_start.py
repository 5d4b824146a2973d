"""`python -m bench.first_start`: seconds from `make run`'s first command to the first page, the
old way (nine management commands, each booting Django, after `migrate`) and with `start_up`
(one process), on fresh SQLite databases, one after the other in the same run."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
OLD = [
    ["migrate", "--noinput"],
    ["ensure_admin"],
    ["close_days", "--days", "31", "-v0"],
    ["kiosk_snapshots_expire", "-v0"],
    ["reconcile", "-v0"],
    ["reencode", "-v0"],
    ["import_archives_expire", "-v0"],
    ["merges_expire", "-v0"],
    ["visitors_erase", "-v0"],
    ["review_expire", "-v0"],
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def first_page(commands, folder):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_"))}
    env.update(DATABASE_URL=f"sqlite:///{folder / 'portal.sqlite3'}", MEDIA_ROOT=str(folder / "media"), DEBUG="1")
    port = free_port()
    started = time.perf_counter()
    for command in commands:
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    prepared = time.perf_counter() - started
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.perf_counter() - started > 1800:
                raise RuntimeError("the server did not answer")
            time.sleep(0.2)
        return prepared, time.perf_counter() - started
    finally:
        server.terminate()
        server.wait()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "old").mkdir()
        (Path(tmp) / "new").mkdir()
        old = first_page(OLD, Path(tmp) / "old")
        new = first_page([["start_up", "--url", "http://127.0.0.1/"]], Path(tmp) / "new")
    print(f"before the server, old: {old[0]:.1f} s, start_up: {new[0]:.1f} s")
    print(f"to the first page,  old: {old[1]:.1f} s, start_up: {new[1]:.1f} s ({new[1] / old[1]:.0%} of the old)")


if __name__ == "__main__":
    main()
