"""A kiosk set to Chinese, in a real headless Chromium whose browser language is English.

The administrator sets the kiosk's language on the organization pages; the
kiosk's page reloads itself in that language after reading its configuration,
its words come from the Chinese script catalogue, and the result is spoken with
a Chinese voice (lang zh-CN). The speech engine is recorded, not played: a
headless browser has no voices.
"""

import re

import pytest

from tests import photos
from tests.e2e.camera import launch
from tests.e2e.stack import Browser, running_stack
from tests.e2e.test_kiosk_browser import pairing_link, register_kiosk, result

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# what the page asks the speech engine to say, kept for the test
RECORD_SPEECH = """
(() => {
  window.__spoken = [];
  if (!window.SpeechSynthesisUtterance) {
    window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ""; };
  }
  const engine = window.speechSynthesis || {};
  engine.speak = (utterance) => window.__spoken.push({ text: utterance.text, lang: utterance.lang });
  engine.cancel = () => {};
  if (!window.speechSynthesis) window.speechSynthesis = engine;
})();
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("kiosk-language"), production=False) as s:
        yield s


@pytest.fixture(scope="module")
def admin(stack):
    browser = Browser(stack.url)
    browser.sign_in_admin()
    obama = browser.add_person("Barack Obama", "1042", [photos.OBAMA_2, photos.OBAMA_3])
    assert browser.wait_for_encoding(obama) == ["accepted", "accepted"]
    return browser


def kiosk_language_set(admin, kiosk_id, name, language):
    fields = {"name": name, "location": "Lobby", "mode": "identify", "direction": "auto", "language": language}
    response = admin.submit(f"/org/kiosks/{kiosk_id}/", fields)
    assert response.status_code == 302, response.text[:2000]


def open_english_browser(playwright, camera, link):
    browser = launch(playwright, camera)
    context = browser.new_context(locale="en-US", viewport={"width": 1024, "height": 768})
    context.add_init_script(RECORD_SPEECH)
    page = context.new_page()
    page.goto(link)
    page.click("#pair-form button[type=submit]")
    return browser, page


def test_a_kiosk_set_to_chinese_shows_and_speaks_chinese_in_an_english_browser(admin, playwright, cameras):
    kiosk = register_kiosk(admin, "Front desk")
    kiosk_language_set(admin, kiosk, "Front desk", "zh-hans")
    browser, page = open_english_browser(playwright, cameras["obama"], pairing_link(admin, kiosk))
    try:
        # the pairing page itself follows the browser: English
        page.wait_for_url("**/kiosk/?language=zh-hans", timeout=30_000)
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        page.wait_for_function("() => document.getElementById('kiosk-name').textContent.startsWith('Front desk')")
        assert "考勤终端" in page.title()
        # the script's own words: from the Chinese catalogue
        page.wait_for_function(
            "() => ['请看摄像头', '请稍候…', '请保持不动…'].includes(document.getElementById('prompt').textContent)"
        )
        outcome, message = result(page)
        assert outcome == "checked_in", message
        assert "Barack Obama" in message
        page.wait_for_function("() => window.__spoken.length > 0")
        spoken = page.evaluate("() => window.__spoken")
        assert spoken[0] == {"text": message, "lang": "zh-CN"}
    finally:
        browser.close()


def test_a_kiosk_without_a_language_follows_its_browser_and_speaks_english(admin, playwright, cameras):
    kiosk = register_kiosk(admin, "Back door")
    browser, page = open_english_browser(playwright, cameras["obama"], pairing_link(admin, kiosk))
    try:
        page.wait_for_url(re.compile(r".*/kiosk/$"), timeout=30_000)
        page.wait_for_selector("#go:not([hidden])", timeout=30_000)
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("#go").inner_text() == "Tap to check in or out"
        outcome, message = result(page)
        assert outcome in ("checked_in", "checked_out", "already"), message
        page.wait_for_function("() => window.__spoken.length > 0")
        assert page.evaluate("() => window.__spoken")[0] == {"text": message, "lang": "en-US"}
    finally:
        browser.close()
