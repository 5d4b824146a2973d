"""10. The gallery at 100,000 and 1,000,000 people: the short list against the exact scan, and a change.

Two templates a person: real lfw-dev encodings for the first people (their
next photo is the probe), synthetic people at real distances after them
(common.synthetic_encodings), each person's second template a few hundredths
from the first. Probes: the real ones, the same number of synthetic genuine
faces, and as many strangers.

- search: ms per probe with the workers' rule, exact scan (recognition.decision
  with the short list off) against the 8-bit short list (recognition/shortlist.py),
  in the same run; and whether every decision is identical (person, accepted,
  distances, thresholds);
- a change: applying one person's new templates to a loaded gallery
  (Gallery.with_people, what a process does per log entry) against building
  the gallery afresh (what every process did per change before the log).
"""

import time

import numpy as np

from bench import common


def gallery_of(size, real, rng):
    base, labels = common.gallery_arrays(size, real)
    second = base + rng.normal(0, 0.012, base.shape).astype(np.float32)
    templates = np.empty((2 * size, base.shape[1]), dtype=np.float32)
    templates[0::2], templates[1::2] = base, second
    return base, templates, np.repeat(labels, 2)


def timed_all(function, probes):
    seconds, answers = [], []
    for probe in probes:
        start = time.perf_counter()
        answers.append(function(probe))
        seconds.append(time.perf_counter() - start)
    return seconds, answers


def measure(size, real, real_probes, queries, rng):
    from recognition import decision, gallery, shortlist

    rule = decision.rule_for()
    base, templates, labels = gallery_of(size, real, rng)
    start = time.perf_counter()
    fast = gallery.Gallery(templates, labels)
    people = decision.people_of(fast)
    build = time.perf_counter() - start
    genuine = base[rng.integers(0, size, queries)] + rng.normal(0, 0.012, (queries, base.shape[1])).astype(np.float32)
    strangers = common.synthetic_encodings(queries, real, seed=99)
    probes = list(real_probes[:queries]) + list(genuine) + list(strangers)

    def exact(probe):
        return decision.decide(slow, probe, rule)

    def short(probe):
        return decision.decide(fast, probe, rule)

    slow = gallery.Gallery(templates, labels)
    minimum = shortlist.MIN_PEOPLE
    shortlist.BUILD_IN_BACKGROUND = False  # built by the first search, to time it
    try:
        shortlist.MIN_PEOPLE = 10**12
        timed_all(exact, probes)  # every best person's look-alike found once, as a worker's first matches do
        exact_seconds, exact_answers = timed_all(exact, probes)
    finally:
        shortlist.MIN_PEOPLE = minimum
    start = time.perf_counter()
    short(probes[0])  # built on the first search
    short_build = time.perf_counter() - start
    timed_all(short, probes)
    short_seconds, short_answers = timed_all(short, probes)
    identical = sum(a == b for a, b in zip(exact_answers, short_answers, strict=True))
    pairs = list(zip(exact_answers, short_answers, strict=True))
    same_decision = sum((a.person_id, a.accepted) == (b.person_id, b.accepted) for a, b in pairs)
    held = people.short_list

    # a change: one person's templates replaced (an enrolment), as each process applies a log entry
    apply_seconds = []
    current = fast
    for i in range(20):
        pid = int(labels[rng.integers(0, len(labels))])
        rows = (base[pid] + rng.normal(0, 0.012, (3, base.shape[1]))).astype(np.float32)
        start = time.perf_counter()
        current = current.with_people({pid: rows}, version=i + 2, change_id=i + 2)
        apply_seconds.append(time.perf_counter() - start)
    figures = {
        "people": size,
        "templates": len(templates),
        "probes": len(probes),
        "exact": common.summary_ms(exact_seconds),
        "short_list": common.summary_ms(short_seconds),
        "speedup_median": common.ratio(
            common.summary_ms(exact_seconds)["median_ms"], common.summary_ms(short_seconds)["median_ms"]
        ),
        "identical_matches": identical,
        "same_decisions": same_decision,
        "short_list_proven": held.proven if held else 0,
        "short_list_fallbacks": held.fallbacks if held else 0,
        "short_list_error": round(held.error, 4) if held else None,
        "short_list_build_seconds": round(short_build, 3),
        "build_from_templates_seconds": round(build, 3),
        "apply_one_person": common.summary_ms(apply_seconds),
    }
    return figures


def run(sizes=(100_000, 1_000_000), queries=100):
    names, real, probe_paths = common.enrolled(queries)
    real_probes = [common.portal_encoding(p.read_bytes()) for p in probe_paths[:queries]]
    real_probes = [p for p in real_probes if p is not None]
    rng = np.random.default_rng(24)
    results = {"sizes": [measure(size, real, real_probes, queries, rng) for size in sizes]}
    report(results)
    return common.save("gallery", results)


def report(r):
    rows = []
    for s in r["sizes"]:
        n = f"{s['people']:,} people"
        rows.append(
            (f"median ms/probe, {n}", s["short_list"]["median_ms"], s["exact"]["median_ms"], s["speedup_median"])
        )
        rows.append(("  p95 ms/probe", s["short_list"]["p95_ms"], s["exact"]["p95_ms"], None))
        rows.append(
            (
                "  apply one change ms (vs build)",
                s["apply_one_person"]["median_ms"],
                s["build_from_templates_seconds"] * 1000,
                None,
            )
        )
    common.show("gallery: 8-bit short list vs exact scan", rows, ("short list", "exact", "exact/short"))
    for s in r["sizes"]:
        print(
            f"{s['people']:>9,} people: identical matches {s['identical_matches']}/{s['probes']}, same decisions "
            f"{s['same_decisions']}/{s['probes']}; bound proven {s['short_list_proven']}, "
            f"fell back {s['short_list_fallbacks']}; short list built in {s['short_list_build_seconds']} s"
        )
