"""Kiosks over the API (admins only), and kiosk tokens kept out of the rest of the API."""

import pytest
from rest_framework.test import APIClient

from portal.kiosks.models import Kiosk
from portal.kiosks.services import kiosk_pair, kiosk_pairing_create, kiosk_register
from tests.portal.api.conftest import error_of

pytestmark = pytest.mark.django_db

KIOSKS = "/api/v1/kiosks/"


def test_an_admin_registers_pairs_and_revokes_a_kiosk(admin_api):
    response = admin_api.post(KIOSKS, {"name": "Front door", "location": "Lobby", "mode": "verify"}, format="json")
    assert response.status_code == 201, response.json()
    kiosk = response.json()
    assert kiosk["mode"] == "verify" and kiosk["paired"] is False and kiosk["direction"] == "auto"

    pairing = admin_api.post(f"{KIOSKS}{kiosk['id']}/pairing/")
    assert pairing.status_code == 201
    code = pairing.json()["code"]
    assert len(code) == 9 and code[4] == "-" and code.replace("-", "") in pairing.json()["link"]
    paired, _ = kiosk_pair(code=code)  # what the kiosk's browser does with the code
    assert admin_api.get(f"{KIOSKS}{kiosk['id']}/").json()["paired"] is True

    assert admin_api.patch(f"{KIOSKS}{kiosk['id']}/", {"liveness": True}, format="json").json()["liveness"] is True
    revoked = admin_api.post(f"{KIOSKS}{kiosk['id']}/revoke/").json()
    assert revoked["revoked"] is True and revoked["paired"] is False
    again = admin_api.post(f"{KIOSKS}{kiosk['id']}/pairing/")
    assert again.status_code == 409 and error_of(again)["code"] == "revoked"


def test_a_duplicate_kiosk_name_is_a_400(admin_api):
    kiosk_register(name="Front door")
    response = admin_api.post(KIOSKS, {"name": "Front door"}, format="json")
    assert response.status_code == 400 and "name" in error_of(response)["fields"]
    assert Kiosk.objects.count() == 1


def test_only_admins_manage_kiosks(hr_api, viewer_api):
    kiosk = kiosk_register(name="Front door")
    assert hr_api.get(KIOSKS).status_code == 403
    assert hr_api.post(f"{KIOSKS}{kiosk.pk}/revoke/").status_code == 403
    assert viewer_api.post(f"{KIOSKS}{kiosk.pk}/pairing/").status_code == 403
    kiosk.refresh_from_db()
    assert not kiosk.revoked and not kiosk.pairings.exists()


@pytest.mark.parametrize("scheme", ["Kiosk", "Bearer"])
@pytest.mark.parametrize("path", ["/api/v1/people/", "/api/v1/captures/", KIOSKS, "/api/v1/attendance/events/"])
def test_a_kiosk_token_opens_nothing_in_the_api(scheme, path):
    kiosk = kiosk_register(name="Front door")
    _, code = kiosk_pairing_create(kiosk=kiosk)
    _, token = kiosk_pair(code=code)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
    response = client.get(path)
    assert response.status_code == 401


def test_each_kiosk_has_its_own_request_budget(settings):
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "kiosk": "3/minute"}
    tokens = []
    for name in ("Front door", "Back door"):
        _, code = kiosk_pairing_create(kiosk=kiosk_register(name=name))
        tokens.append(kiosk_pair(code=code)[1])
    front, back = (Client(HTTP_AUTHORIZATION=f"Kiosk {token}") for token in tokens)
    assert [front.get("/kiosk/api/config").status_code for _ in range(3)] == [200, 200, 200]
    throttled = front.get("/kiosk/api/config")
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert throttled.json()["error"] == "throttled"
    assert back.get("/kiosk/api/config").status_code == 200
    cache.clear()
