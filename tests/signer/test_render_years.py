"""A multi-year transcript (grades 10-12) on consecutive pages, signed once by the current homeroom
teacher and the principal: what a reader sees on each page, and what pyHanko and pdfsig say."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from core.credential import EMBEDDED_FILE_NAME, verification_code
from core.multiyear import MultiYearTranscript
from signer.errors import SignerError
from signer.importing import SchoolProfile, TranscriptStore, import_file
from signer.layout import SIGNATURE_BOXES
from signer.render_years import render_document
from signer.sign import PRINCIPAL_FIELD, TEACHER_FIELD, sign_transcript
from verifier.pdf import check_signatures, extract_credential_json

EXAMPLES = Path(__file__).parents[2] / "examples"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian poppler-utils / zbar-tools / libnss3-tools)")
    return path


def page_text(pdf: bytes, page: int) -> str:
    """One page's text as a reader copies it, NFC, runs of whitespace collapsed."""
    out = subprocess.run([tool("pdftotext"), "-f", str(page), "-l", str(page), "-", "-"], input=pdf,
                         capture_output=True, check=True).stdout
    return " ".join(unicodedata.normalize("NFC", out.decode("utf-8")).split())


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> list[MultiYearTranscript]:
    profile = SchoolProfile.load(EXAMPLES / "school-THPT-79-NTMK.toml")
    result = import_file(EXAMPLES / "hoc-ba-THPT-10-12.csv", profile,
                         TranscriptStore(tmp_path_factory.mktemp("store")), multi_year=True, dry_run=True)
    assert result.ok
    return sorted(result.transcripts, key=lambda d: d.student.personal_id)


@pytest.fixture(scope="module")
def rendered(documents, verify_url_for):
    doc = next(d for d in documents if d.student.full_name == "Nguyễn Thị Ánh Tuyết")
    credential = doc.to_credential("2026-06-05")
    url = verify_url_for(credential)
    return doc, credential, url, render_document(doc, credential, url)


@pytest.fixture(scope="module")
def signed(rendered, dev_keys, dev_timestamper, dev_ltv) -> bytes:
    return sign_transcript(rendered[3], *dev_keys, dev_timestamper, dev_ltv)


def test_one_page_per_school_year_in_order_with_the_same_header_and_student(rendered):
    doc, credential, url, pdf = rendered
    reader = PdfFileReader(io.BytesIO(pdf))
    assert reader.root["/Pages"]["/Count"] == 3
    s = doc.student
    for number, year in enumerate(doc.years, start=1):
        text = page_text(pdf, number)
        expected = [
            "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", doc.school.authority.upper(),
            doc.school.name.upper(), "HỌC BẠ", "TRUNG HỌC PHỔ THÔNG",
            f"Kết quả học tập và rèn luyện năm học {year.school_year}",
            f"Họ và tên: {s.full_name}", "Ngày sinh: 14/03/2008", f"Giới tính: {s.gender}",
            f"Nơi sinh: {s.place_of_birth}", f"Số định danh cá nhân: {s.personal_id}",
            f"Lớp: {year.class_name}", f"Năm học: {year.school_year}", "Môn học Học kì I Học kì II Cả năm",
            f"Kết quả học tập: {year.learning_result}", f"Kết quả rèn luyện: {year.conduct}",
            f"Số ngày nghỉ học cả năm: {year.days_absent}", f"Quyết định: {year.promotion}", year.teacher_comment,
            "Giáo viên chủ nhiệm", year.homeroom_teacher,
            f"Trang {number}/3", "Xác thực tại / Verify at", url,
            f"Mã xác thực / Verification code: {verification_code(credential.id)}",
        ]
        expected += [f"{i} {r.subject} {r.term1} {r.term2} {r.year}" for i, r in enumerate(year.subjects, start=1)]
        missing = [e for e in expected if e not in text]
        assert not missing, f"page {number}: not in the text layer: {missing}"
        other_years = [y.teacher_comment for y in doc.years if y is not year]
        assert not any(c in text for c in other_years), "each page shows its own year only"


def test_only_the_last_page_has_the_signature_boxes(rendered):
    doc, _, _, pdf = rendered
    last = page_text(pdf, 3)
    for text in ("Hiệu trưởng", "(Chữ ký số)", "(Chữ ký số và dấu của nhà trường)", doc.principal,
                 doc.years[2].homeroom_teacher, "Thành phố Hồ Chí Minh, ngày 05 tháng 6 năm 2026"):
        assert text in last, text
    for number in (1, 2):
        text = page_text(pdf, number)
        assert "(Chữ ký số" not in text and doc.principal not in text and "ngày 05 tháng 6 năm 2026" not in text
        assert f"năm học {doc.years[number - 1].school_year}, lớp {doc.years[number - 1].class_name}" in text
        for line in ("Học bạ gồm các năm học liền nhau, được ký số", "một lần ở trang 3/3 bởi giáo viên chủ nhiệm",
                     "năm học 2025-2026 và hiệu trưởng."):
            assert line in text, line


def test_every_page_has_a_qr_code_that_scans_to_the_verify_url(rendered, tmp_path):
    _, _, url, pdf = rendered
    (tmp_path / "t.pdf").write_bytes(pdf)
    subprocess.run([tool("pdftoppm"), "-r", "150", "-png", tmp_path / "t.pdf", tmp_path / "page"], check=True)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == 3
    for png in pngs:
        decoded = subprocess.run([tool("zbarimg"), "--raw", "-q", png], capture_output=True, text=True)
        assert decoded.stdout.splitlines() == [url], png.name


def test_fonts_embedded_and_the_credential_attached(rendered):
    _, credential, _, pdf = rendered
    out = subprocess.run([tool("pdffonts"), "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in out.splitlines()[2:]]
    assert rows and all("DejaVuSans" in row[0] and row[-5] == "yes" for row in rows), out
    assert extract_credential_json(pdf) == credential.to_json()
    names = PdfFileReader(io.BytesIO(pdf)).root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert names[0] == EMBEDDED_FILE_NAME


def test_a_year_that_does_not_fit_its_page_is_refused(rendered):
    doc = rendered[0]
    long_year = dataclasses.replace(doc.years[1], teacher_comment="Rất chăm chỉ và tiến bộ. " * 120)
    too_long = dataclasses.replace(doc, years=(doc.years[0], long_year, doc.years[2]))
    with pytest.raises(SignerError) as e:
        render_document(too_long, too_long.to_credential("2026-06-05"), "https://x.test/v/x")
    assert e.value.code == "transcript_too_long" and "2024-2025" in e.value.detail


def test_signed_by_the_current_teacher_and_the_principal_valid_and_trusted(signed, rendered, dev_pki, signing_time):
    reader = PdfFileReader(io.BytesIO(signed))
    names = []
    for sig in reader.embedded_signatures:
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=dev_pki.trust_roots(), allow_fetching=False))
        assert status.intact and status.valid and status.trusted and status.bottom_line, status.pretty_print_details()
        assert status.timestamp_validity.timestamp == signing_time
        names.append(status.signing_cert.subject.native["common_name"])
    assert names == ["Trần Thị Thu Hương", "Nguyễn Văn Đức"]
    assert [s.field_name for s in check_signatures(signed, dev_pki.trust_roots())] == [TEACHER_FIELD, PRINCIPAL_FIELD]
    assert signed.startswith(rendered[3])
    assert extract_credential_json(signed) == rendered[1].to_json()


def test_the_stamps_are_in_their_boxes_on_the_last_page(signed):
    pages = PdfFileReader(io.BytesIO(signed)).root["/Pages"]["/Kids"]
    assert all("/Annots" not in pages[i] for i in (0, 1))
    widgets = {str(a.get_object()["/T"]): a.get_object() for a in pages[2]["/Annots"]
               if a.get_object().get("/FT") == "/Sig"}
    assert set(widgets) == set(SIGNATURE_BOXES)
    for name, widget in widgets.items():
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        bx1, by1, bx2, by2 = SIGNATURE_BOXES[name]
        assert bx1 < x1 < x2 < bx2 and by1 < y1 < y2 < by2
    text = page_text(signed, 3)
    assert text.count("ĐÃ KÝ SỐ") == 2 and text.count("Trần Thị Thu Hương") == 2


def test_pdfsig_says_both_signatures_are_valid_and_trusted(signed, dev_pki, tmp_path):
    certutil, pdfsig = tool("certutil"), tool("pdfsig")
    db = tmp_path / "nss"
    db.mkdir()
    subprocess.run([certutil, "-N", "-d", f"sql:{db}", "--empty-password"], check=True)
    subprocess.run([certutil, "-A", "-d", f"sql:{db}", "-n", "root", "-t", "CT,C,C", "-i", dev_pki.root_pem],
                   check=True)
    (tmp_path / "signed.pdf").write_bytes(signed)
    out = subprocess.run([pdfsig, "-nssdir", f"sql:{db}", tmp_path / "signed.pdf"], capture_output=True,
                         text=True).stdout
    blocks = re.split(r"^Signature #\d+:$", out, flags=re.M)[1:]
    assert len(blocks) == 2, out
    for block in blocks:
        assert "- Signature Validation: Signature is Valid." in block, block
        assert "- Certificate Validation: Certificate is Trusted." in block, block
