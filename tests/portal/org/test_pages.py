"""The organization's own pages: departments, users and roles, kiosks, API tokens, bulk changes."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.accounts.roles import ADMIN, HR, user_role
from portal.api.models import ApiToken
from portal.attendance.models import Schedule
from portal.kiosks.models import Kiosk
from portal.people.models import Department, Person
from tests import photos
from tests.factories import make_person, make_user
from tests.portal.people.test_imports import make_zip

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    client.force_login(make_user("ada", role=ADMIN))
    return client


def test_a_department_is_created_with_its_own_schedule(admin):
    response = admin.post(
        reverse("org-department-new"),
        {
            "name": "Ward 3",
            "own_schedule": "on",
            "working_days": ["1", "2", "3", "4", "5", "6"],
            "start": "07:00",
            "end": "15:30",
            "grace_minutes": "5",
            "punch_mode": "time_of_day",
            "punch_cutoff": "11:00",
            "min_interval_minutes": "15",
        },
    )
    assert response.status_code == 302
    schedule = Schedule.objects.get(department__name="Ward 3")
    assert (
        schedule.working_days == [1, 2, 3, 4, 5, 6] and f"{schedule.start:%H:%M}-{schedule.end:%H:%M}" == "07:00-15:30"
    )
    assert schedule.punch_mode == "time_of_day" and schedule.min_interval_minutes == 15
    page = admin.get(reverse("org-departments")).content.decode()
    assert "Ward 3" in page and "by time of day (cut-off 11:00)" in page


def test_a_department_without_own_hours_follows_the_default(admin):
    admin.post(reverse("org-department-new"), {"name": "Office", "punch_mode": "alternate"})
    assert Department.objects.filter(name="Office").exists()
    assert not Schedule.objects.filter(department__name="Office").exists()


def test_an_invited_user_sets_a_password_once_with_the_link(admin, client):
    response = admin.post(reverse("org-user-invite"), {"username": "hanna", "role": HR, "email": "h@example.org"})
    link = re.search(r'id="password-link" href="([^"]+)"', response.content.decode()).group(1)
    hanna = get_user_model().objects.get(username="hanna")
    assert user_role(hanna) == HR and not hanna.has_usable_password()
    client.logout()
    form = client.get(link, follow=True)
    assert "Choose your password" in form.content.decode()
    new_password = "a long, new pass phrase 7"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    assert client.login(username="hanna", password=new_password)
    client.logout()
    assert "does not work" in client.get(link, follow=True).content.decode()  # once only


def test_an_admin_resets_a_password_deactivates_and_changes_a_role(admin):
    hanna = make_user("hanna", role=HR)
    response = admin.post(reverse("org-user-password", args=[hanna.pk]))
    assert 'id="password-link"' in response.content.decode()
    hanna.refresh_from_db()
    assert not hanna.has_usable_password()
    admin.post(reverse("org-user", args=[hanna.pk]), {"role": "viewer"})
    admin.post(reverse("org-user-active", args=[hanna.pk]), {"active": "0"})
    hanna = get_user_model().objects.get(pk=hanna.pk)
    assert not hanna.is_active and hanna.groups.get().name == "Viewer"


def test_a_kiosk_added_in_the_portal_has_liveness_on_and_can_be_paired_and_revoked(admin):
    form = admin.get(reverse("org-kiosk-new")).content.decode()
    assert re.search(r'name="liveness"[^>]*checked', form) and "Does not stop a video" in form
    response = admin.post(
        reverse("org-kiosk-new"),
        {"name": "Front door", "location": "Lobby", "mode": "identify", "direction": "auto", "liveness": "on"},
    )
    kiosk = Kiosk.objects.get()
    assert response["Location"] == reverse("org-kiosk", args=[kiosk.pk]) and kiosk.liveness
    page = admin.post(reverse("org-kiosk-pair", args=[kiosk.pk])).content.decode()
    code = re.search(r'id="pairing-code"[^>]*>([A-Z0-9-]+)<', page).group(1)
    assert re.search(r'id="pairing-link" href="[^"]+/kiosk/pair/' + code.replace("-", ""), page)
    assert "Revoke" in admin.get(reverse("org-kiosk-revoke", args=[kiosk.pk])).content.decode()
    admin.post(reverse("org-kiosk-revoke", args=[kiosk.pk]))
    kiosk.refresh_from_db()
    assert kiosk.revoked


def test_an_api_token_is_shown_once_and_can_be_revoked(admin):
    page = admin.post(reverse("org-tokens"), {"name": "HR sync", "role": HR}).content.decode()
    key = re.search(r'id="token-key">([^<]+)<', page).group(1)
    token = ApiToken.objects.get()
    assert key.startswith(token.prefix) and key not in admin.get(reverse("org-tokens")).content.decode()
    admin.post(reverse("org-token-revoke", args=[token.pk]))
    token.refresh_from_db()
    assert not token.active


def test_bulk_actions_set_a_department_and_deactivate(client):
    client.force_login(make_user("hr", role=HR))
    office = Department.objects.create(name="Office")
    people = [make_person(f"Person {n}") for n in range(3)]
    ids = [str(p.pk) for p in people[:2]]
    client.post(reverse("people:bulk"), {"people": ids, "action": "department", "department": office.pk})
    assert set(Person.objects.filter(department=office).values_list("pk", flat=True)) == {p.pk for p in people[:2]}
    client.post(reverse("people:bulk"), {"people": ids, "action": "deactivate"})
    assert list(Person.objects.filter(active=True)) == [people[2]]


def test_a_zip_import_puts_everyone_in_the_department_chosen(client, django_capture_on_commit_callbacks):
    client.force_login(make_user("hr", role=HR))
    ward = Department.objects.create(name="Ward")
    archive = make_zip({"Barack_Obama/1.jpg": photos.read(photos.OBAMA), "Joe_Biden/1.jpg": photos.read(photos.BIDEN)})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("people:import-start"),
            {"archive": SimpleUploadedFile("staff.zip", archive), "department": ward.pk},
        )
    assert {(p.name, p.department) for p in Person.objects.all()} == {("Barack Obama", ward), ("Joe Biden", ward)}


def test_the_users_list_names_the_security_and_reception_roles(admin):
    from portal.accounts.roles import RECEPTION, SECURITY

    make_user("sam", role=SECURITY)
    make_user("rita", role=RECEPTION)
    page = admin.get(reverse("org-users")).content.decode()
    rows = {m[0]: m[1] for m in re.findall(r'>(sam|rita)</a></td>.*?data-label="Role">([^<]*)<', page, re.S)}
    assert rows == {"sam": "Security", "rita": "Reception"}


def test_hours_typed_without_ticking_own_hours_are_not_silently_dropped(admin):
    data = {"name": "Night shift", "start": "22:00", "end": "06:00", "punch_mode": "alternate"}
    response = admin.post(reverse("org-department-new"), data)
    assert response.status_code == 400
    assert "“Own working hours” is not ticked" in response.content.decode()
    assert not Department.objects.filter(name="Night shift").exists()
    # the hours as the form showed them (its defaults) with the box unticked: the default applies, no complaint
    untouched = {**data, "start": "09:00", "end": "17:00", "working_days": ["1", "2", "3", "4", "5"]}
    assert admin.post(reverse("org-department-new"), untouched).status_code == 302
    assert not Schedule.objects.filter(department__name="Night shift").exists()


def test_users_names_read_family_name_first_in_chinese_japanese_and_korean(admin):
    from portal.accounts.names import full_name

    users = get_user_model().objects
    users.create(username="li", first_name="静", last_name="李")
    users.create(username="sato", first_name="花子", last_name="佐藤")
    users.create(username="kim", first_name="민준", last_name="김")
    users.create(username="ana", first_name="Ana", last_name="Nováková")
    page = admin.get(reverse("org-users")).content.decode()
    for shown in ("李静", "佐藤花子", "김 민준", "Ana Nováková"):
        assert f">{shown}<" in page
    assert "静 李" not in page and "花子 佐藤" not in page
    assert full_name("静", "") == "静" and full_name("", "") == ""
