"""What a decided picture says, typed: the interface between recognition and the portal.

Recognition writes a `CaptureResult` on a capture (`Capture.result`, stored as JSON); the portal's
pages, the kiosk's answer, the API, phone clock-in and erasure read it back with
`Capture.face_result`. The stored JSON keeps the shape it has always had (`to_json` writes the same
keys, `from_json` reads rows written before these classes, and keys it does not know are kept), so
old rows read and nothing a browser or an API client receives changes.

No Django here: plain data, like the engine's.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypedDict

# how a face was decided: "match"/"unknown" when identifying (1:N), "verified"/"refused" when
# checking a claimed person (1:1); "erased" once the person was erased (recognition.services)
Decision = Literal["match", "unknown", "verified", "refused", "erased", ""]


class Outcome(TypedDict, total=False):
    """What the router (settings.SIGHTING_ROUTER, portal.routing) did with a sighting."""

    event_id: int | None  # the attendance event recorded or found
    event: str | None  # "created", "cooldown" (seen again moments ago) or "too_soon" (a check-out too early)
    direction: str | None  # the event's: "in" or "out"
    access_event_id: int  # at a door: the access decision
    access: str  # "granted" or "denied"
    access_reason: str  # the decision's reason code ("granted", "outside_hours", ...)
    review_id: int  # an unknown face put on the review list


# written on every face even when nothing followed, as they always were
_ALWAYS = ("box", "person_id", "name", "employee_id", "distance", "decision", "event_id", "event")
_OUTCOME = tuple(Outcome.__annotations__)


@dataclass
class FaceResult:
    """One face of a picture: where it is, who it is (or nobody), how sure, and what followed."""

    box: list[int] | None = None  # [top, right, bottom, left] in the upright picture
    person_id: int | None = None
    name: str | None = None
    employee_id: str | None = None
    distance: float | None = None  # lower is closer; to the claimed person's average face at 1:1
    decision: Decision = ""
    # what the router did (Outcome)
    event_id: int | None = None
    event: str | None = None
    direction: str | None = None
    access_event_id: int | None = None
    access: str | None = None
    access_reason: str | None = None
    review_id: int | None = None
    # a camera track's: how many frames were combined, when the pass began (ISO 8601), its liveness
    frames: int | None = None
    first_seen: str | None = None
    live: bool | None = None
    # keys this class does not know (another router's facts, an older row's): kept as they were
    extra: dict[str, Any] = field(default_factory=dict)

    def take(self, outcome: Mapping[str, Any]) -> None:
        """Keep what the router did with this face's sighting."""
        _assign(self, outcome)

    @property
    def matched(self) -> bool:
        return self.decision in ("match", "verified")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "FaceResult":
        face = cls()
        _assign(face, data)
        return face

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _ALWAYS}
        for name in _FACE_FIELDS:
            value = getattr(self, name)
            if name not in _ALWAYS and value is not None:
                data[name] = value
        return {**data, **self.extra}


_FACE_FIELDS = tuple(f.name for f in fields(FaceResult) if f.name != "extra")


class LivenessReport(TypedDict):
    """Why a burst was taken for a still picture (recognition.liveness.Liveness, as stored)."""

    reason: str  # "flat", "too_few_frames", "challenge_failed", ...
    parallax: float
    residual: float
    blink: float
    mouth: float
    turn: float
    challenge: str  # the movement asked for; empty: none
    frames: int


@dataclass
class CaptureResult:
    """Every face of a capture, and for a 1:1 attempt whether the face is the claimed person."""

    faces: list[FaceResult] = field(default_factory=list)
    gallery_size: int | None = None  # how many people the search looked among
    verified: bool | None = None  # 1:1 only: the face is the claimed person
    # why there is no decided face, or the 1:1 answer: "no_face", "unknown_claim", "not_enrolled",
    # "match", "no_match"; "not_live" for a still picture held up
    reason: str | None = None
    distance: float | None = None  # 1:1: the face's distance to the claimed person
    liveness: LivenessReport | None = None  # "not_live": the measurements that refused it
    # a refused still picture at a door: the router's access decision, kept beside the faces
    outcome: Outcome = field(default_factory=lambda: Outcome())
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def first(self) -> FaceResult:
        """The face a kiosk, a phone or a camera track is about (an empty one when none was found)."""
        return self.faces[0] if self.faces else FaceResult()

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> "CaptureResult":
        result = cls()
        for key, value in (data or {}).items():
            if key == "faces":
                result.faces = [FaceResult.from_json(face) for face in value or []]
            elif key in _OUTCOME:
                result.outcome[key] = value  # type: ignore[literal-required]
            elif key in _CAPTURE_FIELDS:
                setattr(result, key, value)
            else:
                result.extra[key] = value
        return result

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"faces": [face.to_json() for face in self.faces]}
        for name in _CAPTURE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return {**data, **self.outcome, **self.extra}


_CAPTURE_FIELDS = ("gallery_size", "verified", "reason", "distance", "liveness")


def _assign(face: FaceResult, data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        if key in _FACE_FIELDS:
            setattr(face, key, value)
        else:
            face.extra[key] = value
