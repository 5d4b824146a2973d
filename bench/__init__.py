"""Benchmarks: the portal against the plain face_recognition pipeline.

`python -m bench` runs them all and prints the figures; `python -m bench NAME`
runs one (capture, throughput, search, enroll, memory). JSON copies of the
figures go to bench/results/ (not committed).
"""

import os

# The portal's processes run numpy with one BLAS thread (portal/__init__.py);
# the in-process figures here (both ways) use the same, set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
