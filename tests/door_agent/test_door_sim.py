"""`make door-sim`'s program: an unlock from the portal opens the simulated door, which closes again."""

import os
import subprocess
import sys
import threading
import uuid

import pytest

from tests.door_agent.agent_helpers import command, send, wait_until

pytestmark = pytest.mark.slow


def test_the_simulated_door_opens_after_a_signed_unlock_and_closes_again(tmp_path):
    door = f"sim-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "DOOR_MQTT_SECRET": "door-sim-test", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "doors_agent", "sim", "--door", door, "--close-after", "1",
         "--state-dir", str(tmp_path)],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines = []
    threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True).start()
    try:
        assert wait_until(lambda: any("connected" in line for line in lines), timeout=60), lines
        send("portal", command(door=door, seconds=2), secret="door-sim-test", door=door)
        assert wait_until(lambda: any("door closed" in line for line in lines), timeout=30), lines
        said = [line.split(" ", 3)[-1].strip() if "INFO" in line else line.strip() for line in lines]
        assert said.index("relay: unlocked") < said.index("door opened (after an unlock)") < said.index("door closed")
        process.stdin.write("\n")  # Enter: someone forces the door
        process.stdin.flush()
        assert wait_until(lambda: any("door opened (forced)" in line for line in lines), timeout=30), lines
    finally:
        process.terminate()
        process.wait(20)
