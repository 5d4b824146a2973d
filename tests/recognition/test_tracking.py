"""The tracker on real photos moved across frames: real dlib, no database."""

import io

import numpy as np
import pytest
from PIL import Image, ImageFilter

from recognition import decision, engine, tracking
from recognition.gallery import Gallery
from tests import photos
from tests.clips import sprite

FRAME = (800, 450)


@pytest.fixture(scope="module")
def people():
    return {
        "obama": sprite(photos.OBAMA),
        "biden": sprite(photos.BIDEN),
        "stranger": sprite(photos.STRANGER),
        # little around the face: two of them side by side stay uncovered
        "obama_tight": sprite(photos.OBAMA, margin=0.25),
        "biden_tight": sprite(photos.BIDEN, margin=0.25),
    }


def frame(*placed):
    """A grey frame with sprites pasted at (x, y)."""
    canvas = Image.new("RGB", FRAME, (128, 128, 128))
    for picture, (x, y) in placed:
        canvas.paste(picture, (x, y))
    return canvas


def faces(image, **options):
    return tracking.faces_in_frame(engine, image, scale=options.pop("scale", 1.0), **options)


@pytest.fixture(scope="module")
def gallery():
    """Obama enrolled from another photo of him, Biden from the group photo (not the frames' source)."""
    group = Image.open(photos.OBAMA_AND_BIDEN).convert("RGB")
    group_faces = engine.find_faces(group)
    biden = group_faces[1].encoding  # left to right: Obama, then Biden
    obama = engine.find_faces(Image.open(photos.OBAMA_2).convert("RGB"))[0].encoding
    return Gallery.from_pairs([(1, obama), (2, biden)])


def who(gallery, track):
    return tracking.decide_track(gallery, track, decision.CalibratedRule()).person_id


def test_a_frame_gives_each_face_in_full_frame_pixels_with_its_picture_and_quality(people):
    image = frame((people["obama"], (40, 60)), (people["biden"], (500, 120)))
    found = faces(image, scale=0.5)
    assert len(found) == 2
    obama, biden = sorted(found, key=lambda f: f.box[3])
    # the sprite's face starts about half a face height in from its corner
    assert 40 < obama.box[3] < 40 + 120 and 500 < biden.box[3] < 500 + 120
    for face in found:
        assert face.encoding.shape == (128,) and face.encoding.dtype == np.float32
        assert 0 < face.quality <= 1 and 0 < face.frontalness <= 1
        assert face.picture[:2] == b"\xff\xd8"  # a JPEG
        assert Image.open(io.BytesIO(face.picture)).size[0] <= tracking.CROP_SIDE


def test_faces_too_small_or_outside_the_region_are_dropped(people):
    small = people["biden"].resize((people["biden"].width // 2, people["biden"].height // 2))
    image = frame((people["obama"], (40, 60)), (small, (600, 120)))
    assert len(faces(image)) == 2
    assert [f.box[3] < 400 for f in faces(image, min_face=90)] == [True]
    # only the right half of the picture
    kept = faces(image, region=(0.5, 0.0, 1.0, 1.0))
    assert len(kept) == 1 and kept[0].box[3] > 400


def test_a_blurred_or_smaller_face_ranks_below_a_sharp_large_one(people):
    sharp = faces(frame((people["obama"], (300, 100))))[0]
    blurred = faces(frame((people["obama"].filter(ImageFilter.GaussianBlur(3)), (300, 100))))[0]
    half = people["obama"].resize((people["obama"].width * 2 // 3, people["obama"].height * 2 // 3))
    smaller = faces(frame((half, (300, 100))))[0]
    assert blurred.sharpness < sharp.sharpness and blurred.quality < sharp.quality
    assert smaller.quality < sharp.quality


def test_two_people_walking_across_give_two_tracks_each_decided_once(people, gallery):
    tracker = tracking.Tracker(max_gap=1.0, keep=3)
    handed = []
    for step in range(6):
        t = step * 0.2
        image = frame((people["obama"], (20 + 60 * step, 40)), (people["biden"], (560 - 60 * step, 200)))
        handed += tracker.update(t, faces(image, t=t))
    assert handed == []  # nobody has left yet
    ended = tracker.finish()
    assert len(ended) == 2
    for track in ended:
        assert track.frames == 6
        assert (track.first_seen, track.last_seen) == (0.0, 1.0)
        assert len(track.faces) == 3
        assert [f.quality for f in track.faces] == sorted((f.quality for f in track.faces), reverse=True)
    assert sorted(who(gallery, track) for track in ended) == [1, 2]


def test_a_stranger_passing_is_one_track_decided_as_nobody(people, gallery):
    tracker = tracking.Tracker()
    for step in range(4):
        tracker.update(step * 0.2, faces(frame((people["stranger"], (100 + 80 * step, 100)))))
    (track,) = tracker.finish()
    match = tracking.decide_track(gallery, track, decision.CalibratedRule())
    assert match.person_id is None and match.distance > decision.MODES["balanced"]


def test_a_gap_longer_than_max_gap_ends_the_track_and_a_return_starts_another(people):
    tracker = tracking.Tracker(max_gap=1.0)
    obama = faces(frame((people["obama"], (200, 100))))
    assert tracker.update(0.0, obama) == []
    assert tracker.update(0.2, obama) == []
    assert tracker.update(0.9, []) == []  # unseen 0.7 s: still followed
    (first,) = tracker.update(1.5, [])  # unseen 1.3 s: ended
    assert (first.frames, first.first_seen, first.last_seen) == (2, 0.0, 0.2)
    assert tracker.update(3.0, obama) == []
    (second,) = tracker.finish()
    assert second.id != first.id and second.first_seen == 3.0


def test_a_short_gap_at_another_place_continues_the_same_track_by_its_face(people):
    tracker = tracking.Tracker(max_gap=1.0)
    tracker.update(0.0, faces(frame((people["obama"], (20, 40)))))
    # no overlap with the last box: only the encoding says it is the same person
    tracker.update(0.6, faces(frame((people["obama"], (600, 250)))))
    (track,) = tracker.finish()
    assert track.frames == 2


def test_people_who_cross_between_two_frames_are_kept_apart_by_their_faces(people, gallery):
    """Each moves into where the other just was: boxes alone would swap them."""
    tracker = tracking.Tracker(max_gap=1.0, iou_min=0.05)
    obama, biden = people["obama_tight"], people["biden_tight"]
    before = faces(frame((obama, (170, 100)), (biden, (330, 100))))
    after = faces(frame((biden, (170, 100)), (obama, (330, 100))))
    old_obama, old_biden = sorted(before, key=lambda f: f.box[3])
    new_biden, new_obama = sorted(after, key=lambda f: f.box[3])
    # by place, each new face belongs to the other person's track
    assert tracking.iou(new_obama.box, old_biden.box) > 0.5 > tracking.iou(new_obama.box, old_obama.box)
    assert tracking.iou(new_biden.box, old_obama.box) > 0.5 > tracking.iou(new_biden.box, old_biden.box)
    tracker.update(0.0, before)
    tracker.update(0.2, after)
    ended = tracker.finish()
    assert len(ended) == 2
    for track in ended:
        assert track.frames == 2
        person = who(gallery, track)
        assert person in (1, 2)
        reference = gallery.matrix[list(gallery.labels).index(person)]
        # every face kept by a track is the same person's
        assert all(np.linalg.norm(f.encoding - reference) < decision.SAME_FACE for f in track.faces)
    assert sorted(who(gallery, track) for track in ended) == [1, 2]


def test_overlapping_boxes_of_two_different_faces_make_two_tracks(people):
    tracker = tracking.Tracker(max_gap=1.0, iou_min=0.1)
    tracker.update(0.0, faces(frame((people["obama"], (300, 100)))))
    # Biden where Obama was, in the next frame: same place, another face
    tracker.update(0.2, faces(frame((people["biden"], (310, 100)))))
    ended = tracker.finish()
    assert sorted(track.frames for track in ended) == [1, 1]


def test_a_cut_ends_every_track_even_for_a_near_face_in_the_same_place(people):
    """Two look-alikes (nearer than max_distance: here the bound is raised above Obama and Biden's
    distance) one after the other in the same place: by place and face one track, unless the cut says
    the picture is another shot."""
    obama, biden = faces(frame((people["obama"], (300, 100)))), faces(frame((people["biden"], (305, 100))))
    merged = tracking.Tracker(max_gap=1.0, max_distance=1.0)
    merged.update(0.0, obama)
    merged.update(0.2, biden)
    assert [track.frames for track in merged.finish()] == [2]
    split = tracking.Tracker(max_gap=1.0, max_distance=1.0)
    split.update(0.0, obama)
    (ended,) = split.update(0.2, biden, cut=True)
    assert (ended.first_seen, ended.last_seen, ended.frames) == (0.0, 0.0, 1)
    (after,) = split.finish()
    assert after.id != ended.id and (after.first_seen, after.frames) == (0.2, 1)


def test_motion_calls_a_whole_new_picture_a_cut_and_a_person_walking_close_not(people):
    motion = tracking.Motion()
    big = people["obama"].resize((people["obama"].width * 2, people["obama"].height * 2))
    walking = [frame((big, (x, 0))) for x in (0, 120, 240)]
    for picture in walking:
        motion.areas(picture)
        assert not motion.cut and motion.changed < tracking.Motion.CUT_SHARE
    assert motion.changed > 0.1  # it did move
    other_room = Image.new("RGB", FRAME, (200, 205, 215))
    other_room.paste(people["biden"], (300, 100))
    motion.areas(other_room)
    assert motion.cut
    motion.areas(other_room)
    assert not motion.cut  # the new shot, still


def test_a_confident_track_is_handed_out_early_and_once(people):
    tracker = tracking.Tracker(max_gap=1.0, confident_after=3)
    obama = faces(frame((people["obama"], (200, 100))))
    assert tracker.update(0.0, obama) == []
    assert tracker.update(0.2, obama) == []
    (early,) = tracker.update(0.4, obama)
    assert early.frames == 3
    assert tracker.update(0.6, obama) == []  # still followed, not handed out again
    assert tracker.update(2.0, []) == []  # ended, but already handed out
    assert tracker.finish() == []


def test_iou_of_boxes():
    assert tracking.iou((0, 10, 10, 0), (0, 10, 10, 0)) == 1.0
    assert tracking.iou((0, 10, 10, 0), (0, 20, 10, 10)) == 0.0
    assert tracking.iou((0, 10, 10, 0), (0, 15, 10, 5)) == pytest.approx(50 / 150)


def test_frontalness_is_highest_with_the_nose_between_the_eyes():
    eyes = [(10, 10), (20, 10), (40, 10), (50, 10)]
    assert tracking.frontalness([*eyes, (30, 30)]) == pytest.approx(1.0)
    assert tracking.frontalness([*eyes, (20, 30)]) < tracking.frontalness([*eyes, (27, 30)]) < 1.0
    assert tracking.frontalness([*eyes, (5, 30)]) == 0.0
