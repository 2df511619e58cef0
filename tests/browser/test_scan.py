"""Scanning a printed transcript's QR code with the phone's camera inside the page, in a real
Chromium whose fake camera films the printed page (see conftest.py and fake_camera.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fake_camera import FOREIGN_QR
from verifier import i18n

VI, EN = i18n.translator("vi"), i18n.translator("en")
pytestmark = [pytest.mark.browser, pytest.mark.chain]


def test_a_foreign_qr_code_is_named_as_such_then_the_transcripts_code_opens_its_verdict(camera_page, demo, shoot):
    page = camera_page
    page.goto(demo.base_url + "/scan")
    expect(page.get_by_role("heading", level=1)).to_have_text(VI("scan.title"))
    foreign = page.locator("#scan-foreign")
    expect(foreign).to_contain_text(VI("scan.foreign.title"))
    expect(foreign).to_contain_text(FOREIGN_QR)
    expect(page.get_by_role("status")).to_have_text(VI("scan.looking"))
    shoot(page, "scan-foreign-qr", widths=("phone",))
    page.wait_for_url(demo.issued[0][1], timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text(VI("verdict.valid.title"))


def test_in_english_under_another_host_name_the_public_base_url_is_recognised(camera_page, demo, shoot):
    """The QR codes carry the configured public base URL (127.0.0.1 here); the page is opened as localhost."""
    page = camera_page
    page.set_viewport_size({"width": 1280, "height": 800})
    here = demo.base_url.replace("127.0.0.1", "localhost")
    page.goto(here + "/scan?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#scan-foreign")).to_contain_text(EN("scan.foreign.title"))
    shoot(page, "scan-foreign-qr-en", widths=("desktop",))
    page.wait_for_url(f"{here}/v/{demo.document_id(0)}?lang=en", timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text(EN("verdict.valid.title"))


def test_without_camera_permission_the_page_explains_and_the_typed_code_works(page, demo, shoot):
    page.goto(demo.base_url + "/scan")
    problem = page.locator("#scan-problem-denied")
    expect(problem).to_be_visible()
    expect(problem.get_by_role("heading")).to_have_text(VI("scan.problem.denied.title"))
    expect(page.locator("video")).to_be_hidden()
    shoot(page, "scan-camera-denied")
    code = demo.document_id(0)
    page.get_by_label(VI("scan.type.label"), exact=True).fill(" ".join(code[i:i + 4] for i in range(0, len(code), 4)).upper())
    page.get_by_role("button", name=VI("scan.type.submit")).click()
    expect(page).to_have_url(demo.issued[0][1])
    expect(page.get_by_role("heading", level=1)).to_have_text(VI("verdict.valid.title"))


def test_without_javascript_the_page_explains_and_the_typed_code_works(no_script_page, demo, shoot):
    page = no_script_page
    page.goto(demo.base_url + "/scan?lang=en")
    expect(page.get_by_role("heading", name=EN("scan.nojs.title"))).to_be_visible()
    expect(page.locator("video")).to_be_hidden()
    shoot(page, "scan-no-javascript")
    page.get_by_label(EN("scan.type.label"), exact=True).fill(demo.document_id(0))
    page.get_by_role("button", name=EN("scan.type.submit")).click()
    expect(page).to_have_url(demo.issued[0][1] + "?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text(EN("verdict.valid.title"))
