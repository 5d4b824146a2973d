import pytest
from django.contrib.auth.models import Group

from portal.accounts.roles import GROUPS


@pytest.fixture(autouse=True)
def kiosk_settings(settings):
    # answer at once with 202; the tests run the worker themselves, then poll
    settings.KIOSK_RESULT_WAIT_SECONDS = 0
    settings.ATTENDANCE_COOLDOWN_SECONDS = 60


@pytest.fixture
def roles(db):
    # transactional tests flush the groups the migration made
    for name in GROUPS.values():
        Group.objects.get_or_create(name=name)
