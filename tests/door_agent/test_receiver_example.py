"""The docs' receiver example, run as written (with signing.py copied beside it) and attacked."""

import importlib.util
import json
import re
import shutil
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import doors_agent.signing
from doors_agent.signing import HEADER, signature_make

ROOT = Path(__file__).resolve().parents[2]
SECRET = "the portal's DOOR_WEBHOOK_SECRET"


def example_source():
    text = (ROOT / "docs" / "door-agent.md").read_text()
    block = re.search(r"<!-- receiver-example -->\s*```python\n(.*?)```\s*<!-- /receiver-example -->", text, re.S)
    return block.group(1)


@pytest.fixture
def receiver(tmp_path, monkeypatch):
    """The example as a module of its own, `signing.py` copied beside it as the docs say."""
    shutil.copy(doors_agent.signing.__file__, tmp_path / "signing.py")
    (tmp_path / "receiver.py").write_text(example_source())
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("signing", "receiver"):
        sys.modules.pop(name, None)
    spec = importlib.util.spec_from_file_location("receiver", tmp_path / "receiver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.acted = []
    module.act = module.acted.append
    yield module
    for name in ("signing", "receiver"):
        sys.modules.pop(name, None)


def command(command="unlock", issued_at=None, key=None):
    payload = {
        "door": "lab-2",
        "command": command,
        "seconds": 5,
        "event_id": 812,
        "issued_at": (issued_at or datetime.now(UTC)).isoformat(),
        "key": key or str(uuid.uuid4()),
    }
    return payload, json.dumps(payload, separators=(",", ":")).encode()


def signed(body, key, **kwargs):
    return {HEADER: signature_make(secret=SECRET, body=body, key=key, **kwargs), "Idempotency-Key": key}


def test_a_fresh_signed_unlock_is_acted_on_once(receiver):
    payload, body = command()
    assert receiver.handle(signed(body, payload["key"]), body) == 200
    assert receiver.acted == [payload]


def test_a_replay_with_a_fresh_idempotency_key_header_is_refused(receiver):
    payload, body = command()
    headers = signed(body, payload["key"])
    assert receiver.handle(headers, body) == 200
    assert receiver.handle({**headers, "Idempotency-Key": str(uuid.uuid4())}, body) == 409
    assert len(receiver.acted) == 1


def test_a_replay_resigned_header_with_another_key_does_not_verify(receiver):
    payload, body = command()
    headers = signed(body, payload["key"])
    receiver.handle(headers, body)
    forged = headers[HEADER].replace(f"k={payload['key']}", f"k={uuid.uuid4()}")
    assert receiver.handle({HEADER: forged}, body) == 401
    assert len(receiver.acted) == 1


def test_a_tampered_body_a_wrong_secret_and_a_missing_header_are_refused(receiver):
    payload, body = command()
    headers = signed(body, payload["key"])
    assert receiver.handle(headers, body.replace(b'"seconds":5', b'"seconds":3600')) == 401
    other = {HEADER: signature_make(secret="guess", body=body, key=payload["key"])}
    assert receiver.handle(other, body) == 401
    assert receiver.handle({}, body) == 401
    assert receiver.acted == []


def test_timestamps_in_the_future_or_past_the_tolerance_or_overlong_are_refused(receiver):
    payload, body = command()
    key = payload["key"]
    assert receiver.handle(signed(body, key, timestamp=time.time() + 29), body) == 401
    assert receiver.handle(signed(body, key, timestamp=time.time() - 31), body) == 401
    nines = signed(body, key)[HEADER].split(",", 1)[1]
    assert receiver.handle({HEADER: "t=" + "9" * 400 + "," + nines}, body) == 401
    assert receiver.acted == []


def test_a_signed_but_stale_unlock_is_not_acted_on(receiver):
    payload, body = command(issued_at=datetime.fromtimestamp(time.time() - 20, UTC))
    assert receiver.handle(signed(body, payload["key"]), body) == 410
    assert receiver.acted == []


def test_a_body_whose_key_is_not_the_signed_one_is_refused(receiver):
    payload, body = command()
    assert receiver.handle(signed(body, "another-key"), body) == 400
    assert receiver.acted == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.one_of(st.none(), st.text(max_size=400), st.integers()), body=st.binary(max_size=300))
def test_fuzzed_headers_never_crash_the_receiver_and_never_act(receiver, header, body):
    assert receiver.handle({HEADER: header}, body) == 401
    assert receiver.acted == []
