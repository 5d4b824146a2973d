"""Employee accounts: invitations by e-mail link and by printed code, forgotten
passwords, managers, notifications and the e-mail outbox."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from portal.accounts.roles import ADMIN, EMPLOYEE, HR, MANAGER, has_role
from portal.employees.models import DepartmentManager, EmployeeAccount, Notification
from portal.employees.services import notification_send
from tests.factories import make_employee, make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(client):
    client.force_login(make_user("hr", role=HR))
    return client


def _link(message):
    return re.search(r"https?://\S+", message.body).group(0)


def test_hr_invites_by_email_and_the_link_lets_the_employee_choose_a_password_and_sign_in(
    hr, client, django_capture_on_commit_callbacks
):
    person = make_person("Zoë Dvořák", employee_id="E-0042", department="Sales")
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(
            reverse("employees-accounts"),
            {"people": [person.pk], "method": "email", f"email-{person.pk}": "zoe@example.com"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zoe@example.com"]
    assert "E-0042" in mail.outbox[0].body
    link = _link(mail.outbox[0])
    hr.logout()
    page = client.get(link, follow=True)
    assert "Choose your password" in page.content.decode()
    # Django's validators: a short, common password is refused with their words
    weak = client.post(page.redirect_chain[-1][0], {"new_password1": "1234", "new_password2": "1234"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    strong = "violet-harbour-9137"
    done = client.post(page.redirect_chain[-1][0], {"new_password1": strong, "new_password2": strong})
    assert done.status_code == 302
    signed = client.post(reverse("login"), {"username": "E-0042", "password": strong})
    assert signed.status_code == 302 and signed["Location"] == reverse("me")
    assert "My attendance" in client.get(reverse("me")).content.decode()
    # the link worked once
    assert "This link does not work" in client.get(link, follow=True).content.decode()


def test_an_invitation_without_an_address_or_with_a_bad_one_is_refused_in_words(hr):
    person = make_person("No Mail", employee_id="E-1")
    response = hr.post(
        reverse("employees-accounts"),
        {"people": [person.pk], "method": "email", f"email-{person.pk}": "not-an-address"},
        follow=True,
    )
    assert "not-an-address is not an e-mail address" in response.content.decode()
    assert not EmployeeAccount.objects.filter(person=person).exists()
    assert not mail.outbox


def test_a_printed_code_works_once_and_leads_to_choosing_a_password(hr, client):
    person = make_person("Li Na", employee_id="E-0007")
    page = hr.post(reverse("employees-accounts"), {"people": [person.pk], "method": "code"}).content.decode()
    code = re.search(r'class="code">([A-Z0-9-]+)<', page).group(1)
    assert "E-0007" in page
    hr.logout()
    response = client.post(reverse("invitation-code"), {"code": code.lower()})
    assert response.status_code == 302 and "/accounts/set-password/" in response["Location"]
    again = client.post(reverse("invitation-code"), {"code": code})
    assert again.status_code == 400 and "used already" in again.content.decode()
    wrong = client.post(reverse("invitation-code"), {"code": "AAAAA-BBBBB"})
    assert wrong.status_code == 400


def test_forgot_password_sends_a_link_that_sets_a_new_one(client):
    person, user = make_employee("Ana Forgetful", email="ana@example.com")
    response = client.post(reverse("password-forgot"), {"email": "ana@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    page = client.get(_link(mail.outbox[0]), follow=True)
    url = page.redirect_chain[-1][0]
    new = "quiet-meadow-5521"
    assert client.post(url, {"new_password1": new, "new_password2": new}).status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_a_person_named_manager_of_a_department_has_the_manager_role(hr):
    person, user = make_employee("Boss", department="Sales")
    assert has_role(user, EMPLOYEE) and not has_role(user, MANAGER)
    response = hr.post(reverse("employees-managers"), {"department": person.department.pk, "person": person.pk})
    assert response.status_code == 302
    user = type(user).objects.get(pk=user.pk)
    assert has_role(user, MANAGER) and not has_role(user, HR)
    row = DepartmentManager.objects.get()
    hr.post(reverse("employees-manager-remove", args=[row.pk]))
    assert not DepartmentManager.objects.exists()


def test_a_person_without_an_account_cannot_be_named_manager(hr):
    person = make_person("No Account", department="Sales")
    response = hr.post(reverse("employees-managers"), {"department": person.department.pk, "person": person.pk})
    assert response.status_code == 400


def test_the_bell_counts_unread_notifications_and_they_read_in_the_readers_language(client):
    person, user = make_employee("Wang Fang")
    notification_send(user=user, kind=Notification.Kind.MISSING_CHECKOUT, params={"day": "2026-03-02"}, email=False)
    client.force_login(user)
    page = client.get(reverse("me")).content.decode()
    assert 'class="badge">1<' in page
    zh = client.get(reverse("notifications"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "2026年3月2日" in zh and "No check-out" not in zh
    client.post(reverse("notifications-read"))
    assert 'class="badge"' not in client.get(reverse("me")).content.decode()


def test_notifications_by_email_are_written_in_the_readers_language(django_capture_on_commit_callbacks):
    from portal.accounts.models import Preference

    person, user = make_employee("Zhang Wei", email="zw@example.com")
    Preference.objects.create(user=user, language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=user, kind=Notification.Kind.MISSING_CHECKOUT, params={"day": "2026-03-02"})
    assert len(mail.outbox) == 1 and "2026年3月2日" in mail.outbox[0].subject
    assert "No check-out" not in mail.outbox[0].subject


def test_without_smtp_every_email_is_written_to_the_folder_and_shown_to_admins(client, settings, tmp_path):
    settings.EMAIL_HOST = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    make_employee("Ana Forgetful", email="ana@example.com")
    client.post(reverse("password-forgot"), {"email": "ana@example.com"})
    assert list((tmp_path / "mail").glob("*.log"))
    client.force_login(make_user("admin", role=ADMIN))
    page = client.get(reverse("mail-outbox")).content.decode()
    assert "ana@example.com" in page and "Choose a new password" in page and "/accounts/set-password/" in page
