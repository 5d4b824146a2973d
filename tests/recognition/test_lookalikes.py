"""The admin's look-alike column: how far each person's face sits from everyone else's (database, no dlib)."""

import numpy as np
import pytest
from django.urls import reverse

from recognition import lookalikes
from recognition.models import FacePhoto, GalleryVersion
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db


def template(person, *values):
    vector = np.zeros(128, dtype=np.float32)
    vector[: len(values)] = values
    FacePhoto.objects.create(
        person=person,
        image=f"faces/{person.pk}-{FacePhoto.objects.count()}.jpg",
        sha256=f"{person.pk}-{FacePhoto.objects.count()}",
        status=FacePhoto.Status.ACCEPTED,
        encoding=vector.tobytes(),
    )
    GalleryVersion.bump()


@pytest.fixture
def people(settings):
    # hand-made encodings on dlib's scale, averaged as dlib's are (SFace's average faces have length 1)
    settings.FACE_ENCODING_VERSION = "dlib_face_recognition_resnet_model_v1+mirror"
    alice, alicia, bob = make_person("Alice"), make_person("Alicia"), make_person("Bob")
    template(alice, 0.0)
    template(alice, 0.2)  # average face at 0.1
    template(alicia, 0.5)  # 0.40 from Alice's average face: a look-alike
    template(bob, 3.0)
    return alice, alicia, bob


def test_a_person_close_to_another_is_flagged_as_a_look_alike_risk(people):
    alice, alicia, bob = people
    found = lookalikes.person_lookalike(person_id=alice.pk)
    assert found.person_id == alicia.pk and found.distance == pytest.approx(0.4) and found.risk
    far = lookalikes.person_lookalike(person_id=bob.pk)
    assert far.person_id == alicia.pk and far.distance == pytest.approx(2.5) and not far.risk


def test_a_person_without_templates_has_no_look_alike(people):
    assert lookalikes.person_lookalike(person_id=make_person("Nobody").pk) is None


def test_the_figures_follow_enrollment_changes(people):
    alice, alicia, bob = people
    template(make_person("Alice's twin"), 0.1)
    assert lookalikes.person_lookalike(person_id=alice.pk).distance == pytest.approx(0.0, abs=1e-6)


def test_the_admin_list_shows_the_nearest_look_alike(people, client):
    client.force_login(make_user("root", superuser=True))
    page = client.get(reverse("admin:people_person_changelist")).content.decode()
    assert "Nearest look-alike" in page
    assert "Alicia (0.40): look-alike risk" in page and "Alicia (2.50)" in page
    change = client.get(reverse("admin:people_person_change", args=[people[0].pk])).content.decode()
    assert "Alicia (0.40): look-alike risk" in change
