"""`bench cameras --cpu 0.25` gives its runner a quarter of a core in CPU time, even on a busy machine.

The throttle used to stop and continue the runner on the wall clock (running a quarter of every
100 ms): on a shared machine the runner then got far less than its quarter (8% of a core with a
load average of 8) and the bench measured the machine's load, not the runner at a quarter core.
"""

import os
import subprocess
import sys
import threading
import time

import pytest

from bench import cameras

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="raising the runner's priority needs root")


def test_a_busy_process_throttled_to_a_quarter_core_uses_a_quarter_of_a_core_in_cpu_time():
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
    stop = threading.Event()
    try:
        assert cameras.prioritise(busy.pid) == "own autogroup at nice -10"
        thread = threading.Thread(target=cameras.throttle, args=(busy, 0.25, stop), daemon=True)
        thread.start()
        clock = ((~busy.pid) << 3) | 2
        # a window long enough for the 100 ms periods to average out
        stop.wait(0.5)
        cpu0, wall0 = time.clock_gettime(clock), time.monotonic()
        stop.wait(3.0)
        share = (time.clock_gettime(clock) - cpu0) / (time.monotonic() - wall0)
    finally:
        stop.set()
        busy.kill()
        busy.wait()
    assert 0.2 <= share <= 0.3, share
