"""12. Both encoders at once: does fusing dlib's and SFace's distances beat SFace alone?

lfw-dev encoded by both, as `manage.py evaluate` does (its cache): dlib's mirror version on
HOG's faces, SFace on YuNet's; a photo counts only where both found a face. Each person's
average face is made as each version's gallery makes it. A probe's fused distance to a
person is w * d_sface / t_sface + (1 - w) * d_dlib / t_dlib, each distance divided by its
version's balanced threshold (1 at either's threshold); w = 1 is SFace alone, w = 0 dlib alone.

For each weight the nearest person by the fused distance is accepted under one threshold
(no look-alike tightening, the same plain rule for every weight), chosen on the even half
of the people as the largest with at most 1% of strangers and 1% of held-out strangers
(one and two photos enrolled), and reported on the odd half.
"""

import numpy as np

from bench import common

WEIGHTS = (0.0, 0.25, 0.5, 0.65, 0.8, 1.0)
STEPS = np.round(np.arange(0.80, 1.40, 0.005), 3)
MOST = 0.01  # strangers and held-out strangers allowed on the tuning half


def encodings(photos, version, detector):
    from django.conf import settings

    from recognition import engine, evaluation

    options = engine.DetectOptions(max_side=settings.FACE_DETECT_MAX_SIDE, version=version, detector=detector)
    found, _ = evaluation.encode_photos(photos, options=options)
    return found


def distances(photos, found, per_person, half, version):
    """Per probe: (the person's column or None, distances to every person's average face), with the split."""
    from recognition import decision, evaluation

    data = evaluation.split(photos, found, per_person=per_person, half=half)
    names = [name for name, _ in data.templates]
    people = decision.People(
        np.vstack([e for _, e in data.templates]), names, unit=decision.calibration(version).unit_average
    )
    column = {str(name): i for i, name in enumerate(people.ids)}
    genuine = [(column.get(name), people.distances(e).copy()) for name, e, _ in data.genuine if e is not None]
    strangers = [people.distances(e).copy() for _, e, _ in data.strangers if e is not None]
    return genuine, strangers


def rates(genuine, strangers, threshold):
    """(genuine accepted as themselves, strangers accepted, held-out strangers accepted) under a plain rule."""
    right = held = 0
    for own, dist in genuine:
        best = int(np.argmin(dist))
        right += best == own and dist[best] <= threshold
        others = dist.copy()
        if own is not None:
            others[own] = np.inf  # the gallery without their own person
        held += others.min() <= threshold
    stranger = sum(d.min() <= threshold for d in strangers)
    return right / len(genuine), stranger / max(1, len(strangers)), held / len(genuine)


def fused(a, b, weight):
    """Two (genuine, strangers) sets of distances (SFace's, dlib's), already scaled, fused with weight on the first."""
    genuine = [(own, weight * x + (1 - weight) * y) for (own, x), (_, y) in zip(a[0], b[0], strict=True)]
    strangers = [weight * x + (1 - weight) * y for x, y in zip(a[1], b[1], strict=True)]
    return genuine, strangers


def run(tiny=False):
    from recognition import decision, encoders, evaluation, sface

    common.portal_options()  # Django set up, this process's encoder chosen as a worker's
    photos = evaluation.dataset(common.LFW)
    if tiny:
        keep = {p.person for p in photos if p.known}
        keep = set(sorted(keep)[:12]) | {p.person for p in photos if not p.known and p.person < "B"}
        photos = [p for p in photos if p.person in keep][:80]
    sf = encodings(photos, sface.VERSION, "yunet")
    dl = encodings(photos, encoders.MIRROR, "hog")
    both = [a is not None and b is not None for a, b in zip(sf, dl, strict=True)]
    sf = [e if ok else None for e, ok in zip(sf, both, strict=True)]
    dl = [e if ok else None for e, ok in zip(dl, both, strict=True)]
    t_sf = decision.calibration(sface.VERSION).modes["balanced"]
    t_dl = decision.calibration(encoders.MIRROR).modes["balanced"]

    sets = {}
    for per in (1, 2):
        for half in ("even", "odd"):
            g1, s1 = distances(photos, sf, per, half, sface.VERSION)
            g2, s2 = distances(photos, dl, per, half, encoders.MIRROR)
            sets[per, half] = (
                ([(o, d / t_sf) for o, d in g1], [d / t_sf for d in s1]),
                (
                    [(o, d / t_dl) for o, d in g2],
                    [d / t_dl for d in s2],
                ),
            )
    results = {"photos": len(photos), "photos_with_both_faces": int(sum(both)), "weights": {}}
    for weight in WEIGHTS:
        tuned = {per: fused(*sets[per, "even"], weight) for per in (1, 2)}
        chosen = None
        for step in STEPS:
            figures = [rates(*tuned[per], step) for per in (1, 2)]
            if all(f[1] <= MOST and f[2] <= MOST for f in figures):
                chosen = float(step)
        row = {"threshold": chosen}
        for per in (1, 2):
            if chosen is not None:
                g, s, h = rates(*fused(*sets[per, "odd"], weight), chosen)
                row[f"odd_{per}_photo"] = {"genuine": round(g, 4), "strangers": round(s, 4), "heldout": round(h, 4)}
        results["weights"][str(weight)] = row
    report(results)
    return common.save("fusion", results)


def report(r):
    print(f"\n== fusion: {r['photos_with_both_faces']} of {r['photos']} lfw-dev photos with a face for both encoders")
    print("  weight on SFace, threshold (even half); odd half: genuine / strangers / held-out, 1 and 2 photos enrolled")
    for weight, row in r["weights"].items():
        cells = []
        for per in (1, 2):
            f = row.get(f"odd_{per}_photo")
            shown = "-" if f is None else " / ".join(f"{100 * f[k]:.1f}%" for k in ("genuine", "strangers", "heldout"))
            cells.append(shown)
        print(f"  {weight:>5}  {row['threshold'] or '-':>6}   {cells[0]:>24}   {cells[1]:>24}")
