"""Diplomas and certified copies as the holder receives them: signed by the authority, readable, scannable."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from core.credential import EMBEDDED_FILE_NAME, verification_code
from core.diploma import CertifiedCopy, Diploma, Signatory
from signer.diplomas import DIPLOMA_REASON, issue_certified_copy, issue_diploma
from signer.sign import make_validation_context
from signer.errors import SignerError
from signer.importing.diplomas import AuthorityProfile, import_diplomas
from signer.importing.store import DiplomaStore
from signer.layout import COPY_FIELD, DIPLOMA_FIELD
from signer.render_diploma import render_diploma

EXAMPLES = Path(__file__).parents[2] / "examples"
BASE_URL = "https://xacthuc.sogd.hcm.edu.vn"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> DiplomaStore:
    """The example lists imported: THPT 2026, THCS 2026 and the paper register of 2009."""
    store = DiplomaStore(tmp_path_factory.mktemp("diplomas"))
    sgd = AuthorityProfile.load(EXAMPLES / "authority-SGD-79.toml")
    for path, profile, legacy in (("tot-nghiep-THPT-2026.csv", sgd, False), ("so-goc-giay-THPT-2009.csv", sgd, True),
                                  ("tot-nghiep-THCS-2026.csv", AuthorityProfile.load(EXAMPLES / "authority-PGD-760.toml"),
                                   False)):
        assert import_diplomas(EXAMPLES / path, profile, store, legacy=legacy).ok
    return store


@pytest.fixture(scope="module")
def director(dev_pki):
    return dev_pki.signer_key("director")


@pytest.fixture(scope="module")
def issued(store, director, dev_timestamper, dev_pki):
    diploma = store.load("SGD-79", 2026)[0]
    return diploma, issue_diploma(diploma, director, dev_timestamper, issued_on="2026-07-20", public_base_url=BASE_URL,
                                  ltv=make_validation_context(dev_pki))  # B-LT, as sogoc diplomas issue signs


@pytest.fixture(scope="module")
def copies(store, issued, director, dev_timestamper, dev_pki):
    """A copy of the digital diploma signed by a deputy, and a copy of a paper diploma of 2009."""
    diploma, original = issued
    deputy = Signatory("Nguyễn Bảo Quốc", "Phó Giám đốc", "Giám đốc")
    digital = CertifiedCopy(diploma, "2026-07-20", "16/BS-2026", deputy, original.credential.id)
    paper_diploma = next(d for d in store.load("SGD-79", 2009) if d.holder.full_name == "Võ Minh Khang")
    paper = CertifiedCopy(paper_diploma, "2009-07-30", "15/BS-2026", Signatory("Lê Thị Minh Châu", "Giám đốc"))
    return [(c, issue_certified_copy(c, director, dev_timestamper, issued_on="2026-09-03", public_base_url=BASE_URL,
                                     ltv=make_validation_context(dev_pki)))
            for c in (digital, paper)]


def pdftotext(pdf: bytes) -> str:
    from test_render import pdftotext as text  # tests/signer is on the path

    return text(pdf)


def test_every_string_of_the_diploma_copies_out_exactly(issued):
    diploma, doc = issued
    text = pdftotext(doc.pdf)
    h = diploma.holder
    expected = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG",
        "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO THÀNH PHỐ HỒ CHÍ MINH",
        "Căn cứ Quyết định số 1234/QĐ-SGDĐT ngày 15/07/2026 công nhận tốt nghiệp trung học phổ thông năm 2026,",
        "cấp bằng tốt nghiệp trung học phổ thông cho:",
        f"Họ và tên: {h.full_name}", "Ngày sinh: 14/03/2008", "Giới tính: Nữ", f"Nơi sinh: {h.place_of_birth}",
        "Dân tộc: Kinh", f"Học sinh trường: {diploma.school}", "Năm tốt nghiệp: 2026",
        "Số hiệu: THPT 0123456", "Số vào sổ gốc cấp văn bằng: 0042/THPT-2026",
        "Thành phố Hồ Chí Minh, ngày 20 tháng 7 năm 2026", "GIÁM ĐỐC", "Lê Thị Minh Châu",
        "Xác thực tại / Verify at", f"{BASE_URL}/v/{doc.credential.id}",
        f"Mã xác thực / Verification code: {verification_code(doc.credential.id)}",
    ]
    missing = [e for e in expected if e not in text]
    assert not missing, f"not in the text layer: {missing}"
    assert "Xếp loại" not in text  # a THPT diploma of 2026 has no classification


def test_a_lower_secondary_diploma_names_the_district_office_and_its_deputy(store, director, dev_timestamper):
    pao = next(d for d in store.load("PGD-760", 2026) if d.holder.full_name == "Vàng A Páo")
    doc = issue_diploma(pao, director, dev_timestamper, issued_on="2026-06-20", public_base_url=BASE_URL)
    text = pdftotext(doc.pdf)
    for expected in ("BẰNG TỐT NGHIỆP TRUNG HỌC CƠ SỞ", "TRƯỞNG PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN 1",
                     "công nhận tốt nghiệp trung học cơ sở năm 2026", "Dân tộc: Mông", "Quận 1, ngày 20 tháng 6 năm 2026",
                     "KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "Phạm Quốc Bảo", "Số hiệu: THCS 2210046"):
        assert expected in text


def test_the_diploma_is_one_a4_landscape_page_carrying_its_credential(issued):
    diploma, doc = issued
    reader = PdfFileReader(io.BytesIO(doc.pdf))
    assert reader.root["/Pages"]["/Count"] == 1
    box = reader.root["/Pages"]["/Kids"][0]["/MediaBox"]
    assert (round(float(box[2])), round(float(box[3]))) == (842, 595)
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert names[0] == EMBEDDED_FILE_NAME and names[1]["/EF"]["/F"].data == doc.credential.to_json()
    assert Diploma.from_fields(doc.credential.fields) == diploma


def test_one_certifying_time_stamped_signature_by_the_director(issued, dev_pki, signing_time):
    _, doc = issued
    [sig] = PdfFileReader(io.BytesIO(doc.pdf)).embedded_signatures
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=dev_pki.trust_roots(), allow_fetching=False))
    assert status.bottom_line, status.pretty_print_details()
    assert sig.field_name == DIPLOMA_FIELD and sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert status.signing_cert.subject.native["common_name"] == "Lê Thị Minh Châu"
    assert sig.docmdp_level == MDPPerm.NO_CHANGES and status.docmdp_ok  # certifying: nothing may be added after it
    assert status.timestamp_validity.trusted and status.timestamp_validity.timestamp == signing_time
    assert sig.sig_object["/Reason"] == DIPLOMA_REASON
    assert "/AP" in sig.sig_field and sig.sig_field["/Rect"][2] > sig.sig_field["/Rect"][0]  # a visible stamp


def test_the_diploma_and_its_copies_carry_their_validation_material(issued, copies):
    """B-LT, as transcripts: the director's and the TSA's certificates and the CAs' CRLs are in the file."""
    for doc in [issued[1], *(c for _, c in copies)]:
        dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(doc.pdf)))
        names = {c.subject.native["common_name"] for c in dss.load_certs()}
        assert {"Lê Thị Minh Châu", "Sổ Gốc Time-Stamping Authority (DEV)"} <= names and len(dss.crls) >= 2


@pytest.mark.pdfsig
def test_pdfsig_accepts_the_diploma_and_both_copies(issued, copies, dev_pki, tmp_path):
    import shutil

    from test_pdfsig import nss_db, pdfsig  # tests/signer is on the path

    if not (shutil.which("pdfsig") and shutil.which("certutil")):
        pytest.skip("pdfsig (poppler-utils) or certutil (libnss3-tools) is not installed")
    db = nss_db(tmp_path / "nss", dev_pki.root_pem)
    for field, pdf in ((DIPLOMA_FIELD, issued[1].pdf), (COPY_FIELD, copies[0][1].pdf), (COPY_FIELD, copies[1][1].pdf)):
        [report] = pdfsig(pdf, db, tmp_path)
        assert report["Signature Field Name"] == field
        assert report["Signer Certificate Common Name"] == "Lê Thị Minh Châu"
        assert report["Signature Validation"] == "Signature is Valid.", report
        assert report["Certificate Validation"] == "Certificate is Trusted.", report


def test_the_qr_code_scans_to_the_verification_url(issued, copies, tmp_path):
    from test_render import tool  # tests/signer is on the path

    for name, doc in (("diploma", issued[1]), ("copy", copies[1][1])):
        (tmp_path / f"{name}.pdf").write_bytes(doc.pdf)
        subprocess.run([tool("pdftoppm"), "-r", "150", "-png", tmp_path / f"{name}.pdf", tmp_path / name], check=True)
        [png] = tmp_path.glob(f"{name}*.png")
        decoded = subprocess.run([tool("zbarimg"), "--raw", "-q", png], capture_output=True, text=True)
        assert decoded.stdout.splitlines() == [f"{BASE_URL}/v/{doc.credential.id}"]


def test_a_copy_of_a_paper_diploma_says_it_is_a_copy_and_repeats_the_register_entry(copies):
    copy, doc = copies[1]
    text = pdftotext(doc.pdf)
    for expected in ("BẢN SAO", "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG", "Họ và tên: Võ Minh Khang",
                     "Xếp loại tốt nghiệp: Khá", "Số hiệu: B 0456123", "Số vào sổ gốc cấp văn bằng: 2315/TN-2009",
                     "Thành phố Hồ Chí Minh, ngày 30 tháng 7 năm 2009", "(Đã ký)", "Huỳnh Công Minh",
                     "SAO TỪ SỔ GỐC", "Số vào sổ cấp bản sao: 15/BS-2026",
                     "Bản chính: văn bằng giấy (Sổ gốc cấp bằng tốt nghiệp THPT năm 2009, quyển 2, trang 41)",
                     "Thành phố Hồ Chí Minh, ngày 03 tháng 9 năm 2026", "Lê Thị Minh Châu"):
        assert expected in text, expected
    assert doc.credential.kind.name == "CERTIFIED_COPY" and doc.credential.issued_on == "2026-09-03"
    assert CertifiedCopy.from_fields(doc.credential.fields) == copy


def test_a_copy_of_a_digital_diploma_names_the_original_by_its_code(copies, issued):
    _, doc = copies[0]
    text = pdftotext(doc.pdf)
    original = issued[1].credential
    assert f"Bản chính: văn bằng điện tử, mã xác thực {verification_code(original.id)}" in text
    assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text and "Nguyễn Bảo Quốc" in text
    assert doc.credential.fields["original_document_id"] == original.id


def test_a_paper_diploma_is_not_issued_again(store):
    old = store.load("SGD-79", 2009)[0]
    with pytest.raises(SignerError) as e:
        render_diploma(old, old.to_credential(), f"{BASE_URL}/v/x")
    assert e.value.code == "legacy_not_rendered"
