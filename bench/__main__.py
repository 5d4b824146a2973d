"""`python -m bench [NAME ...] [options]`: run benchmarks and print their figures.

With no name, all of them run in order. --tiny runs each on a tiny input (the
smoke test uses it): it checks that the scripts work, its figures mean nothing.
"""

import argparse
import os
import signal
import sys
import time

NAMES = ["encoder", "capture", "throughput", "search", "enroll", "memory", "load", "video", "cameras", "gallery"]
NAMES += ["models", "fusion", "pages", "propagation", "review"]
TINY = {
    "encoder": dict(faces=4, rounds=1),
    "capture": dict(captures=3, people=200, warmups=1),
    "throughput": dict(captures=3, people=200, clients=2, workers=(1, 2)),
    "search": dict(sizes=(1_000,), queries=3, plain_queries=2, db_max=1_000),
    "enroll": dict(photos=4),
    "memory": dict(people=1_000, captures=2),
    "load": dict(clients=2, seconds=5, people=200),
    "video": dict(seconds=1.0, fps=2.0),
    "cameras": dict(streams=(1,), seconds=12),
    "gallery": dict(sizes=(2_000,), queries=4),
    "models": dict(faces=4, frames=2, rounds=1),
    "fusion": dict(tiny=True),
    "pages": dict(people=200, events=2_000, rounds=1),
    "propagation": dict(people=2_000, rounds=2, workers=2),
    "review": dict(entries=200, sightings=6),
}


def parser():
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("names", nargs="*", choices=NAMES + [[]], metavar="NAME", help=", ".join(NAMES))
    p.add_argument("--tiny", action="store_true", help="tiny inputs: check the scripts run")
    p.add_argument("--captures", type=int, help="captures (capture: total; throughput: per run)")
    p.add_argument("--people", type=int, help="people enrolled (capture, throughput, memory)")
    p.add_argument("--clients", type=int, help="kiosks posting at once (throughput, load)")
    p.add_argument("--seconds", type=int, help="how long the kiosks post (load)")
    p.add_argument("--threads", type=int, help="gunicorn threads per process; 1: sync workers (load)")
    p.add_argument("--workers", type=int, nargs="+", help="worker process counts to try (throughput; propagation: one)")
    p.add_argument("--sizes", type=int, nargs="+", help="gallery sizes (search)")
    p.add_argument("--events", type=int, help="attendance events in the database (pages)")
    p.add_argument("--entries", type=int, help="open review entries (review)")
    p.add_argument("--photos", type=int, help="photos to import (enroll)")
    p.add_argument("--faces", type=int, help="faces to encode (encoder, models)")
    p.add_argument("--streams", type=int, nargs="+", help="camera streams per runner to try (cameras)")
    p.add_argument("--cpu", type=float, help="share of one core the camera runner gets, e.g. 0.25 (cameras)")
    p.add_argument("--door", action="store_true", help="cameras as doors' readers, timed to the MQTT unlock (cameras)")
    p.add_argument("--turn", type=float, help="seconds each face starts turned aside, 0: frontal (cameras)")
    p.add_argument("--no-embedded", action="store_true", help="capture: skip the embedded stack")
    p.add_argument("--results", help="folder for the JSON figures (default bench/results)")
    return p


def options_for(name, args):
    options = dict(TINY[name]) if args.tiny else {}
    wanted = {
        "capture": ["captures", "people"],
        "throughput": ["captures", "people", "clients", "workers"],
        "search": ["sizes"],
        "enroll": ["photos"],
        "memory": ["people"],
        "encoder": ["faces"],
        "load": ["clients", "seconds", "people", "threads"],
        "video": ["seconds"],
        "cameras": ["streams", "seconds", "cpu", "turn"],
        "gallery": ["sizes"],
        "models": ["faces"],
        "fusion": [],
        "pages": ["people", "events"],
        "propagation": ["people", "workers"],
        "review": ["entries"],
    }[name]
    for key in wanted:
        value = getattr(args, key)
        if value is not None:
            options[key] = tuple(value) if isinstance(value, list) else value
    if name == "cameras" and args.door:
        options["door"] = True
    if name == "capture" and args.no_embedded:
        options["embedded"] = False
    return options


def main(argv=None):
    args = parser().parse_args(argv)
    # stop cleanly (servers, workers, databases) on Ctrl-C or kill, also in the background
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import importlib
    from pathlib import Path

    from bench import common

    if args.results:
        common.RESULTS = Path(args.results)
    for name in args.names or NAMES:
        start = time.perf_counter()
        common.started()
        module = importlib.import_module(f"bench.{name}")
        module.run(**options_for(name, args))
        print(f"({name}: {time.perf_counter() - start:.0f} s; figures in {common.RESULTS / name}.json)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
