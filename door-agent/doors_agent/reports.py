"""Reports waiting for the portal: a small queue on disk, sent in order.

Every state change and every command acted on is appended (one JSON line,
numbered) before anything is sent, so a network outage or a restart loses
nothing; a sender sends them one at a time, oldest first, and moves the
"sent up to" mark only when the broker acknowledged. A report may reach the
portal twice (sent, then the agent died before the mark moved): the portal
keeps one per key.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from pathlib import Path


class ReportQueue:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "reports.jsonl"
        self.mark = self.folder / "sent"
        identity = self.folder / "agent-id"
        if not identity.exists():
            identity.write_text(secrets.token_hex(6))
        self.agent_id = identity.read_text().strip()
        self._lock = threading.Condition()
        self.sent = int(self.mark.read_text()) if self.mark.exists() else 0
        pending = self.pending()
        self.seq = pending[-1]["seq"] if pending else self.sent

    def append(self, report: dict) -> dict:
        with self._lock:
            self.seq += 1
            report = {**report, "seq": self.seq, "key": f"{self.agent_id}-{self.seq}"}
            with self.path.open("a") as out:
                out.write(json.dumps(report, separators=(",", ":")) + "\n")
                out.flush()
                os.fsync(out.fileno())
            self._lock.notify_all()
        return report

    def pending(self) -> list[dict]:
        if not self.path.exists():
            return []
        found = []
        for line in self.path.read_text().splitlines():
            try:
                report = json.loads(line)
            except ValueError:
                continue  # a line cut by a power loss: it was never acknowledged to anyone
            if report.get("seq", 0) > self.sent:
                found.append(report)
        return found

    def done(self, seq: int) -> None:
        """Everything up to `seq` is with the broker; the file is emptied once nothing waits."""
        with self._lock:
            self.sent = max(self.sent, seq)
            tmp = self.mark.with_suffix(".tmp")
            tmp.write_text(str(self.sent))
            os.replace(tmp, self.mark)
            if self.sent >= self.seq and self.path.exists():
                self.path.write_text("")

    def wait(self, timeout: float) -> None:
        with self._lock:
            if self.seq <= self.sent:
                self._lock.wait(timeout)
