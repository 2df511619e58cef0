"""The verification pages in a real Chromium, as an employer uses them: open a QR address, upload a
PDF, switch language. Texts are the catalogue's (verifier/i18n.py), so the tests read what a person
reads without repeating it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from verifier import i18n

VI, EN = i18n.translator("vi"), i18n.translator("en")
pytestmark = [pytest.mark.browser, pytest.mark.chain]

DECISION = "Quyết định số 27/QĐ-THPT ngày 20/11/2026 của Hiệu trưởng"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


@pytest.fixture(scope="module")
def revoked(demo):
    """The third demo transcript, revoked by its school through the CLI: (PDF path, QR address)."""
    path, url = demo.issued[2]
    result = demo.sogoc("revoke", url.rsplit("/", 1)[1], "--reason", "issuer_error", "--decision", DECISION)
    assert result.returncode == 0, result.stderr
    return path, url


def upload(page: Page, demo, path) -> None:
    page.goto(demo.base_url + "/")
    page.locator("input[type=file]").set_input_files(path)
    page.get_by_role("button", name=VI("home.file.submit")).click()
    page.wait_for_load_state()


def test_the_home_page_offers_code_file_and_camera_and_switches_to_english(page, demo, shoot):
    page.goto(demo.base_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(heading(page)).to_have_text(VI("home.title"))
    expect(page.get_by_label(VI("home.id.label"), exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=VI("home.scan.link"))).to_be_visible()
    shoot(page, "home-vi")
    page.get_by_role("link", name=VI("site.switch")).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(heading(page)).to_have_text(EN("home.title"))
    expect(page.get_by_role("link", name=EN("home.scan.link"))).to_have_attribute("href", "/scan?lang=en")
    shoot(page, "home-en")


def test_a_qr_address_opens_the_verdict_in_vietnamese_then_english(page, demo, shoot):
    page.goto(demo.issued[0][1])
    expect(heading(page)).to_have_text(VI("verdict.valid.title"))
    for name in ("Nguyễn Thị Ánh Tuyết", "Trường THPT Nguyễn Thị Minh Khai", "Trần Thị Thu Hương", "Nguyễn Văn Đức"):
        expect(page.get_by_text(name).first).to_be_visible()
    shoot(page, "qr-valid-vi")
    page.get_by_role("link", name=VI("site.switch")).click()
    expect(page).to_have_url(demo.issued[0][1] + "?lang=en")
    expect(heading(page)).to_have_text(EN("verdict.valid.title"))
    shoot(page, "qr-valid-en")
    page.get_by_role("link", name=EN("site.switch")).click()
    expect(heading(page)).to_have_text(VI("verdict.valid.title"))


def test_uploading_the_genuine_pdf_says_valid(page, demo, shoot):
    upload(page, demo, demo.issued[0][0])
    expect(heading(page)).to_have_text(VI("verdict.valid.title"))
    expect(page.get_by_text("Nguyễn Thị Ánh Tuyết").first).to_be_visible()
    shoot(page, "upload-valid")


def test_uploading_a_pdf_with_one_byte_changed_says_tampered(page, demo, tmp_path, shoot):
    data = bytearray(demo.issued[0][0].read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered = tmp_path / "hoc-ba-da-sua.pdf"
    tampered.write_bytes(bytes(data))
    upload(page, demo, tampered)
    expect(heading(page)).to_have_text(VI("verdict.tampered.title"))
    shoot(page, "upload-tampered")


def test_uploading_a_revoked_pdf_says_revoked_with_the_decision(page, demo, revoked, shoot):
    upload(page, demo, revoked[0])
    expect(heading(page)).to_have_text(VI("verdict.revoked.title"))
    expect(page.get_by_text(DECISION).first).to_be_visible()
    shoot(page, "upload-revoked")


def test_the_qr_address_of_a_revoked_transcript_says_revoked(page, revoked, shoot):
    page.goto(revoked[1])
    expect(heading(page)).to_have_text(VI("verdict.revoked.title"))
    expect(page.get_by_text(DECISION).first).to_be_visible()
    shoot(page, "qr-revoked")


def test_a_photo_instead_of_the_pdf_gets_a_plain_explanation(page, demo, tmp_path, shoot):
    photo = tmp_path / "anh-chup-hoc-ba.pdf"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2048))
    upload(page, demo, photo)
    expect(heading(page)).to_have_text(VI("error.not_a_pdf.title"))
    shoot(page, "upload-not-a-pdf")


def test_a_mistyped_code_says_not_found(page, demo, shoot):
    page.goto(demo.base_url + "/")
    real = demo.document_id(0)
    page.get_by_label(VI("home.id.label"), exact=True).fill(real[:-1] + ("b" if real.endswith("a") else "a"))
    page.get_by_role("button", name=VI("home.id.submit")).click()
    expect(heading(page)).to_have_text(VI("error.unknown_document.title"))
    shoot(page, "code-not-found")
