"""Several threads of one process recognizing at once (the embedded setup's request
threads, the camera runner's cameras) get their own faces, and the process survives.

dlib's detector and models are shared objects; used by four threads at once without
the engine's lock, the process crashed with a segmentation fault. The threads run in
a child process so that such a crash fails this test instead of ending the test run.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT_DIR = Path(__file__).resolve().parents[2]

SCRIPT = """
import threading
from recognition import engine, imaging
from tests import photos

paths = (photos.OBAMA, photos.OBAMA_AND_BIDEN, photos.BIDEN, photos.OBAMA_2)
pictures = [imaging.decode(photos.read(p)) for p in paths]
expected = [engine.find_faces(p) for p in pictures]
wrong, done = [], []

def work(k):
    for r in range(6):
        i = (k + r) % len(pictures)
        faces = engine.find_faces(pictures[i])
        same = [f.box for f in faces] == [f.box for f in expected[i]] and all(
            abs(a.encoding - b.encoding).max() < 1e-4 for a, b in zip(faces, expected[i])
        )
        (done if same else wrong).append(i)

threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("RIGHT", len(done), "WRONG", len(wrong))
"""


@pytest.mark.slow
def test_four_threads_finding_faces_at_once_each_get_their_own_and_the_process_survives():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT_DIR, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "RIGHT 24 WRONG 0" in done.stdout, done.stdout + done.stderr[-2000:]
