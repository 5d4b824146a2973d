"""`python -m bench.liveness`: how often a flat picture passes the liveness test, and a face fails it.

Recordings are made as tests/presentations.py describes: printed photos and
phone-like screens moved, zoomed, rotated and tilted per frame (attacks), and
heads turned in 3D-ish renders and real photos of one person in several
poses (genuine). Faces come from the fixture photos and lfw-dev's people.
For each recording the landmarks' figures are measured once; then every
rule is applied to the same figures, so the rates of several thresholds
compare on one set. Prints the rates (and writes them to bench/results/liveness.json).

--people N: lfw-dev people used (default 12); --frames: frames per burst (5 at a kiosk).
"""

import argparse
import json
import random
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
from PIL import Image

from bench import common
from recognition import liveness
from tests import photos
from tests import presentations as rec

MOTIONS = {
    "still": rec.Motion(),
    "shift 1px": rec.Motion(shift=1),
    "shift 3px": rec.Motion(shift=3),
    "zoom 2%": rec.Motion(zoom=0.02),
    "rotate 1.5deg": rec.Motion(rotate=1.5),
    "tilt 15deg": rec.Motion(tilt=15),
    "all, by hand": rec.Motion(shift=20, zoom=0.1, rotate=8, tilt=25),
    "all, wide": rec.Motion(shift=40, zoom=0.2, rotate=15, tilt=35),
}
YAWS = (3, 5, 8, 12, 20)


def faces(people):
    pictures = [("fixture:" + p.stem, p) for p in (photos.OBAMA, photos.BIDEN, photos.STRANGER)]
    chosen = [(name, paths) for name, paths in common.lfw_people() if len(paths) >= 3]
    random.Random(21).shuffle(chosen)
    return pictures, chosen[:people]


def measure(frames):
    """The recording's landmarks (kept, so that a changed test can be re-scored without the images) and figures."""
    return figures({"points": [p.tolist() for p in rec.points_of(frames)]})


def figures(row):
    points = [np.asarray(p) for p in row["points"]]
    if len(points) < 3:
        return {**row, "frames": len(points)}
    parallax, residual, blink, mouth, turn = liveness.measure(points)
    return {
        **row, "frames": len(points), "parallax": parallax, "residual": residual, "blink": blink,
        "mouth": mouth, "turn": turn,
    }  # fmt: skip


def collect(people=12, frames=5, face_width=160, part=0, parts=1):
    pictures, persons = faces(people)
    persons = persons[part::parts]
    pictures = pictures[part::parts]
    crops = []
    for name, path in pictures + [(f"lfw:{n}", paths[0]) for n, paths in persons]:
        try:
            crops.append((name, rec.face_crop(path, face_width=face_width)))
        except ValueError:
            continue
    rows = []
    for i, (name, crop) in enumerate(crops):
        print(f"  {i + 1}/{len(crops)} {name}", flush=True)
        for motion_name, motion in MOTIONS.items():
            for kind, make in (("print", rec.flat), ("screen", rec.screen)):
                rows.append(
                    dict(
                        attack=True,
                        kind=f"{kind}: {motion_name}",
                        face=name,
                        **measure(make(crop, motion, frames=frames, seed=i)),
                    )
                )
        rows.append(
            dict(
                attack=True,
                kind="print: blurred, moved",
                face=name,
                **measure(rec.flat(crop, MOTIONS["all, by hand"], frames=frames, seed=i, blur=1.5)),
            )
        )
        for yaw in YAWS:
            rows.append(
                dict(
                    attack=False,
                    kind=f"head turning {yaw}deg",
                    face=name,
                    **measure(rec.turning(crop, yaw=yaw, pitch=yaw / 3, frames=frames, seed=i)),
                )
            )
    for name, paths in persons:
        pictures_of_one = [
            rec.face_crop(Image.open(p).convert("RGB"), face_width=face_width, margin=0.4) for p in paths[:frames]
        ]
        rows.append(
            dict(
                attack=False,
                kind="real photos, several poses",
                face=name,
                **measure(rec.photos_of_one_person(pictures_of_one)),
            )
        )
    if part != 0:
        return rows
    obama = [
        rec.face_crop(p, face_width=face_width, margin=0.4) for p in (photos.OBAMA, photos.OBAMA_2, photos.OBAMA_3)
    ]
    rows.append(
        dict(
            attack=False,
            kind="real photos, several poses",
            face="fixture:obama x3",
            **measure(rec.photos_of_one_person(obama)),
        )
    )
    return rows


def passes(row, rule):
    if row["frames"] < rule.min_frames:
        return False
    return row["parallax"] >= rule.min_parallax or row["blink"] >= rule.min_blink or row["mouth"] >= rule.min_mouth


def rates(rows, rule):
    """Per kind: recordings, and how many passed (an attack passing is a false accept)."""
    table = {}
    for row in rows:
        entry = table.setdefault(row["kind"], {"attack": row["attack"], "n": 0, "passed": 0})
        entry["n"] += 1
        entry["passed"] += passes(row, rule)
    attacks = [r for r in rows if r["attack"]]
    genuine = [r for r in rows if not r["attack"]]
    far = sum(passes(r, rule) for r in attacks) / max(1, len(attacks))
    frr = sum(not passes(r, rule) for r in genuine) / max(1, len(genuine))
    return table, far, frr


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.liveness", description=__doc__)
    p.add_argument("--people", type=int, default=12)
    p.add_argument("--frames", type=int, default=5)
    p.add_argument("--face-width", type=int, default=160)
    p.add_argument("--part", type=int, default=0, help="with --parts: record this share only (to run several at once)")
    p.add_argument("--parts", type=int, default=1)
    p.add_argument("--rescore", nargs="+", metavar="JSON", help="score the landmarks recorded in these files again")
    args = p.parse_args(argv)
    started = time.monotonic()
    if args.rescore:
        rows = [figures(row) for path in args.rescore for row in json.loads(Path(path).read_text())["rows"]]
    else:
        rows = collect(args.people, args.frames, args.face_width, args.part, args.parts)
    rule = liveness.LivenessRule()
    table, far, frr = rates(rows, rule)
    print(
        f"{len(rows)} recordings, {args.frames} frames each, faces {args.face_width} px wide, "
        f"measured in {time.monotonic() - started:.0f} s; rule {rule}"
    )
    print(f"{'recording':32} {'n':>4} {'passed':>7}  {'max parallax':>12} {'max residual':>12}")
    for kind, entry in table.items():
        mine = [r for r in rows if r["kind"] == kind and r["frames"] >= 3]
        top_p = max((r["parallax"] for r in mine), default=0)
        top_r = max((r["residual"] for r in mine), default=0)
        label = "attack" if entry["attack"] else "genuine"
        print(f"{kind:32} {entry['n']:>4} {entry['passed']:>7}  {top_p:12.3f} {top_r:12.3f}  {label}")
    print(f"false accepts (attacks passed): {far:.1%}; false refusals (genuine refused): {frr:.1%}")
    print("thresholds tried (parallax, blink): FAR / FRR")
    sweep = []
    for parallax in (0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.10):
        for blink in (0.12, 0.16, 1.0):
            tried = replace(rule, min_parallax=parallax, min_blink=blink)
            _, f, r = rates(rows, tried)
            sweep.append(dict(parallax=parallax, blink=blink, far=f, frr=r))
            print(f"  {parallax:.2f} {blink:.2f}: {f:6.1%} / {r:6.1%}")
    suffix = f"-part{args.part}" if args.parts > 1 else ""
    out = common.RESULTS / f"liveness-{args.frames}f-{args.face_width}px{suffix}.json"
    if args.rescore:
        out = common.RESULTS / "liveness-rescored.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rule": asdict(rule), "far": far, "frr": frr, "rows": rows, "sweep": sweep}, indent=1))


if __name__ == "__main__":
    main()
