"""The web process never loads the face engine: views, admin and the API import no dlib,
face_recognition, onnxruntime or PyAV (model loading is slow and belongs in the worker)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a fresh interpreter, as a gunicorn worker starts

ROOT = Path(__file__).resolve().parents[2]
ENGINE_MODULES = ("dlib", "face_recognition", "face_recognition_models", "onnxruntime", "av", "cv2")

PROGRAM = f"""
import json, sys
import portal.wsgi  # django.setup(), as gunicorn does
from django.contrib import admin
from django.urls import get_resolver
import portal.urls

admin.autodiscover()
get_resolver().url_patterns
from drf_spectacular.generators import SchemaGenerator
SchemaGenerator().get_schema(request=None, public=True)
print(json.dumps([name for name in {ENGINE_MODULES!r} if name in sys.modules]))
"""


def test_urls_admin_and_api_schema_load_no_face_engine(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"the web process loaded {loaded}"
