"""Private Redis and PostgreSQL servers that a fault test may stop and restart.

The machine's own servers are shared with other people and CI: the fault
tests never touch them. Each server here lives in a temporary folder on a
free port and is stopped when the test ends.
"""

import glob
import os
import pwd
import shutil
import subprocess
import time

from tests.e2e.stack import free_port, wait_until


class PrivateRedis:
    """redis-server as the machine runs it: no persistence, so a restart loses the queue."""

    def __init__(self, folder):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        args = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.up, 20, "the private redis-server")

    def up(self):
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def kill(self):
        """Gone at once, queued messages and all."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def queued(self):
        """Messages waiting in every list (queue) of this Redis."""
        import redis

        client = redis.Redis(port=self.port)
        return sum(client.llen(key) for key in client.scan_iter(_type="list"))


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb, pg_ctl), as the postgres user when run as root."""

    def __init__(self, folder):
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/portal"
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]

    def _run(self, *args, check=True):
        user = None
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        return subprocess.run(
            [f"{self.bin}/{args[0]}", *args[1:]],
            check=check,
            capture_output=True,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            cwd=self.folder,
        )

    def create(self):
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "portal")

    def start(self):
        # fsync off: a test database need not survive a power cut, and the disk is shared
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "pg.log"), "-w", "start")

    def stop(self):
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def down_for(self, seconds):
        self.stop()
        time.sleep(seconds)
        self.start()
