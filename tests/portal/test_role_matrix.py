"""Every URL of the project, with every role.

The table below gives each URL name its minimum role. A URL added anywhere in
the project without an entry here fails this test, so nobody forgets to decide
who may open it; an entry whose URL is gone fails too.

- a role name: signed-in users with that role or a stronger one; weaker roles
  get 403, anonymous visitors are sent to sign in (the API answers 401/403);
- PUBLIC: anyone (sign-in page, health check, the kiosk's own page and pairing);
- KIOSK: kiosk-device endpoints, authenticated by a kiosk token only: a
  browser session of any role is refused with 401 (tests/portal/kiosks covers
  the tokens themselves);
- the Django admin site is for superusers only (portal.accounts.admin_site):
  everyone else, admins and HR managers included, is sent to its sign-in
  page and runs the organization from the portal's own pages (portal.org).

The API accepts browser sessions with the same roles as the pages, so it is
checked here the same way; its token rules are tested in tests/portal/api.
"""

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.accounts.roles import ADMIN, EMPLOYEE, HR, INCLUDES, MANAGER, RECEPTION, SECURITY, VIEWER
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PUBLIC, KIOSK, SIGNED_IN = "public", "kiosk", "signed in"
EXPECTED = {
    # sign-in and machines
    "login": PUBLIC,
    "org-settings": ADMIN,  # the organization's name
    "org-logo": SIGNED_IN,  # the logo in every signed-in page's header
    "logout": PUBLIC,
    "password-set": PUBLIC,  # the one-time link is the credential
    "password-set-done": PUBLIC,
    # one's own password: anyone signed in, whatever the role
    "password-change": SIGNED_IN,
    "password-change-done": SIGNED_IN,
    "healthz": PUBLIC,
    "livez": PUBLIC,
    "language-set": PUBLIC,  # the language switcher (POST only)
    "javascript-catalog": PUBLIC,  # the scripts' translations (no secret: the same for everyone)
    # dashboard and reports: everyone with a role
    "home": VIEWER,
    "dashboard-live": VIEWER,
    "reports": VIEWER,
    "reports-timesheet": VIEWER,
    "reports-monthly": VIEWER,
    "reports-monthly-export": VIEWER,
    "report-export": VIEWER,
    "report-export-status": VIEWER,
    "report-export-progress": VIEWER,
    "report-export-download": VIEWER,
    # attendance, corrections, schedules: HR
    "attendance": HR,
    "attendance-csv": HR,
    "attendance-day": HR,
    "attendance-event-add": HR,
    "attendance-event-change": HR,
    "attendance-event-void": HR,
    "attendance-schedules": HR,
    "attendance-schedule-new": HR,
    "attendance-schedule-edit": HR,
    # face encodings (version, re-encoding): admins
    "encodings": ADMIN,
    "encodings-reencode": ADMIN,
    "encodings-job-status": ADMIN,
    "attendance-calendar": HR,
    "attendance-calendar-import": HR,
    "attendance-calendar-delete": HR,
    # recognition pages and stored photos: HR
    "recognize": HR,
    "capture": HR,
    "capture-status": HR,
    "media-photo": HR,
    "media-capture": HR,
    "media-capture-frame": HR,
    # videos to recognize: HR, like pictures
    "video-recognize": HR,
    "video": HR,
    "video-status": HR,
    "media-video-face": HR,
    # unknown faces to review: HR (most are employees or newcomers: enrollment)
    "review": HR,
    "review-entry": HR,
    "review-assign": HR,
    "review-new-person": HR,
    "review-visitor": HR,
    "review-dismiss": HR,
    "media-review": HR,
    # people and enrollment: HR
    "people:directory": HR,
    "people:pick": frozenset({VIEWER, SECURITY}),  # every role with a page that has a person picker
    "people:create": HR,
    "people:person": HR,
    "people:edit": HR,
    "people:active": HR,
    "people:delete": HR,
    "people:photos-upload": HR,
    "people:photos-status": HR,
    "people:photo-delete": HR,
    "people:photo-decide": HR,
    "people:import-start": HR,
    "people:import": HR,
    "people:import-status": HR,
    "people:bulk": HR,
    "people:photo-merge": HR,
    "people:merge-undo": HR,
    # running the organization: departments for HR; users, kiosks and tokens for admins
    "org": HR,
    "org-departments": HR,
    "org-department-new": HR,
    "org-department": HR,
    "org-users": ADMIN,
    "org-user-invite": ADMIN,
    "org-user": ADMIN,
    "org-user-active": ADMIN,
    "org-user-password": ADMIN,
    "org-kiosks": ADMIN,
    "org-kiosk-new": ADMIN,
    "org-kiosk": ADMIN,
    "org-kiosk-pair": ADMIN,
    "org-kiosk-revoke": ADMIN,
    "org-tokens": ADMIN,
    # cameras (devices, like kiosks): admins
    "cameras": ADMIN,
    "camera-new": ADMIN,
    "camera": ADMIN,
    "camera-picture": ADMIN,
    "cameras-health": ADMIN,
    "camera-delete": ADMIN,
    "org-token-revoke": ADMIN,
    # the kiosk device: its page and pairing are public, the rest needs its token
    "kiosk": PUBLIC,
    "kiosk-pair": PUBLIC,
    "kiosk-pair-code": PUBLIC,
    "kiosk-api-pair": PUBLIC,
    "kiosk-api-config": KIOSK,
    "kiosk-api-captures": KIOSK,
    "kiosk-api-badge": KIOSK,
    "kiosk-api-challenge": KIOSK,
    "kiosk-api-capture": KIOSK,
    # doors and access: security staff; visitors: reception too
    "access-doors": SECURITY,
    # setting doors up: security (the Django admin is for superusers only)
    "access-setup": SECURITY,
    "access-zone-new": SECURITY,
    "access-zone": SECURITY,
    "access-door-new": SECURITY,
    "access-door": SECURITY,
    "access-level-new": SECURITY,
    "access-level": SECURITY,
    "access-group-new": SECURITY,
    "access-group": SECURITY,
    "access-readers": SECURITY,
    "access-reader": SECURITY,
    "access-pins": SECURITY,
    "access-pin-remove": SECURITY,
    "access-door-states": SECURITY,
    "access-door-unlock": SECURITY,
    "access-door-visitors": SECURITY,
    "access-zone-lockdown": SECURITY,
    "access-zone-release": SECURITY,
    "access-zone-passback-reset": SECURITY,
    "access-alert-acknowledge": SECURITY,
    "access-explain": SECURITY,
    "access-log": SECURITY,
    "access-log-export": SECURITY,
    "access-live": SECURITY,
    "access-on-site": SECURITY,
    "access-muster": SECURITY,
    "access-visitors": RECEPTION,
    "access-visitor": RECEPTION,
    "access-visitor-end": RECEPTION,
    # the API (sessions and tokens)
    "api:person-list": HR,
    "api:person-detail": HR,
    "api:person-deactivate": HR,
    "api:photo-list": HR,
    "api:photo-detail": HR,
    "api:photo-image": HR,
    "api:recognize": HR,
    "api:capture-list": HR,
    "api:capture-detail": HR,
    "api:capture-annotated": HR,
    "api:verify": HR,
    "api:verification-detail": HR,
    "api:verification-annotated": HR,
    "api:video-list": HR,
    "api:video-detail": HR,
    "api:video-face-picture": HR,
    "api:review-list": HR,
    "api:review-detail": HR,
    "api:review-picture": HR,
    "api:review-assign": HR,
    "api:review-visitor": HR,
    "api:review-dismiss": HR,
    "api:event-list": HR,
    "api:event-detail": HR,
    "api:event-correct": HR,
    "api:event-void": HR,
    "api:summary-list": VIEWER,
    "api:report-export": VIEWER,
    "api:report-export-detail": VIEWER,
    "api:report-export-download": VIEWER,
    "api:kiosk-list": ADMIN,  # HR may not change kiosks
    "api:kiosk-detail": ADMIN,
    "api:kiosk-pairing": ADMIN,
    "api:kiosk-revoke": ADMIN,
    "api:camera-list": ADMIN,
    "api:camera-detail": ADMIN,
    "api:camera-picture": ADMIN,
    "api:token-list": ADMIN,
    "api:token-detail": ADMIN,
    "api:access-event-list": SECURITY,
    "api:access-event-detail": SECURITY,
    "api:door-list": SECURITY,
    "api:door-unlock": SECURITY,
    "api:zone-lockdown": SECURITY,
    "api:zone-release": SECURITY,
    "api:access-explain": SECURITY,
    "api:access-on-site": SECURITY,
    "api:access-alert-list": SECURITY,
    "api:visitor-list": RECEPTION,
    "api:visitor-end": RECEPTION,
    # employees' own side (portal.employees): signing up, their own pages, HR's accounts
    "password-forgot": PUBLIC,
    "password-forgot-done": PUBLIC,
    "invitation-code": PUBLIC,  # the printed code is the credential
    "me-pdf": EMPLOYEE,
    "me": EMPLOYEE,  # every role is an employee of itself (a user linked to nobody is told so)
    "notifications": EMPLOYEE,
    "notifications-read": EMPLOYEE,
    "employees-accounts": HR,
    "employees-managers": HR,
    "employees-manager-remove": HR,
    "mail-outbox": ADMIN,
    # requests (portal.requests): one's own for everyone; another's request answers 403 (tests/portal/requests)
    "requests-mine": EMPLOYEE,
    "request-new": EMPLOYEE,
    "request": EMPLOYEE,
    "request-decide": EMPLOYEE,
    "request-withdraw": EMPLOYEE,
    "request-attachment": EMPLOYEE,
    "requests-team": MANAGER,
    "me-tokens": EMPLOYEE,
    "me-token-revoke": EMPLOYEE,  # POST only: 405 to a GET; another's token is 404
    "team": MANAGER,  # a manager's department, HR any (tests/portal/requests/test_team.py)
    "team-person": MANAGER,  # 403 for a person of a department the manager does not manage
    "requests-settings": HR,
    "api:me-days": EMPLOYEE,  # sessions of people only: an integration token gets 403 (tests/portal/requests)
    "api:me-requests": EMPLOYEE,
    "api:me-missed-punch": EMPLOYEE,
    "api:me-leave": EMPLOYEE,
    "api:me-overtime": EMPLOYEE,
    "api:me-notifications": EMPLOYEE,
    # phone clock-in (portal.clockin): one's own; HR sets up sites, networks and policies
    "clock-in": EMPLOYEE,
    "api:me-clock-in": EMPLOYEE,
    "api:me-clock-in-detail": EMPLOYEE,
    "clockin-settings": HR,
    "clockin-site": HR,
    "clockin-site-delete": HR,
    "clockin-network-delete": HR,
    "api:request-list": EMPLOYEE,
    "api:request-detail": EMPLOYEE,
    "api:request-approve": EMPLOYEE,
    "api:request-reject": EMPLOYEE,
    "api:request-withdraw": EMPLOYEE,
    "api:schema": EMPLOYEE,  # the API's description: anyone with a role, a token too
    "api:docs": EMPLOYEE,
    "api:<unknown address>": PUBLIC,  # a JSON 404 for anything else under /api/
}
# sample values for URL arguments; objects that do not exist give 404 to those allowed in
SAMPLES = {"day": "2026-03-02", "fmt": "csv", "code": "ABCDEFGH", "client_id": "c-1"}
ROLES = [None, EMPLOYEE, MANAGER, VIEWER, HR, RECEPTION, SECURITY, ADMIN]


def project_urls():
    """(name, path) for every URL pattern of the project; the admin site as one entry."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # checked by the test_admin_site_* tests below
                ns = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                found.append(_entry(pattern, prefix, namespace))

    walk(get_resolver().url_patterns, "", "")
    return found


def _entry(pattern, prefix, namespace):
    if pattern.name is None:  # a catch-all regex, e.g. the API's JSON 404
        return f"{namespace}:<unknown address>", "/" + prefix + "no/such/address"
    name = f"{namespace}:{pattern.name}" if namespace else pattern.name
    kwargs = {}
    for key, converter in getattr(pattern.pattern, "converters", {}).items():
        # the first sample the converter accepts: an id, a known argument, a word, a path
        candidates = [SAMPLES.get(key), 999_999, "x", "no/such/file.jpg"]
        kwargs[key] = next(v for v in candidates if v is not None and re.fullmatch(converter.regex, str(v)))
    return name, reverse(name, kwargs=kwargs)


def test_every_url_has_an_entry_in_the_table_and_every_entry_a_url():
    names = {name for name, _ in project_urls()}
    missing = sorted(names - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - names)
    assert not missing, f"URL names with no minimum role in tests/portal/test_role_matrix.py: {missing}"
    assert not stale, f"entries in the role table whose URL no longer exists: {stale}"


def _refused_login(response):
    return response.status_code == 302 and "/login/" in response.get("Location", "")


@pytest.mark.parametrize(
    "role", ROLES, ids=["anonymous", "employee", "manager", "viewer", "hr", "reception", "security", "admin"]
)
def test_each_url_lets_in_exactly_the_roles_of_the_table(client, role):
    if role:
        client.force_login(make_user(f"user-{role}", role=role))
    wrong = []
    for name, url in project_urls():
        minimum = EXPECTED.get(name)
        if minimum is None:
            continue  # reported by the test above
        response = client.get(url)
        status = response.status_code
        api = name.startswith("api:")
        if status >= 500:
            wrong.append((name, url, status, "server error"))
        elif minimum == KIOSK:
            if status != 401:
                wrong.append((name, url, status, "a browser session is not a kiosk token: expected 401"))
        elif minimum == PUBLIC:
            if status in (401, 403) or _refused_login(response):
                wrong.append((name, url, status, "public page refused"))
        elif minimum == SIGNED_IN and role is not None:
            if status in (401, 403) or _refused_login(response):
                wrong.append((name, url, status, f"{role} refused (needs only to be signed in)"))
        elif role is None:
            refused = status in (401, 403) if api else _refused_login(response)
            if not refused:
                wrong.append((name, url, status, "anonymous visitor let in"))
        elif isinstance(minimum, frozenset):  # any one of these roles
            let_in = not (status in (401, 403) or _refused_login(response))
            if let_in != bool(minimum & INCLUDES[role]):
                wrong.append((name, url, status, f"{role}: expected {'in' if minimum & INCLUDES[role] else 403}"))
        elif minimum not in INCLUDES[role]:
            if status != 403:
                wrong.append((name, url, status, f"{role} should get 403 (needs {minimum})"))
        elif status in (401, 403) or _refused_login(response):
            wrong.append((name, url, status, f"{role} refused (needs {minimum})"))
    assert not wrong, "\n".join(f"{n} {u}: {s} - {why}" for n, u, s, why in wrong)


@pytest.mark.parametrize("role", [ADMIN, RECEPTION], ids=["admin", "reception"])
def test_every_answer_of_the_walk_is_no_store(client, role):
    """Pages and API answers show people (names, photos, the access log): none may stay in a shared
    computer's browser cache (issue 21 found 63 pages without Cache-Control: no-store)."""
    client.force_login(make_user(f"user-{role}", role=role))
    cached = []
    for name, url in project_urls():
        response = client.get(url)
        if "no-store" not in response.get("Cache-Control", ""):
            cached.append((name, url, response.status_code, response.get("Cache-Control")))
    assert not cached, "\n".join(f"{n} {u}: {s} Cache-Control={c!r}" for n, u, s, c in cached)


def _admin_changelists():
    return [
        (model._meta.app_label, reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        for model in admin.site._registry
    ]


@pytest.mark.parametrize(
    "role",
    [None, VIEWER, HR, SECURITY, RECEPTION, ADMIN],
    ids=["anonymous", "viewer", "hr", "security", "reception", "admin"],
)
def test_admin_site_sends_everyone_but_superusers_to_sign_in(client, role):
    if role:
        client.force_login(make_user(f"user-{role}", role=role))
    for _, url in [("", reverse("admin:index")), *_admin_changelists()]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_a_superuser_can_use_every_admin_page(client):
    client.force_login(make_user("root", superuser=True))
    for _, url in [("", reverse("admin:index")), *_admin_changelists()]:
        assert client.get(url).status_code == 200, url
