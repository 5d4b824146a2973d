"""The one verifier both ends use: it answers yes or no to anything an attacker sends, and never raises."""

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from doors_agent.signing import message_sign, message_verify, signature_make, signature_verify

SECRET = "s3cret"
BODY = b'{"door":"lab-2","command":"unlock","seconds":5,"key":"k-1"}'
NOW = 1_800_000_000


def sign(**overrides):
    args = {"secret": SECRET, "body": BODY, "key": "k-1", "timestamp": NOW, **overrides}
    return signature_make(**args)


def verify(header, body=BODY, now=NOW + 1, tolerance=30):
    return signature_verify(secret=SECRET, header=header, body=body, tolerance=tolerance, now=now)


def test_a_fresh_signature_verifies_and_gives_its_signed_key_and_time():
    assert verify(sign()) == (NOW, "k-1")


def test_an_overlong_timestamp_of_400_nines_is_refused_without_an_exception():
    header = sign().replace(f"t={NOW}", "t=" + "9" * 400)
    assert verify(header) is None


def test_a_timestamp_in_the_future_is_refused_even_by_one_second():
    assert verify(sign(timestamp=NOW + 29), now=NOW) is None
    assert verify(sign(timestamp=NOW + 1), now=NOW) is None
    assert verify(sign(timestamp=NOW), now=NOW) == (NOW, "k-1")


def test_a_timestamp_older_than_the_tolerance_is_refused():
    assert verify(sign(), now=NOW + 30) is not None
    assert verify(sign(), now=NOW + 31) is None


def test_the_key_is_inside_the_signature_a_swapped_key_does_not_verify():
    header = sign().replace("k=k-1", "k=k-2")
    assert verify(header) is None


def test_a_tampered_body_a_wrong_secret_and_garbled_headers_are_refused():
    header = sign()
    assert verify(header, body=BODY.replace(b"5", b"3600")) is None
    assert signature_verify(secret="other", header=header, body=BODY, now=NOW + 1) is None
    assert signature_verify(secret="", header=header, body=BODY, now=NOW + 1) is None
    for bad in (None, "", "garbage", 12, b"t=1", "t=,k=,v1=", header + ",t=1", header.replace("v1=", "v2=")):
        assert verify(bad) is None, bad


def test_non_ascii_digits_and_uppercase_hex_do_not_count_as_a_timestamp_or_digest():
    arabic = "".join(chr(0x660 + int(c)) for c in str(NOW))  # int() would accept these
    assert verify(sign().replace(f"t={NOW}", f"t={arabic}")) is None
    digest = sign().split("v1=")[1]
    assert verify(sign().replace(digest, digest.upper())) is None


def test_a_body_that_is_not_bytes_is_refused():
    assert verify(sign(), body=BODY.decode()) is None
    assert verify(sign(), body=None) is None


@settings(max_examples=400, deadline=None)
@given(header=st.one_of(st.text(max_size=500), st.binary(max_size=200), st.none(), st.integers()), body=st.binary())
def test_fuzzed_headers_and_bodies_never_raise_and_never_verify(header, body):
    assert verify(header, body=body) is None


@settings(max_examples=200, deadline=None)
@given(t=st.text(alphabet="0123456789-+ _.e٠١٢", min_size=1, max_size=420))
def test_fuzzed_timestamps_never_raise(t):
    header = sign().replace(f"t={NOW}", f"t={t}")
    result = verify(header)
    assert result is None or t == str(NOW)


def test_an_mqtt_message_carries_the_same_signature_and_verifies_with_the_same_function():
    message = message_sign(secret=SECRET, body=BODY, key="k-1")
    signed, body = message_verify(secret=SECRET, message=message)
    assert (signed.key, body) == ("k-1", BODY)
    assert abs(signed.timestamp - time.time()) < 5
    head, _, _ = message.partition(b"\n")
    assert signature_verify(secret=SECRET, header=head.decode(), body=BODY) == signed


@settings(max_examples=300, deadline=None)
@given(message=st.one_of(st.binary(max_size=600), st.text(max_size=100), st.none()))
def test_fuzzed_mqtt_messages_never_raise_and_never_verify(message):
    assert message_verify(secret=SECRET, message=message) is None


def test_an_mqtt_message_tampered_or_unsigned_is_refused():
    message = message_sign(secret=SECRET, body=BODY, key="k-1")
    assert message_verify(secret=SECRET, message=message.replace(b'"seconds":5', b'"seconds":9')) is None
    assert message_verify(secret=SECRET, message=BODY) is None
    assert message_verify(secret="other", message=message) is None
