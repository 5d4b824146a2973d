"""Rows that change only through the portal's services are read-only in the Django admin, even to a superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from portal.access.models import AccessEvent, Alert, DoorCommand, OperatorAction, Visitor
from portal.accounts.admin_site import ReadOnlyAdmin
from portal.attendance.models import AttendanceEvent, DailySummary, EventCorrection
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db

READ_ONLY = {AttendanceEvent, EventCorrection, DailySummary, AccessEvent, DoorCommand, OperatorAction, Visitor, Alert}


def test_the_attendance_and_access_records_are_the_read_only_ones():
    read_only = {model for model, model_admin in admin.site._registry.items() if isinstance(model_admin, ReadOnlyAdmin)}
    assert read_only == READ_ONLY


@pytest.mark.parametrize("model", sorted(READ_ONLY, key=lambda m: m.__name__))
def test_a_superuser_may_list_but_not_add_a_read_only_record(client, model):
    client.force_login(make_user("root", superuser=True))
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert client.get(reverse(f"{prefix}_changelist")).status_code == 200
    assert client.get(reverse(f"{prefix}_add")).status_code == 403


def test_a_superuser_sees_an_attendance_event_but_cannot_change_or_delete_it(client):
    event = AttendanceEvent.objects.create(
        person=make_person("Ana", "ana"), at=timezone.now(), direction="in", source="manual"
    )
    client.force_login(make_user("root", superuser=True))
    page = client.get(reverse("admin:attendance_attendanceevent_change", args=[event.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        client.post(reverse("admin:attendance_attendanceevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AttendanceEvent.objects.filter(pk=event.pk).exists()
