"""Small builders for readable tests: people, enrolled faces, users."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from portal.accounts.roles import ADMIN, GROUPS, HR, SECURITY
from portal.people.models import Department, Person
from recognition.models import Capture, FacePhoto
from recognition.processing import capture_process, face_photo_encode
from recognition.services import capture_submit, person_photo_add
from tests import photos


def make_person(name="Barack Obama", employee_id=None, department=None, active=True):
    dept = Department.objects.get_or_create(name=department)[0] if department else None
    return Person.objects.create(
        name=name, employee_id=employee_id or name.lower().replace(" ", "."), department=dept, active=active
    )


def enroll(person, *paths):
    """Add photos to a person and encode them here, as a worker would."""
    result = []
    for path in paths:
        photo, _ = person_photo_add(person=person, data=photos.read(path), filename=path.name, queue=False)
        FacePhoto.objects.filter(pk=photo.pk).update(status=FacePhoto.Status.ENCODING)
        result.append(face_photo_encode(photo=FacePhoto.objects.get(pk=photo.pk)))
    return result


def enrolled(name, *paths, **fields):
    person = make_person(name, **fields)
    enroll(person, *paths)
    return person


def recognize(data, **options):
    """Submit a picture and process it here, as a worker would."""
    capture = capture_submit(data=data, **options)
    Capture.objects.filter(pk=capture.pk).update(status=Capture.Status.PROCESSING)
    return capture_process(capture=Capture.objects.get(pk=capture.pk))


def make_user(username="viewer", *, role=None, superuser=False, password="pw-for-tests-only"):
    """A user with one of the roles in portal.accounts.roles (or none)."""
    users = get_user_model()
    if superuser:
        return users.objects.create_superuser(username=username, password=password, email="")
    user = users.objects.create_user(username=username, password=password, is_staff=role in (ADMIN, HR, SECURITY))
    if role:
        user.groups.add(Group.objects.get(name=GROUPS[role]))
    return user
