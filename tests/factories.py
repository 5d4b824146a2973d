"""Small builders for readable tests: people, enrolled faces, users."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from portal.accounts.roles import ADMIN, EMPLOYEE, GROUPS, HR, MANAGER, SECURITY
from portal.employees.models import DepartmentManager, EmployeeAccount
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
    if role in (EMPLOYEE, MANAGER):
        # an employee is a user linked to a person; a manager one named for a department
        person = make_person(f"emp-{username}", employee_id=f"emp-{username}", department=f"dept-{username}")
        link_account(user, person)
        if role == MANAGER:
            DepartmentManager.objects.create(department=person.department, person=person)
    elif role:
        # get_or_create: a transactional test before this one flushed the groups the migrations made
        user.groups.add(Group.objects.get_or_create(name=GROUPS[role])[0])
    return user


def link_account(user, person):
    """Make `user` the account of `person` (what an accepted invitation does)."""
    EmployeeAccount.objects.create(user=user, person=person)
    return user


def make_employee(name, *, department=None, username=None, email="", manager_of=None):
    """A person with an account: the employee signs in as `username` (their employee ID by default)."""
    person = make_person(name, department=department)
    user = get_user_model().objects.create_user(
        username=username or person.employee_id, password="pw-for-tests-only", email=email
    )
    link_account(user, person)
    if manager_of is not None:
        DepartmentManager.objects.create(department=manager_of, person=person)
    return person, user
