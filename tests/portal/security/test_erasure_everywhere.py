"""After an erasure, nothing of the person is left anywhere: every file in the media folder and every
column of every row of every table is searched for their face (dlib on every picture, the distance of
every stored encoding) and for their name.

The search is run before the erasure too, and must find them there: a search that cannot find
anything proves nothing.
"""

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.access import texts as access_texts
from portal.access.alerts import alert_raise
from portal.access.models import Alert, OperatorAction, Visitor
from portal.access.visitors import visitors_erase
from portal.accounts.roles import HR
from portal.cameras.models import Camera
from portal.cameras.pictures import camera_picture_write
from portal.people.models import Department
from portal.people.services import person_delete
from portal.reports.models import ReportExport
from portal.requests.models import ApprovalFlow, LeaveEntitlement, LeaveType
from portal.review.models import UnknownFace
from portal.review.services import review_assign, review_visitor
from recognition import engine, imaging, processing, versions
from recognition.models import Capture
from tests import photos
from tests.factories import enrolled, make_employee, make_user, recognize
from tests.media_bucket import use_bucket
from tests.portal.access.helpers import door_with_kiosk, grant
from tests.portal.kiosks.kiosk_helpers import attempt, kiosk_frame
from tests.portal.review.test_review import encode_queued

pytestmark = pytest.mark.django_db


def encodings(data):
    # with the active version's encoder and detector: its distances are the ones near() measures with
    try:
        _, faces = engine.faces_in_bytes(bytes(data), options=processing.detect_options())
    except imaging.ImageRejected:
        return []
    return [face.encoding for face in faces]


def near(vector, references):
    return any(np.linalg.norm(vector - ref) < versions.review_group_distance() for ref in references)


def is_picture(data):
    return data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n"


def stored_files(bucket=None):
    """(name, bytes) of every file in the media folder, and in the media bucket when there is one."""
    for path in sorted(Path(settings.MEDIA_ROOT).rglob("*")):
        if path.is_file():
            yield path.name, path.read_bytes()
    for name in bucket.names() if bucket else []:
        yield name.rsplit("/", 1)[-1], bucket.read(name)


def traces(face_of, words, bucket=None):
    """Every place that shows the face (reference encodings) or holds one of the words: a list of places."""
    found = []
    for name, data in stored_files(bucket):
        if is_picture(data) and any(near(e, face_of) for e in encodings(data)):
            found.append(f"file {name}: the face")
        if any(word.encode() in data for word in words):
            found.append(f"file {name}: the name")
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields]
        for row in model.objects.values_list("pk", *[f.attname for f in fields]).iterator():
            for field, value in zip(fields, row[1:], strict=True):
                where = f"{model._meta.label}.{field.name} of {row[0]}"
                if isinstance(value, memoryview | bytes):
                    data = bytes(value)
                    if is_picture(data) and any(near(e, face_of) for e in encodings(data)):
                        found.append(f"{where}: the face")
                    elif len(data) == 128 * 4 and near(np.frombuffer(data, dtype=np.float32), face_of):
                        found.append(f"{where}: an encoding of the face")
                elif isinstance(value, str | dict | list):
                    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    if any(word in text for word in words):
                        found.append(f"{where}: the name")
    return found


def at_the_kiosk(client, token, path, run_on_commit):
    # wide enough that the face the review list keeps passes as an enrollment photo
    frames = [kiosk_frame(path, width=960, shift=(dx, 0)) for dx in (0, 3, 6)]
    return attempt(client, token, frames, run_on_commit).json()


@pytest.mark.parametrize("media", ["folder", "bucket"])
def test_a_person_erased_leaves_no_picture_encoding_or_name_in_any_file_or_table(
    client, django_capture_on_commit_callbacks, settings, monkeypatch, media
):
    """With media in a bucket (MEDIA_S3_BUCKET, a local S3 server) every file goes there and the
    erasure deletes the objects; the media folder then holds only the e-mail outbox."""
    run = django_capture_on_commit_callbacks
    bucket = use_bucket(settings, monkeypatch) if media == "bucket" else None
    # the embedded default: e-mails written to the portal's outbox folder (searched with the media)
    settings.EMAIL_HOST = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = Path(settings.MEDIA_ROOT) / "outbox"
    obama = enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    door, _, token = door_with_kiosk("Lab 2")
    # first seen as a stranger at a door kiosk: refused, a review entry, the attempt's pictures kept 30 days
    assert at_the_kiosk(client, token, photos.STRANGER, run)["outcome"] != "door_open"
    sales = Department.objects.create(name="Sales")
    collins, collins_user = make_employee("Eileen Collins", department="Sales")
    make_employee("Bo Boss", department="Sales", manager_of=sales, email="bo@example.com")
    with run(execute=True):
        review_assign(entry=UnknownFace.objects.get(), person=collins)
    encode_queued(collins)
    grant(collins, doors=[door], any_time=True)
    # then recognized: at the kiosk and in an upload
    answer = at_the_kiosk(client, token, photos.STRANGER, run)
    assert answer.get("name") == "Eileen Collins", (answer, list(collins.photos.values("status", "reason")))
    recognize(photos.read(photos.STRANGER))
    # a camera's track of her (its best frame, named) and the camera's latest picture, which shows her
    camera = Camera.objects.create(name="Hall", url="rtsp://192.0.2.10/stream")
    track = recognize(photos.read(photos.STRANGER), record_attendance=False)
    Capture.objects.filter(pk=track.pk).update(source=Capture.Source.CAMERA, camera=camera)
    camera_picture_write(camera.pk, photos.read(photos.STRANGER))
    # a doctor's note (here: her photo) with a leave request the manager is told about
    LeaveEntitlement.objects.create(leave_type=LeaveType.objects.get(code="sick"), year=2026, department=sales, days=9)
    ApprovalFlow.objects.filter(kind="leave").update(flow="manager")
    client.force_login(collins_user)
    note = SimpleUploadedFile("note.png", photos.read(photos.STRANGER))
    fields = {"leave_type": LeaveType.objects.get(code="sick").pk, "unit": "days", "reason": "flu"}
    fields |= {"start_day": "2026-03-02", "end_day": "2026-03-03", "attachment": note}
    with run(execute=True):
        assert client.post(reverse("request-new", args=["leave"]), fields).status_code == 302
    # an export listing her, a door audit line naming her
    export = ReportExport.objects.create(user=make_user("hr", role=HR), format="csv", filters={}, status="done")
    export.file.save("people.csv", ContentFile(b"employee,name\r\neileen.collins,Eileen Collins\r\n"))
    OperatorAction.objects.create(username="sec", action="badge PIN set", detail="Eileen Collins")
    message = access_texts.fill(access_texts.PIN_GUESSING_BADGE, door="Lab 2", count=10, badge=collins.employee_id)
    alert_raise(kind=Alert.Kind.PIN_GUESSING, door=door, message=message)

    her_face = encodings(photos.read(photos.STRANGER))
    words = ["Eileen Collins", collins.employee_id]
    before = traces(her_face, words, bucket)
    places = {place.split(" of ")[0].split(":")[0] for place in before}
    for where in (
        "recognition.Capture.result",  # the pictures themselves are files, counted below
        "review.UnknownFace.picture",
        "access.AccessEvent.unknown_face",
        "employees.Notification.params",
        "access.OperatorAction.detail",
        "access.Alert.message",
    ):
        assert where in places, (where, sorted(places))
    assert sum(place.startswith("file ") for place in before) >= 6, before
    assert any(place.startswith(f"file {camera.pk}.jpg") for place in before)
    assert any(place.endswith(".log: the name") for place in before)  # the e-mail to her manager

    client.force_login(make_user("hr-2", role=HR))
    with run(execute=True):
        assert client.post(reverse("people:delete", args=[collins.pk])).status_code == 302

    assert traces(her_face, words, bucket) == []
    # the search still finds everyone else
    assert any("face" in place for place in traces(encodings(photos.read(photos.OBAMA)), ["Barack Obama"], bucket))
    assert obama.photos.get().image
    if bucket:
        assert obama.photos.get().image.name in {name.split("/", 1)[1] for name in bucket.names()}
        in_folder = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
        assert all(path.is_relative_to(settings.EMAIL_FILE_PATH) for path in in_folder), in_folder


@pytest.mark.parametrize("when", ["after the pass", "at once"])
def test_a_visitor_erased_leaves_no_picture_of_their_face_and_no_name_in_any_result(
    client, django_capture_on_commit_callbacks, when
):
    run = django_capture_on_commit_callbacks
    door, _, token = door_with_kiosk("Lobby", visitor_door=True)
    host, _ = make_employee("Joe Host")  # with an account: told in the bell when the visitor arrives
    # a stranger at the door, made a visitor from the review list, then let in by the pass
    at_the_kiosk(client, token, photos.BIDEN, run)
    now = timezone.now()
    with run(execute=True):
        visitor = review_visitor(
            entry=UnknownFace.objects.get(),
            name="Joseph Visitor",
            host=host,
            doors=[door],
            valid_from=now - timedelta(hours=1),
            valid_until=now + timedelta(hours=1),
            any_door=True,
        )
    encode_queued(visitor.person)
    answer = at_the_kiosk(client, token, photos.BIDEN, run)
    assert answer["outcome"] == "door_open" and answer["name"] == "Joseph Visitor"

    his_face = encodings(photos.read(photos.BIDEN))
    words = ["Joseph Visitor", visitor.person.employee_id]
    places = {place.split(" of ")[0].split(":")[0] for place in traces(his_face, words)}
    assert "recognition.Capture.result" in places and sum(place.startswith("file ") for place in places) >= 4

    assert "notification" in " ".join(places).lower()

    if when == "at once":
        # erased as a person (the person's page, the API or the admin): nothing of the visit is left
        with run(execute=True):
            person_delete(person=visitor.person)
        assert traces(his_face, words) == []
        return
    # kiosk pictures are kept 30 days, the visitor's face 7 days after the pass
    with run(execute=True):
        assert visitors_erase(now=now + timedelta(days=settings.VISITOR_RETENTION_DAYS + 1)) == 1

    left = traces(his_face, words)
    # what stays is the record of the visit, by design: the pass and its audit lines, with the name only
    assert {place.split(" of ")[0] for place in left} == {
        "access.Visitor.name",
        "access.OperatorAction.detail",
        "employees.Notification.params",  # the host's bell: "Joseph Visitor arrived"
    }
    assert Visitor.objects.get().erased_at is not None
