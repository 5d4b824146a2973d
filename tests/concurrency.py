"""Work started in several threads at the same moment, as concurrent requests or workers would."""

import threading

from django.db import connection


def at_once(count, work, *, timeout=120):
    """`work(n)` for n in range(count), each in a thread of its own, released together by a barrier.

    Each thread closes its own database connection when done. Returns the results (None where
    `work` raised) and the errors: an error in a thread is what a concurrency test looks for,
    so it is collected rather than lost.
    """
    start = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(n):
        try:
            start.wait(timeout=60)
            results[n] = work(n)
        except Exception as exc:  # noqa: BLE001 - a duplicate, a deadlock or a lost row is the failure under test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results, errors
