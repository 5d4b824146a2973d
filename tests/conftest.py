import pytest

from recognition import gallery, lookalikes


@pytest.fixture(autouse=True, scope="session")
def quick_password_hashes():
    """Passwords hashed with MD5 in this process: Django's PBKDF2 (a million rounds, about
    0.3 s on a slow core) ran for every make_user() and badge PIN, minutes over the suite.
    What a test asserts of a password (it signs in, check_password agrees, a guess fails)
    holds with any hasher; the servers the end-to-end tests start keep the real one."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Every test writes its files to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def door_mqtt_secret(settings):
    """MQTT door commands are signed: any test that turns MQTT on has a secret to sign with."""
    settings.DOOR_MQTT_SECRET = "test-mqtt-secret"


@pytest.fixture(autouse=True)
def fresh_gallery():
    gallery.forget()
    yield
    gallery.forget()


@pytest.fixture(autouse=True)
def site_language():
    """Every test starts in the site's language: a request with a Chinese reader leaves
    Chinese active in its thread, and under xdist the next test in that process read it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Request budgets and failure counts (Django's cache) start at zero in every test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fresh_lookalikes():
    """The admin's look-alike column caches by gallery version, a number that starts
    again after each test's rollback: a page opened by one test must not answer another."""
    lookalikes._cache.update(version=None, people=None)
    yield
    lookalikes._cache.update(version=None, people=None)
