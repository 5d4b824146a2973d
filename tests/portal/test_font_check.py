"""Start-up refuses to go on without a font for names in every script."""

from django.core.management import call_command
from django.core.management.base import SystemCheckError

from portal.web.checks import font_present


def test_the_installed_font_passes_the_start_up_check():
    assert font_present() == []


def test_no_font_found_is_a_start_up_error_that_says_how_to_install_one(settings):
    settings.PORTAL_FONT_PATH = ""
    (error,) = font_present()
    assert error.id == "portal.E001"
    assert "make install" in error.hint and "PORTAL_FONT_PATH" in error.hint


def test_a_font_path_to_nothing_stops_manage_py_check(settings, tmp_path):
    settings.PORTAL_FONT_PATH = str(tmp_path / "missing.ttf")
    try:
        call_command("check")
    except SystemCheckError as exc:
        assert "missing.ttf" in str(exc) and "portal.E002" in str(exc)
    else:
        raise AssertionError("the check let a missing font through")


def test_a_file_that_is_not_a_font_is_refused(settings, tmp_path):
    bogus = tmp_path / "font.ttf"
    bogus.write_bytes(b"not a font")
    settings.PORTAL_FONT_PATH = str(bogus)
    (error,) = font_present()
    assert error.id == "portal.E003"
