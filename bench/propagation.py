"""11. Enrolment-to-recognized and erasure-to-refused with 8 worker processes, and their memory.

A fresh PostgreSQL database with `people` people of two templates each
(bench.gallery's galleries: real lfw-dev encodings first, synthetic people
after), and 8 worker processes on one machine, each running what a worker
runs before every decision: `gallery.current()` (the log's position, the
machine's gallery file, mapped; GALLERY_SHARED_DIR) and the decision rule,
over and over (a probe every POLL seconds).

Each round the driver enrols a new person (a person and two accepted
photos, with their log entry, in one transaction, as the encoding worker
does) and then erases them (people's own erasure service); each worker
reports the moment its decision first changes (the newcomer recognized,
then refused). The figures are those moments less the commit's, per worker
and round: p50 / p95 / max. Also counted: whole loads of the gallery (one,
the first process's, however many changes) and the workers' memory from
/proc/PID/smaps_rollup: PSS (the shared file's pages divided among the
processes that map it) and private memory (what one more worker adds).

Run as `python -m bench propagation [--people 100000]`; the driver and the
workers are subprocesses with the database's environment.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import common

WORKERS = 8
POLL = 0.05  # seconds between two decisions of a worker: a steady stream of probes
GIVE_UP = 300  # a worker that never sees the change says so instead of waiting for ever


def run(people=100_000, rounds=10, workers=WORKERS):
    from bench.gallery import gallery_of
    from tests.e2e.stack import postgres_database

    workers = workers[0] if isinstance(workers, tuple) else workers  # --workers takes a list
    names, real, _ = common.enrolled(100)
    rng = np.random.default_rng(11)
    base, templates, labels = gallery_of(people, real, rng)
    del base
    with tempfile.TemporaryDirectory(prefix="bench-propagation-", dir="/tmp") as tmp, postgres_database() as url:
        tmp = Path(tmp)
        np.savez(
            tmp / "gallery.npz",
            templates=templates,
            labels=labels,
            names=np.array(names),
            newcomers=common.synthetic_encodings(rounds, real, seed=77),
        )
        del templates, labels
        shared = Path("/dev/shm" if Path("/dev/shm").is_dir() else tmp) / f"bench-gallery-{os.getpid()}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "GALLERY_"))}
        env.update(
            DATABASE_URL=url,
            GALLERY_SHARED_DIR=str(shared),
            MEDIA_ROOT=str(tmp / "media"),
            LOG_LEVEL="INFO",
            PYTHONPATH=str(common.ROOT),
        )
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bench.propagation", "driver", str(tmp), str(rounds), str(workers)],
                cwd=common.ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
        finally:
            subprocess.run(["rm", "-rf", str(shared)], check=False)
        if done.returncode:
            raise SystemExit(f"propagation driver failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
        results = json.loads(done.stdout.strip().splitlines()[-1])
    results["people"] = people
    report(results)
    return common.save("propagation", results)


def report(r):
    rows = [
        ("enrolment -> recognized, p50 ms", r["enrol"]["median_ms"], None, None),
        ("enrolment -> recognized, p95 ms", r["enrol"]["p95_ms"], None, None),
        ("erasure -> refused, p50 ms", r["erase"]["median_ms"], None, None),
        ("erasure -> refused, p95 ms", r["erase"]["p95_ms"], None, None),
        ("worker PSS MB (mean of 8)", r["memory"]["pss_mb_mean"], None, None),
        ("worker private MB (max of 8)", r["memory"]["private_mb_max"], None, None),
        ("  of which after the gallery (max)", r["memory"]["private_added_mb_max"], None, None),
    ]
    common.show(f"propagation: {r['people']:,} people, {r['workers']} worker processes", rows, ("measured", "", ""))
    print(
        f"whole gallery loads: {r['loads']}; generations published: {r['published']}; "
        f"gallery file {r['memory']['file_mb']} MB; load average {r['load_average']}"
    )


# --- the driver and the workers (subprocesses with the database's environment) ----------


def smaps_mb(pid):
    """Rss, Pss and private (clean + dirty) memory of a process, MB, from /proc/PID/smaps_rollup."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        values[key] = int(value.split()[0]) / 1024
    return {"rss": values["Rss"], "pss": values["Pss"], "private": values["Private_Clean"] + values["Private_Dirty"]}


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def driver(folder, rounds, workers):
    _setup()
    from django.core.management import call_command
    from django.db import transaction

    from portal.people.models import Person
    from portal.people.services import person_delete
    from recognition import shared_gallery, versions
    from recognition.models import FacePhoto, GalleryVersion

    folder = Path(folder)
    call_command("migrate", "--noinput", verbosity=0)
    data = np.load(folder / "gallery.npz", allow_pickle=False)
    templates, labels, names, newcomers = data["templates"], data["labels"], list(data["names"]), data["newcomers"]
    version = versions.wanted()
    start = time.perf_counter()
    _seed(templates, labels, names, version)
    GalleryVersion.bump(encoding_version=version)
    seed_seconds = time.perf_counter() - start
    del templates, data

    control = folder / "round.json"
    control.write_text(json.dumps({"round": -1}))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.propagation", "worker", str(folder)],
            cwd=common.ROOT,
            stdout=subprocess.PIPE,
            stderr=open(folder / f"worker{i}.log", "w"),
            text=True,
        )
        for i in range(workers)
    ]
    try:
        ready = [json.loads(p.stdout.readline()) for p in procs]  # each has mapped the gallery and searched
        enrol, erase, published = [], [], 0
        never = float("inf")

        def wait_round(number):
            seen = []
            for p in procs:
                line = json.loads(p.stdout.readline())
                assert line["round"] == number, line
                seen.append(line["at"])
            return seen

        for number in range(rounds):
            face = newcomers[number]
            rng = np.random.default_rng(number)
            with transaction.atomic():
                person = Person.objects.create(name=f"Newcomer {number}", employee_id=f"new-{number}")
                for k in range(2):
                    FacePhoto.objects.create(
                        person=person,
                        image=f"bench/new-{number}-{k}.jpg",
                        sha256=f"new-{number}-{k}",
                        status=FacePhoto.Status.ACCEPTED,
                        model_name=version,
                        encoding=(face + rng.normal(0, 0.012, face.shape)).astype(np.float32).tobytes(),
                    )
                GalleryVersion.bump(people=[person.pk])
                _announce(control, number * 2, person.pk, face, expect=True)
            committed = time.time()
            enrol += [never if at is None else at - committed for at in wait_round(number * 2)]
            _announce(control, number * 2 + 1, person.pk, face, expect=False)
            person_delete(person=Person.objects.get(pk=person.pk))
            committed = time.time()
            erase += [never if at is None else at - committed for at in wait_round(number * 2 + 1)]
        memory = [smaps_mb(p.pid) for p in procs]
        idle = [r["private_before_mb"] for r in ready]
    finally:
        control.write_text(json.dumps({"round": "stop"}))
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
    logs = "".join((folder / f"worker{i}.log").read_text() for i in range(workers))
    shared = Path(os.environ["GALLERY_SHARED_DIR"])
    files = list(shared.glob(f"*/{shared_gallery.NAME}"))
    print(
        json.dumps(
            {
                "workers": workers,
                "rounds": rounds,
                "seed_seconds": round(seed_seconds, 1),
                "enrol": common.summary_ms(enrol),
                "erase": common.summary_ms(erase),
                "loads": logs.count("gallery loaded"),
                "published": logs.count("gallery published") + published,
                "first_search_seconds": [r["first_seconds"] for r in ready],
                "memory": {
                    "per_worker": [{k: round(v, 1) for k, v in m.items()} for m in memory],
                    "pss_mb_mean": round(float(np.mean([m["pss"] for m in memory])), 1),
                    "pss_mb_sum": round(float(np.sum([m["pss"] for m in memory])), 1),
                    "private_mb_max": round(max(m["private"] for m in memory), 1),
                    "private_before_gallery_mb": [round(x, 1) for x in idle],
                    "private_added_mb_max": round(max(m["private"] - b for m, b in zip(memory, idle, strict=True)), 1),
                    "file_mb": round(sum(f.stat().st_size for f in files) / 2**20, 1),
                },
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


def _seed(templates, labels, names, version):
    """The people and their accepted photos by COPY (the ORM took over 15 minutes for 100,000 on the loaded
    machine); row i of labels is person i + 1."""
    from django.db import connection
    from django.utils import timezone

    from recognition.models import FacePhoto

    now = timezone.now()
    people = int(labels.max()) + 1
    accepted = FacePhoto.Status.ACCEPTED.value
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY
        with raw.copy(
            "COPY people_person (id, name, employee_id, active, created_at, updated_at, search_key, "
            "sort_key) FROM STDIN"
        ) as copy:
            for i in range(people):
                name = names[i] if i < len(names) else f"Synthetic {i}"
                copy.write_row((i + 1, name, f"bench-{i}", True, now, now, name.lower(), name.lower()))
        with raw.copy(
            "COPY recognition_facephoto (person_id, image, thumb_small, thumb_medium, sha256, status, "
            "reason, reason_code, decision, encoding, model_name, next_model_name, claimed_by, "
            "created_at) FROM STDIN"
        ) as copy:
            for row, label in enumerate(labels.tolist()):
                copy.write_row(
                    (
                        label + 1,
                        f"bench/{row}.jpg",
                        "",
                        "",
                        f"{row:064x}",
                        accepted,
                        "",
                        "",
                        "",
                        templates[row].tobytes(),
                        version,
                        "",
                        "",
                        now,
                    )
                )
        cursor.execute("SELECT setval(pg_get_serial_sequence('people_person', 'id'), %s)", [people])


def _announce(control, number, pid, face, *, expect):
    written = control.with_suffix(".new")
    written.write_text(json.dumps({"round": number, "person": pid, "face": face.tolist(), "expect": expect}))
    os.replace(written, control)  # a worker never reads half of it


def worker(folder):
    _setup()
    from recognition import decision, gallery

    control = Path(folder) / "round.json"
    rule = decision.rule_for()
    before = smaps_mb(os.getpid())["private"]
    start = time.perf_counter()
    known = gallery.current()
    decision.decide(known, np.zeros(known.dim, dtype=np.float32), rule)
    print(json.dumps({"private_before_mb": before, "first_seconds": round(time.perf_counter() - start, 2)}), flush=True)
    done, since = None, {}
    while True:
        wanted = json.loads(control.read_text())
        if wanted["round"] == "stop":
            return
        if wanted["round"] != done and wanted["round"] != -1:
            match = decision.decide(gallery.current(), np.asarray(wanted["face"], dtype=np.float32), rule)
            waited = time.monotonic() - since.setdefault(wanted["round"], time.monotonic())
            if (match.person_id == wanted["person"]) == wanted["expect"] or waited > GIVE_UP:
                seen = (match.person_id == wanted["person"]) == wanted["expect"]
                print(json.dumps({"round": wanted["round"], "at": time.time() if seen else None}), flush=True)
                done = wanted["round"]
                continue
        else:
            gallery.current()  # searches go on between the changes
        time.sleep(POLL)


if __name__ == "__main__":
    if sys.argv[1] == "driver":
        driver(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        worker(sys.argv[2])
