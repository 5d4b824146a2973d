"""9. Cameras: how many 1280x720 streams at 10 fps, analysed at 5 fps, one runner process keeps up with on one core,
and the latency from the first frame a person appears in to the attendance event's row.

Each stream is a real RTSP stream (GStreamer's RTSP server from Debian's
packages, `make rtsp-server`) of a clip made from the fixture photos with
Debian's ffmpeg: people crossing the picture one after another, two seconds
each. The runner is the portal's own (portal.cameras.runner with the
analysis of `manage.py cameras run`), in a child process pinned to one core,
ONNX Runtime on one thread, writing to a SQLite database of its own.

Keeping up: every stream analysed at 90% of the 5 frames a second asked for
or better, over the run after a warm-up. Latency: for each person passing,
from the moment the runner received the first frame showing them to the
event row's creation (created_at); a camera's own encoding and network delay
come on top.
"""

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import common

SIZE = (1280, 720)
FPS = 10
ANALYSE_FPS = 5.0
KEEP_UP = 0.9  # of ANALYSE_FPS
WARM_UP = 5.0  # seconds after connecting before rates count
CYCLE = [("empty", 1.0), ("obama", 2.0), ("empty", 1.5), ("biden", 2.0), ("empty", 1.5)]


def plan(seconds):
    from tests import photos

    faces = {"obama": photos.OBAMA, "biden": photos.BIDEN}
    cycles = math.ceil((seconds + 10) / sum(s for _, s in CYCLE))
    steps = [(faces.get(what, "empty"), length) for _ in range(cycles) for what, length in CYCLE]
    appear, at = [], 0.0
    for what, length in steps:
        if what != "empty":
            appear.append(round(at * FPS))  # the clip's frame where this person first shows
        at += length
    return steps, appear


def run(streams=(1, 2, 3, 4, 6), seconds=30):
    from tests.cameras import clips
    from tests.cameras.harness import free_port, rtsp_server

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        steps, appear = plan(seconds)
        video = clips.write_mp4(clips.frames(steps, size=SIZE, face_height=SIZE[1] // 2), folder / "walk.mp4")
        server = rtsp_server(free_port(), {"walk": video}, folder / "rtsp.log").start()
        try:
            runs = [child(n, seconds, f"rtsp://127.0.0.1:{server.port}/walk", appear, folder) for n in streams]
        finally:
            server.kill()
    for figures in runs:
        figures["keeps_up"] = figures["slowest_analysed_per_second"] >= KEEP_UP * ANALYSE_FPS
    most = max((r["streams"] for r in runs if r["keeps_up"]), default=0)
    results = {
        "size": f"{SIZE[0]}x{SIZE[1]}",
        "stream_fps": FPS,
        "analyse_fps": ANALYSE_FPS,
        "seconds": seconds,
        "streams_kept_up_per_core": most,
        "runs": runs,
    }
    common.show(
        f"cameras: {SIZE[0]}x{SIZE[1]} at {FPS} fps, analysed at {ANALYSE_FPS:g} fps, one runner on one core",
        [
            (
                f"{r['streams']} stream(s): analysed/s, median latency s",
                r["slowest_analysed_per_second"],
                r["latency_median_s"],
                "keeps up" if r["keeps_up"] else "behind",
            )
            for r in runs
        ],
        columns=("slowest fps", "latency s", ""),
    )
    print(f"streams one runner keeps up with on one core: {most}")
    return common.save("cameras", results)


def child(streams, seconds, url, appear, folder):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{folder}/cameras-{streams}.sqlite3",
        MEDIA_ROOT=str(folder / f"media-{streams}"),
        FACE_ENCODER="onnx",
        FACE_ENCODER_THREADS="1",
        ATTENDANCE_COOLDOWN_SECONDS="0",
        CAMERA_HEALTH_SECONDS="1",
        LOG_LEVEL="WARNING",
        # the bench's RTSP server is on this machine: loopback is refused to cameras unless allowed
        CAMERA_ALLOWED_HOSTS="127.0.0.1",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bench.cameras", str(streams), str(seconds), url, json.dumps(appear)],
        cwd=common.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"camera benchmark child failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(streams, seconds, url, appear):
    """In the child: one runner, `streams` cameras on the same clip, for `seconds`."""
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from portal.attendance.models import AttendanceEvent
    from portal.cameras import streams as stream_module
    from portal.cameras.analysis import TrackAnalysis, warm_up
    from portal.cameras.models import Camera
    from portal.cameras.runner import Runner
    from tests import photos
    from tests.factories import enrolled

    enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    enrolled("Joe Biden", photos.BIDEN, employee_id="1043")
    cameras = [
        Camera.objects.create(name=f"camera {i}", kind="rtsp", url=url, purpose="in", analyse_fps=ANALYSE_FPS)
        for i in range(streams)
    ]
    # when each frame reached the runner, per camera: frame i of the clip is arrivals[pk][i]
    arrivals = {camera.pk: [] for camera in cameras}
    original = stream_module.frames

    def recorded(camera, **options):
        for frame, at in original(camera, **options):
            arrivals[camera.pk].append(at)
            yield frame, at

    stream_module.frames = recorded
    warm_up()
    runner = Runner(analyser=TrackAnalysis, lease_seconds=60)
    counts = {}

    def sample():
        time.sleep(WARM_UP)
        counts["start"] = {pk: w.health.analysed for pk, w in runner.watches.items()}, time.monotonic()
        time.sleep(max(1.0, seconds - WARM_UP))
        counts["end"] = {pk: w.health.analysed for pk, w in runner.watches.items()}, time.monotonic()
        runner.stop()

    threading.Thread(target=sample, daemon=True).start()
    runner.run(until=time.monotonic() + seconds + 30)
    (start, t0), (end, t1) = counts["start"], counts["end"]
    rates = [(end.get(pk, 0) - start.get(pk, 0)) / (t1 - t0) for pk in arrivals]
    latencies, passes = [], 0
    for pk, frames in arrivals.items():
        shown = [frames[i] for i in appear if i < len(frames)]
        passes += len(shown)
        for event in AttendanceEvent.objects.filter(capture__camera_id=pk):
            before = [t for t in shown if t <= event.at.timestamp() + 1e-3]
            if before:
                latencies.append(event.created_at.timestamp() - before[-1])
    return {
        "streams": streams,
        "analysed_per_second": [round(r, 2) for r in rates],
        "slowest_analysed_per_second": round(min(rates), 2),
        "frames_read_per_second": round(min((len(f) - 1) / max(1e-3, f[-1] - f[0]) for f in arrivals.values()), 1),
        "passes": passes,  # people who appeared; the last may have been cut off by the end of the run
        "events": len(latencies),
        "latency_median_s": round(statistics.median(latencies), 2) if latencies else None,
        "latency_max_s": round(max(latencies), 2) if latencies else None,
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    figures = measure(int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]))
    print(json.dumps(figures))
