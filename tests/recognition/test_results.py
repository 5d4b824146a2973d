"""The typed result of a capture reads every stored shape and writes the same JSON as before."""

import pytest

from recognition.results import CaptureResult, FaceResult

# as the worker stored them before the result was typed (one row of each kind)
IDENTIFIED = {
    "faces": [
        {
            "box": [10, 90, 110, 20],
            "person_id": 7,
            "name": "Barack Obama",
            "employee_id": "1042",
            "distance": 0.31,
            "decision": "match",
            "event_id": 12,
            "event": "created",
            "direction": "in",
            "access_event_id": 3,
            "access": "granted",
            "access_reason": "granted",
        },
        {
            "box": [5, 40, 50, 4],
            "person_id": None,
            "name": None,
            "employee_id": None,
            "distance": 0.72,
            "decision": "unknown",
            "event_id": None,
            "event": None,
            "review_id": 4,
        },
    ],
    "gallery_size": 2,
}
NOT_ENROLLED = {"faces": [], "verified": False, "gallery_size": 1, "reason": "not_enrolled"}
NOT_LIVE = {
    "faces": [],
    "reason": "not_live",
    "liveness": {
        "reason": "flat",
        "parallax": 0.01,
        "residual": 0.2,
        "blink": 0.0,
        "mouth": 0.0,
        "turn": 0.0,
        "challenge": "",
        "frames": 5,
    },
    "access_event_id": 9,
    "access": "denied",
    "access_reason": "not_live",
}
CAMERA = {
    "faces": [
        {
            "box": [1, 2, 3, 4],
            "person_id": 7,
            "name": "Barack Obama",
            "employee_id": "1042",
            "distance": 0.3,
            "decision": "match",
            "frames": 6,
            "first_seen": "2026-12-02T09:00:00+00:00",
            "event_id": 5,
            "event": "cooldown",
            "direction": "out",
            "live": True,
        }
    ]
}


@pytest.mark.parametrize("stored", [IDENTIFIED, NOT_ENROLLED, NOT_LIVE, CAMERA])
def test_a_stored_result_is_written_back_as_it_was_read(stored):
    assert CaptureResult.from_json(stored).to_json() == stored


def test_the_typed_result_reads_the_fields_the_portal_asks_for():
    result = CaptureResult.from_json(IDENTIFIED)
    obama, stranger = result.faces
    assert (obama.name, obama.event_id, obama.access, obama.matched) == ("Barack Obama", 12, "granted", True)
    assert (stranger.person_id, stranger.review_id, stranger.matched) == (None, 4, False)
    assert result.first is obama and result.verified is None
    refused = CaptureResult.from_json(NOT_LIVE)
    assert refused.reason == "not_live" and refused.liveness["reason"] == "flat"
    assert refused.outcome == {"access_event_id": 9, "access": "denied", "access_reason": "not_live"}


def test_an_old_or_partial_row_reads_with_what_it_has():
    # rows written by hand, by an older worker, or by another router keep their keys
    result = CaptureResult.from_json({"faces": [{"name": "Ann", "routed": True}], "engine": "dlib"})
    assert result.first.name == "Ann" and result.first.decision == "" and not result.first.matched
    assert result.to_json() == {
        "faces": [
            {
                "box": None,
                "person_id": None,
                "name": "Ann",
                "employee_id": None,
                "distance": None,
                "decision": "",
                "event_id": None,
                "event": None,
                "routed": True,
            }
        ],
        "engine": "dlib",
    }
    assert CaptureResult.from_json(None).first == FaceResult() and CaptureResult.from_json({}).faces == []


def test_what_the_router_did_is_kept_with_the_face():
    face = FaceResult(box=[1, 2, 3, 4], decision="unknown")
    face.take({"access_event_id": 2, "access": "denied", "access_reason": "not_recognized", "review_id": 8})
    assert face.to_json()["access_reason"] == "not_recognized" and face.review_id == 8
    assert "direction" not in face.to_json()  # nothing the router did not say
