"""2. Throughput: captures per second with several kiosks posting at once.

Several client threads post 640x480 frames (every one a different enrolled
person, so every capture records an event) and wait for each result; the
portal runs 1, then 2 worker processes (celery --concurrency). Throughput is
finished captures divided by the wall time from the first post to the last
result. The plain pipeline's figure is frames per second through
plain_identify in as many processes, on the same frames.
"""

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from bench import capture as capture_bench
from bench import common, stack

PLAIN_TIMEOUT = 600  # seconds for a whole map: a hung child fails the run instead of stalling it


def post_all(url, frames, names, clients):
    """Post every frame from `clients` threads; (seconds, latencies, correct, unfinished).

    A capture still unfinished at the client's time limit stops the run: waiting the
    limit out for every remaining capture would only hide a stalled worker.
    """
    kiosks = [stack.Kiosk(url) for _ in range(clients)]
    todo = list(zip(names, frames, strict=True))
    lock = threading.Lock()
    latencies, correct, unfinished = [], [0], []

    def client(kiosk):
        while True:
            with lock:
                if not todo or unfinished:
                    return
                name, frame = todo.pop()
            took, status = kiosk.capture(frame)
            if status["status"] not in ("done", "failed"):
                with lock:
                    unfinished.append(status)
                return
            faces = status.get("faces", [])
            with lock:
                latencies.append(took)
                correct[0] += bool(faces) and faces[0]["name"] == name

    threads = [threading.Thread(target=client, args=(k,)) for k in kiosks]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, correct[0], unfinished


_plain_known = None


def _plain_start(known):
    global _plain_known
    _plain_known = known
    import face_recognition  # noqa: F401  (loads dlib's models now, not during the timed map)


def _plain_one(frame):
    return common.plain_identify(frame, *_plain_known)


def plain_rate(frames, matrix, names, processes):
    known = (
        [row.astype("float64") for row in matrix],
        list(names) + [f"Synthetic {i}" for i in range(len(names), len(matrix))],
    )
    # Fresh processes (spawn), not forks of this one: it has started threads (ONNX Runtime,
    # HTTP clients) that a fork copies mid-lock. An executor, not a Pool: a child that dies
    # raises BrokenProcessPool here instead of leaving map() waiting for ever.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context, initializer=_plain_start, initargs=(known,)) as pool:
        list(pool.map(_plain_one, frames[:processes], timeout=PLAIN_TIMEOUT))  # warm up every process
        start = time.perf_counter()
        list(pool.map(_plain_one, frames, timeout=PLAIN_TIMEOUT))
        return len(frames) / (time.perf_counter() - start)


def run(captures=100, people=10_000, clients=4, workers=(1, 2)):
    names, real, frames = capture_bench.frames_for(captures * len(workers))
    matrix, _ = common.gallery_arrays(people, real)
    results = {"captures_per_run": captures, "clients": clients, "people_enrolled": people, "runs": []}
    with stack.running(production=True, matrix=matrix, names=names, gunicorn_workers=2, threads=clients) as running:
        for index, concurrency in enumerate(workers):
            proc = running.start_worker(concurrency=concurrency)
            kiosk = stack.Kiosk(running.url)
            for path in common.lfw_strangers(2 * concurrency):  # every pool process loads the gallery
                kiosk.capture(common.kiosk_frame(path))
            # a new slice of people per run: none of them is inside the cooldown
            part = slice(index * captures, (index + 1) * captures)
            seconds, latencies, correct, unfinished = post_all(running.url, frames[part], names[part], clients)
            if unfinished:
                log = running.processes.log(f"worker{index + 1}")[-4000:]
                raise RuntimeError(f"a capture did not finish in time: {unfinished[0]}\nworker log:\n{log}")
            running.stop_worker(proc)
            results["runs"].append(
                {
                    "worker_processes": concurrency,
                    "captures_per_second": round(len(latencies) / seconds, 2),
                    "latency_under_load": common.summary_ms(latencies),
                    "recognized_correctly": correct,
                }
            )
    for run_figures in results["runs"]:
        n = run_figures["worker_processes"]
        run_figures["plain_frames_per_second"] = round(plain_rate(frames[:captures], matrix, names, n), 2)
    report(results)
    return common.save("throughput", results)


def report(r):
    rows = []
    for run_figures in r["runs"]:
        portal, plain = run_figures["captures_per_second"], run_figures["plain_frames_per_second"]
        n = run_figures["worker_processes"]
        rows.append((f"captures/s, {n} worker process(es)", portal, plain, common.ratio(portal, plain)))
        rows.append(
            (f"  median latency ms under load ({n})", run_figures["latency_under_load"]["median_ms"], None, None)
        )
    common.show(
        f"throughput: {r['clients']} kiosks posting, {r['people_enrolled']:,} people (last column: portal/plain)", rows
    )
