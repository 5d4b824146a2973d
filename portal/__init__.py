import os

# One BLAS thread per process, set before numpy is first imported (an explicit
# value in the environment wins). Each worker process has a core of its own;
# OpenBLAS's extra thread only waits for a busy core: on this project's 2-core
# benchmark machine it made a search of 10,000 templates take 7-14 ms instead
# of 0.2 ms, and a million is no faster with it (README, Benchmarks).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Load the Celery app with Django so that @shared_task binds to it.
from portal.celery import app as celery_app

__all__ = ("celery_app",)
