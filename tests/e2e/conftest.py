"""What the browser tests share: one Playwright per module, and fake cameras showing the fixture photos."""

import pytest

from tests import photos
from tests.e2e.camera import camera_picture, write_y4m


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def cameras(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cameras")
    return {
        name: write_y4m(folder / f"{name}.y4m", [camera_picture(path)])
        for name, path in [("obama", photos.OBAMA), ("biden", photos.BIDEN), ("stranger", photos.STRANGER)]
    }
