"""3. 1:N search: the best person among 10,000, 100,000 and 1,000,000 templates.

Exact (every person compared). The portal's Gallery.search with the workers'
rule (one float32 matrix-vector product over the people's average faces, two
argmin passes; the first time a person is matched, one more pass finds their
nearest look-alike, which is then kept) against
face_recognition.face_distance + argmin over the same float32 array, with
real probe encodings (lfw-dev photos of enrolled people). Also the gallery's
memory and load time: from PostgreSQL (the way a worker loads it) up to
`db_max` templates, from an in-memory array above that.
"""

import time

import numpy as np

from bench import common, stack


def time_queries(function, probes, repeat):
    seconds = []
    for i in range(repeat):
        start = time.perf_counter()
        function(probes[i % len(probes)])
        seconds.append(time.perf_counter() - start)
    return seconds


def load_from_database(matrix, names):
    """Seed a fresh PostgreSQL database and time gallery.load() there."""
    import tempfile
    from pathlib import Path

    from tests.e2e.stack import postgres_database

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, postgres_database() as url:
        env = stack.bench_env(Path(tmp))
        env["DATABASE_URL"] = url
        return stack.seed(env, matrix, names, load=True)


def gallery_bytes(gallery, people):
    arrays = [gallery.matrix, gallery.labels, gallery.sq_norms, people.ids, people.templates, people.sq_norms]
    if not np.shares_memory(people.centroids, gallery.matrix):
        arrays.append(people.centroids)
    return sum(a.nbytes for a in arrays)


def measure(matrix, labels, names, probes, rule, queries, plain_queries, load_db):
    import face_recognition

    from recognition import decision
    from recognition.gallery import Gallery

    start = time.perf_counter()
    gallery = Gallery(matrix=matrix, labels=labels)
    people = decision.people_of(gallery)  # the average faces the rule searches, built once per load
    from_array = time.perf_counter() - start
    figures = {
        "templates": len(matrix),
        "gallery_mb": round(gallery_bytes(gallery, people) / 2**20, 1),
        "load_seconds_from_array": round(from_array, 3),
    }
    if load_db:
        figures["load_from_database"] = load_from_database(matrix, names)
    count = max(queries, 20)
    # first time each person is matched in this gallery: the rule also finds
    # the person's nearest look-alike (one more pass, then kept)
    first = time_queries(lambda p: gallery.search(p, rule), probes, min(count, len(probes)))
    again = time_queries(lambda p: gallery.search(p, rule), probes, count)

    def plain(probe):
        return int(np.argmin(face_recognition.face_distance(matrix, probe)))

    plain_seconds = time_queries(plain, probes, plain_queries)
    # same answers: the nearest template is the same row either way
    agree = all(gallery.search(p, rule).best_person_id == plain(p) for p in probes[:plain_queries])
    figures.update(
        portal=common.summary_ms(again),
        portal_first_match=common.summary_ms(first),
        plain=common.summary_ms(plain_seconds),
        same_answers=agree,
    )
    figures["speedup_median"] = common.ratio(figures["plain"]["median_ms"], figures["portal"]["median_ms"])
    return figures


def run(sizes=(10_000, 100_000, 1_000_000), queries=50, plain_queries=5, db_max=100_000):
    from recognition import decision

    names, real, probe_paths = common.enrolled(max(queries, 10))
    probes = [common.portal_encoding(p.read_bytes()) for p in probe_paths[:queries]]
    probes = [p for p in probes if p is not None]
    rule = decision.rule_for()  # the workers' rule with the default settings
    results = {"sizes": []}
    for size in sizes:
        matrix, labels = common.gallery_arrays(size, real)
        load_db = size <= db_max
        results["sizes"].append(measure(matrix, labels, names, probes, rule, queries, plain_queries, load_db))
    report(results)
    return common.save("search", results)


def report(r):
    rows = []
    for s in r["sizes"]:
        n = f"{s['templates']:,}"
        rows.append((f"median ms/query, {n}", s["portal"]["median_ms"], s["plain"]["median_ms"], s["speedup_median"]))
        rows.append((f"  p95 ms/query, {n}", s["portal"]["p95_ms"], s["plain"]["p95_ms"], None))
        rows.append((f"  first match of a person, {n}", s["portal_first_match"]["median_ms"], None, None))
    common.show("1:N search, exact", rows)
    for s in r["sizes"]:
        db = s.get("load_from_database")
        from_db = f", load from PostgreSQL {db['load_seconds']} s" if db else ""
        print(
            f"{s['templates']:>9,} templates: gallery {s['gallery_mb']} MB, build from array "
            f"{s['load_seconds_from_array']} s{from_db}; same answers: {s['same_answers']}"
        )
