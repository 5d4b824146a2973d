"""A video recognized on the production stack: gunicorn, PostgreSQL, Redis and a separate celery worker.

The clip is uploaded through the Recognize page; the worker (a real process,
real dlib) tracks the faces while the page's status endpoint reports
progress; the result lists both people with their times and the stranger.
"""

import pytest

from tests import photos
from tests.clips import Walk, clip, sprite
from tests.e2e.stack import Browser, form_fields, running_stack, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("video-production"), production=True) as running:
        yield running


def test_a_video_uploaded_on_the_page_is_recognized_by_the_worker(stack, tmp_path):
    walks = [
        Walk(sprite(photos.OBAMA, 90), 0.0, 2.0, (0, 80), (420, 60)),
        Walk(sprite(photos.BIDEN, 90), 2.5, 4.5, (440, 100), (0, 80)),
        Walk(sprite(photos.STRANGER, 90), 5.0, 6.5, (100, 60), (300, 90)),
    ]
    data = clip(tmp_path / "walks.mp4", walks, seconds=7.0, fps=10).read_bytes()
    browser = Browser(stack.url)
    browser.sign_in_admin()
    browser.enroll_obama_and_biden()

    fields = form_fields(browser.get("/recognize/").text)
    response = browser.session.post(
        stack.url + "/recognize/videos/",
        data=fields,
        files={"video": ("walks.mp4", data, "video/mp4")},
        headers={"Referer": stack.url + "/recognize/"},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.text[:2000]
    page = response.headers["Location"]
    job_id = int(page.rstrip("/").rsplit("/", 1)[1])
    assert "<progress" in browser.get(page).text  # queued or running: the progress bar
    seen = []

    def finished():
        status = browser.get(page + "status/").json()
        seen.append(status["percent"])
        return status["status"] in ("done", "failed")

    wait_until(finished, 180, "the video's recognition")
    body = browser.get(f"/api/v1/videos/{job_id}/").json()
    assert body["status"] == "done", body
    names = [f["person"]["name"] if f["person"] else None for f in body["faces"]]
    assert names == ["Barack Obama", "Joe Biden", None]
    for face, (begins, ends) in zip(body["faces"], [(0.0, 2.0), (2.5, 4.5), (5.0, 6.5)], strict=True):
        # the times of analysed frames (5 a second): within one step and a bit of the truth
        assert face["first_seen"] == pytest.approx(begins, abs=0.35), face
        assert face["last_seen"] == pytest.approx(ends, abs=0.35), face
    assert body["kept"] is False and seen[-1] == 100
    html = browser.get(page).text
    assert "Barack Obama" in html and "Joe Biden" in html
    picture = browser.session.get(body["faces"][0]["picture"], timeout=30)
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/jpeg"
