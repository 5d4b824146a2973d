"""1. Capture latency, end to end.

A 640x480 JPEG kiosk frame is posted over HTTP to gunicorn, queued through
Redis, processed by a separate celery worker (detect, encode, search 10,000
people, record the attendance event, draw the result), and the client has
the event once GET /recognize/<id>/status/?wait=5 answers. Every probe is a
different enrolled person (a real lfw-dev photo other than the enrolled one),
so every capture creates an attendance event; the cooldown stays at 60 s.

The same frames then go through the plain face_recognition pipeline, in this
process, against a Python list of the same 10,000 encodings, and through the
portal's engine alone (no HTTP, no database) to show where the time goes.
"""

import time

from bench import common, stack


def frames_for(count):
    """(name, frame) for the first `count` enrolled lfw people: their second photo as a kiosk frame."""
    names, encodings, probes = common.enrolled(count)
    return names, encodings, [common.kiosk_frame(p) for p in probes]


def warm_up(kiosk, count):
    """Strangers (no event): every gunicorn worker and the worker's gallery get ready."""
    for path in common.lfw_strangers(count):
        kiosk.capture(common.kiosk_frame(path))


def measure_stack(production, matrix, names, frames, warmups):
    with stack.running(production=production, matrix=matrix, names=names) as running:
        if production:
            worker = running.start_worker(concurrency=1)
        kiosk = stack.Kiosk(running.url)
        warm_up(kiosk, warmups)
        seconds, statuses, correct, created = [], [], 0, 0
        for name, frame in zip(names, frames, strict=False):
            took, status = kiosk.capture(frame)
            seconds.append(took)
            statuses.append(status)
            faces = status.get("faces", [])
            correct += bool(faces) and faces[0]["name"] == name
            created += _event(status) == "created"
        with_event = [t for t, st in zip(seconds, statuses, strict=True) if _event(st) == "created"]
        figures = {
            "latency": common.summary_ms(seconds),
            "latency_with_event": common.summary_ms(with_event),
            "recognized_correctly": correct,
            "events_created": created,
            "seeded": running.seeded,
            "median_ms_per_step": stack.timeline(running.env["DATABASE_URL"], statuses),
        }
        if production:
            figures["gallery_loads_in_worker"] = running.gallery_loads("worker1")
            figures["worker_rss_mb"] = running.worker_rss(worker)
        return figures


def _event(status):
    faces = status.get("faces") or [{}]
    return faces[0].get("event")


def measure_in_process(frames, names, matrix):
    """The plain pipeline and the portal's engine + gallery on the same frames, same process."""
    from recognition import decision, engine
    from recognition.gallery import Gallery

    known_names = list(names) + [f"Synthetic {i}" for i in range(len(names), len(matrix))]
    known_list = [row.astype("float64") for row in matrix]  # what face_encodings returns
    if matrix.shape[1] != 128 or not common.portal_options().version.startswith("dlib"):
        # the portal's encodings are another network's: the plain pipeline gets dlib's of the same people
        known_list = common.plain_gallery(names, len(matrix))
    gallery = Gallery(matrix=matrix, labels=range(len(matrix)))
    options = common.portal_options()  # the workers' encoder and encoding version
    rule = decision.rule_for(version=options.version)  # the workers' rule with the default settings
    plain, portal, plain_correct = [], [], 0
    common.plain_identify(frames[0], known_list, known_names)  # first call pays dlib's warm-up
    gallery.search(matrix[0], rule)  # builds the average faces, as a worker's first search does
    for name, frame in zip(names, frames, strict=False):
        took, found = common.timed(common.plain_identify, frame, known_list, known_names)
        plain.append(took)
        plain_correct += found[:1] == [name]
        start = time.perf_counter()
        _, faces = engine.faces_in_bytes(frame, options=options)
        [gallery.search(face.encoding, rule) for face in faces]
        portal.append(time.perf_counter() - start)
    return common.summary_ms(plain), plain_correct, common.summary_ms(portal)


def run(captures=100, people=10_000, warmups=6, embedded=True):
    names, real, frames = frames_for(captures)
    matrix, _ = common.gallery_arrays(people, real)
    results = {"captures": len(frames), "people_enrolled": people, "cooldown_seconds": 60}
    results["production"] = measure_stack(True, matrix, names, frames, warmups)
    if embedded:
        results["embedded"] = measure_stack(False, matrix, names, frames, warmups)
    plain, plain_correct, engine_only = measure_in_process(frames, names, matrix)
    results["plain"] = plain
    results["plain_recognized_correctly"] = plain_correct
    results["portal_engine_only"] = engine_only
    production = results["production"]["latency"]
    results["speedup_median"] = common.ratio(plain["median_ms"], production["median_ms"])
    results["speedup_p95"] = common.ratio(plain["p95_ms"], production["p95_ms"])
    report(results)
    return common.save("capture", results)


def report(r):
    production = r["production"]["latency"]
    rows = [
        ("median ms (production, end to end)", production["median_ms"], r["plain"]["median_ms"], r["speedup_median"]),
        ("p95 ms (production, end to end)", production["p95_ms"], r["plain"]["p95_ms"], r["speedup_p95"]),
    ]
    if "embedded" in r:
        embedded = r["embedded"]["latency"]
        rows += [
            (
                "median ms (embedded, end to end)",
                embedded["median_ms"],
                r["plain"]["median_ms"],
                common.ratio(r["plain"]["median_ms"], embedded["median_ms"]),
            ),
            (
                "p95 ms (embedded, end to end)",
                embedded["p95_ms"],
                r["plain"]["p95_ms"],
                common.ratio(r["plain"]["p95_ms"], embedded["p95_ms"]),
            ),
        ]
    rows += [
        (
            "median ms (engine only, in-process)",
            r["portal_engine_only"]["median_ms"],
            r["plain"]["median_ms"],
            common.ratio(r["plain"]["median_ms"], r["portal_engine_only"]["median_ms"]),
        ),
        ("median ms, captures with an event", r["production"]["latency_with_event"].get("median_ms"), None, None),
        ("recognized correctly", r["production"]["recognized_correctly"], r["plain_recognized_correctly"], None),
    ]
    common.show(f"capture latency: {r['captures']} captures, {r['people_enrolled']:,} people enrolled", rows)
    print(
        f"events created (production): {r['production']['events_created']} of {r['captures']}; "
        f"gallery loads in the worker: {r['production'].get('gallery_loads_in_worker')}"
    )
    for kind in ("production", "embedded"):
        if kind in r:
            steps = ", ".join(f"{k} {v}" for k, v in r[kind]["median_ms_per_step"].items())
            print(f"median ms per step ({kind}): {steps}")
