"""A real headless Chromium (Debian's ``chromium``) driven by playwright, against the real demo.

The demo is tests/e2e's fixture (``sogoc demo`` on a fresh data dir: real anvil, SQLite, signed
PDFs; then ``sogoc serve`` on a free port), instantiated once more for this folder so that what
these tests revoke does not change what tests/e2e sees. One browser per test module; each test
gets a fresh context (no cookies, no cache) at phone width.

Its fake camera plays a video made from the demo's first printed transcript (see fake_camera.py):
first a QR code of another site for a few seconds, then the transcript's own QR code.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest
import segno
from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright

import fake_camera

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
FOREIGN_QR = fake_camera.FOREIGN_QR
FOREIGN_SECONDS, OWN_SECONDS = 3, 3


def _load_e2e_fixtures():
    spec = importlib.util.spec_from_file_location("sogoc_e2e_conftest", ROOT / "tests" / "e2e" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


demo = _load_e2e_fixtures().demo


@pytest.fixture(scope="session")
def camera_video(demo, tmp_path_factory) -> Path:
    """The fake camera's Y4M video; zbarimg first reads both codes in it, so a failed scan is the page's fault."""
    tmp = tmp_path_factory.mktemp("camera")
    page = fake_camera.rasterise(demo.issued[0][0], tmp)
    own = fake_camera.shaken(fake_camera.qr_corner(page), round(OWN_SECONDS * fake_camera.FPS))
    png = io.BytesIO()
    segno.make(FOREIGN_QR, error="m").save(png, kind="png", scale=6, border=4)
    foreign = fake_camera.shaken(Image.open(png).convert("RGB"), round(FOREIGN_SECONDS * fake_camera.FPS), fill=0.6)
    assert fake_camera.decode_with_zbar(own[0], tmp) == [demo.issued[0][1]], \
        "the cropped corner of the printed transcript shows no readable QR code: has the layout moved it?"
    assert fake_camera.decode_with_zbar(foreign[0], tmp) == [FOREIGN_QR]
    return fake_camera.write_y4m(foreign + own, tmp / "camera.y4m")


@pytest.fixture(scope="module")
def browser(camera_video) -> Iterator[Browser]:
    """One Chromium per test module, not per session: playwright's sync API keeps an asyncio loop
    running in this thread while it is open, and tests elsewhere call asyncio.run (pyHanko does)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: `make test-deps` installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=[
            "--no-sandbox",  # the tests run as root in a container
            "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
            "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={camera_video}",
        ])
        try:
            yield browser
        finally:
            browser.close()


def _new_page(browser: Browser, **options) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="vi-VN", **options)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    try:
        yield page
    finally:
        context.close()
    assert not problems, f"the browser reported: {problems}"  # CSP violations land here too


@pytest.fixture
def page(browser) -> Iterator[Page]:
    """A phone-sized tab of someone who has not allowed the camera."""
    yield from _new_page(browser)


@pytest.fixture
def camera_page(browser) -> Iterator[Page]:
    """A phone-sized tab of someone who tapped "Allow" when asked for the camera."""
    yield from _new_page(browser, permissions=["camera"])


@pytest.fixture
def no_script_page(browser) -> Iterator[Page]:
    """A phone-sized tab with JavaScript turned off."""
    yield from _new_page(browser, java_script_enabled=False)


@pytest.fixture(scope="session")
def shoot() -> Callable[..., None]:
    """``shoot(page, name)``: full-page screenshots at phone and desktop width, kept under test-artifacts/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page: Page, name: str, *, widths: tuple[str, ...] = ("phone", "desktop")) -> None:
        original = page.viewport_size
        for width in widths:
            page.set_viewport_size(PHONE if width == "phone" else DESKTOP)
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
        page.set_viewport_size(original)

    return shoot
