"""`enroll` and `identify` on a folder of the fixture photos."""

import shutil

import pytest
from django.core.management import call_command

from portal.attendance.models import AttendanceEvent
from portal.people.models import Person
from recognition import versions
from recognition.models import FacePhoto
from tests import photos

pytestmark = pytest.mark.django_db


@pytest.fixture
def people_dir(tmp_path):
    root = tmp_path / "people"
    for folder, files in {
        "Barack_Obama": [photos.OBAMA, photos.OBAMA_2],
        "Joe_Biden": [photos.BIDEN, photos.OBAMA_AND_BIDEN],
    }.items():
        (root / folder).mkdir(parents=True)
        for path in files:
            shutil.copy(path, root / folder / path.name)
    (root / "Joe_Biden" / "notes.txt").write_text("not a photo")
    return root


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_enroll_creates_people_from_folder_names_and_reports_rejections(people_dir):
    summary = run("enroll", str(people_dir))
    obama = Person.objects.get(employee_id="Barack_Obama")
    assert obama.name == "Barack Obama"
    assert obama.photos.filter(status=FacePhoto.Status.ACCEPTED).count() == 2
    assert "3 photo(s) enrolled for 2 person(s)" in summary
    assert "rejected 1: more than one face" in summary and "2 faces were found" in summary


def test_enroll_per_person_takes_the_first_photos_by_file_name(people_dir):
    run("enroll", str(people_dir), "--per-person", "1")
    # sorted by name: obama_joint_session... comes before obama_oval_office...
    [photo] = Person.objects.get(employee_id="Barack_Obama").photos.all()
    assert FacePhoto.objects.count() == 2
    assert photo.status == FacePhoto.Status.ACCEPTED


def test_enroll_twice_adds_nothing_the_second_time(people_dir):
    run("enroll", str(people_dir))
    summary = run("enroll", str(people_dir))
    assert "0 photo(s) enrolled" in summary and "3 already enrolled" in summary
    assert FacePhoto.objects.count() == 4


def test_identify_prints_one_csv_line_per_face_and_records_no_attendance(people_dir, tmp_path):
    run("enroll", str(people_dir))
    probes = tmp_path / "probes"
    probes.mkdir()
    for path in [photos.OBAMA_3, photos.OBAMA_AND_BIDEN, photos.STRANGER]:
        shutil.copy(path, probes / path.name)
    (probes / "empty.jpg").write_bytes(photos.no_face_jpeg())
    lines = run("identify", str(probes), str(photos.BIDEN)).splitlines()
    rows = [line.split(",") for line in lines]
    assert [(row[0].rsplit("/", 1)[-1], row[1]) for row in rows] == [
        ("eileen_collins_nasa_astronaut.png", "unknown"),
        ("empty.jpg", "no_faces_found"),
        ("obama_biden_blue_room_2010_crop.jpg", "Barack Obama"),
        ("obama_biden_blue_room_2010_crop.jpg", "Joe Biden"),
        ("obama_blue_room_2010-05-10.jpg", "Barack Obama"),
        ("biden_blue_room_2010-05-10.jpg", "Joe Biden"),
    ]
    assert rows[-1][0] == str(photos.BIDEN)  # a file path is printed as given
    assert rows[1][2] == ""
    # a recognized face is nearer than the threshold that accepted it (the encoding version's)
    assert 0 <= float(rows[0][2]) and float(rows[-2][2]) < versions.match_rule().threshold
    assert not AttendanceEvent.objects.exists()
