"""Everyone signed in changes their own password from the header (issue 25, 11), whatever their role."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal.accounts.roles import RECEPTION, SECURITY
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [SECURITY, RECEPTION, None])
def test_a_user_changes_their_own_password_with_the_old_one(client, role):
    make_user("sam", role=role, password="the first pass phrase 1")
    client.login(username="sam", password="the first pass phrase 1")
    assert reverse("password-change") in client.get(reverse("password-change")).content.decode()
    wrong = client.post(
        reverse("password-change"),
        {"old_password": "not it", "new_password1": "a new long phrase 22", "new_password2": "a new long phrase 22"},
    )
    assert wrong.status_code == 200 and "incorrectly" in wrong.content.decode()
    response = client.post(
        reverse("password-change"),
        {
            "old_password": "the first pass phrase 1",
            "new_password1": "a new long phrase 22",
            "new_password2": "a new long phrase 22",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("password-change-done")
    assert get_user_model().objects.get(username="sam").check_password("a new long phrase 22")


def test_signing_in_is_needed_to_change_a_password(client):
    response = client.get(reverse("password-change"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
