"""The rendered transcript: readable Vietnamese, a QR code that scans, the credential inside."""

import dataclasses
import io
import shutil
import subprocess
import unicodedata

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from core.credential import EMBEDDED_FILE_NAME, document_id_from_code, verification_code
from signer import fonts
from signer.errors import SignerError
from signer.render import render_transcript, vietnamese_date


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian poppler-utils / zbar-tools)")
    return path


def pdftotext(pdf: bytes) -> str:
    """The page's text as a reader copies it, NFC, with runs of whitespace collapsed."""
    out = subprocess.run([tool("pdftotext"), "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(unicodedata.normalize("NFC", out.decode("utf-8")).split())


@pytest.fixture(scope="module")
def rendered(transcripts, verify_url_for):
    """Each demo transcript rendered (unsigned), with its credential and URL."""
    out = []
    for t in transcripts:
        credential = t.to_credential("2026-06-05")
        url = verify_url_for(credential)
        out.append((t, credential, url, render_transcript(t, credential, url)))
    return out


@pytest.mark.parametrize("index", [0, 1, 2])
def test_every_vietnamese_string_copies_out_exactly(rendered, index):
    t, credential, url, pdf = rendered[index]
    text = pdftotext(pdf)
    s = t.student
    day_month_year = "/".join(reversed(s.date_of_birth.split("-")))
    expected = [
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        t.school.authority.upper(), t.school.name.upper(), t.school.name, t.school.address,
        "HỌC BẠ", "KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN",
        f"Họ và tên: {s.full_name}", f"Ngày sinh: {day_month_year}", f"Giới tính: {s.gender}",
        f"Nơi sinh: {s.place_of_birth}", f"Số định danh cá nhân: {s.personal_id}",
        f"Lớp: {t.class_name}", f"Năm học: {t.school_year}",
        "Môn học Học kì I Học kì II Cả năm",
        f"Kết quả học tập: {t.learning_result}", f"Kết quả rèn luyện: {t.conduct}",
        f"Số ngày nghỉ học cả năm: {t.days_absent}", t.promotion, t.teacher_comment,
        "Giáo viên chủ nhiệm", "Hiệu trưởng", t.homeroom_teacher, t.principal,
        "Xác thực tại / Verify at", url, credential.id,
    ]
    expected += [f"{i} {r.subject} {r.term1} {r.term2} {r.year}" for i, r in enumerate(t.subjects, start=1)]
    missing = [e for e in expected if e not in text]
    assert not missing, f"not in the text layer: {missing}"


def test_verification_code_is_printed_beside_the_qr_and_leads_back_to_the_id(rendered):
    _, credential, _, pdf = rendered[0]
    text = pdftotext(pdf)
    code = verification_code(credential.id)
    assert f"Mã xác thực / Verification code: {code}" in text
    assert document_id_from_code(code) == credential.id
    # as someone copies it from paper: upper case, spaces, a zero for an o, a one for an l
    typed = code.upper().replace("-", " ").replace("O", "0").replace("L", "1")
    assert document_id_from_code(typed) == credential.id


def test_qr_code_scans_to_exactly_the_verify_url(rendered, tmp_path):
    _, _, url, pdf = rendered[0]
    (tmp_path / "t.pdf").write_bytes(pdf)
    subprocess.run([tool("pdftoppm"), "-r", "150", "-png", tmp_path / "t.pdf", tmp_path / "page"], check=True)
    [png] = tmp_path.glob("page*.png")
    decoded = subprocess.run([tool("zbarimg"), "--raw", "-q", png], capture_output=True, text=True)
    assert decoded.stdout.splitlines() == [url]


def test_one_a4_page_with_the_credential_attached_as_json(rendered):
    _, credential, _, pdf = rendered[0]
    reader = PdfFileReader(io.BytesIO(pdf))
    assert reader.root["/Pages"]["/Count"] == 1
    box = reader.root["/Pages"]["/Kids"][0]["/MediaBox"]
    width, height = float(box[2]), float(box[3])
    assert (round(width), round(height)) == (595, 842)
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert len(names) == 2 and names[0] == EMBEDDED_FILE_NAME
    stream = names[1]["/EF"]["/F"]
    assert stream["/Subtype"] == "/application/json"
    assert stream.data == credential.to_json()


def test_fonts_are_embedded_so_any_viewer_shows_the_diacritics(rendered):
    _, _, _, pdf = rendered[0]
    out = subprocess.run([tool("pdffonts"), "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in out.splitlines()[2:]]
    assert rows and all("DejaVuSans" in row[0] for row in rows)
    assert all(row[-5] == "yes" for row in rows), out  # the "emb" column


def _font_programs(pdf: bytes) -> list[tuple[str, list[int], bytes, bytes]]:
    """(font file, code points in code order, raw stream bytes, TrueType program) of each font."""
    from pyhanko.pdf_utils import generic

    from signer.appearance import _BFCHAR, _BFCHAR_BLOCK

    reader = PdfFileReader(io.BytesIO(pdf))
    fonts_of_page = reader.root["/Pages"]["/Kids"][0]["/Resources"]["/Font"]
    out = []
    for key in fonts_of_page:
        font = fonts_of_page[key]
        codes = {}
        for block in _BFCHAR_BLOCK.findall(font["/ToUnicode"].data):
            for code, text in _BFCHAR.findall(block):
                codes[int(code, 16)] = ord(bytes.fromhex(text.decode()).decode("utf-16-be"))
        program = font["/FontDescriptor"]["/FontFile2"]
        assert isinstance(program, generic.StreamObject)
        family = str(font["/BaseFont"]).split("+", 1)[-1]
        out.append((family + ".ttf", [codes[c] for c in sorted(codes)], program.encoded_data, program.data))
    return out


def test_font_subsets_are_the_ones_reportlab_makes_whatever_the_text(rendered):
    """Subset programs are made once per process and subset (signer.fonts): each document still
    holds exactly what reportlab cuts and deflates for its own characters, also a document whose
    text needs a subset of its own (Greek and Cyrillic letters)."""
    import zlib

    from reportlab.pdfbase.ttfonts import TTFontFile

    t, credential, url, pdf = rendered[0]
    other = dataclasses.replace(t, teacher_comment="Giỏi toán: α, β, γ; đọc được cả chữ Жж.")
    other_pdf = render_transcript(other, credential, url)
    assert "α, β, γ; đọc được cả chữ Жж" in pdftotext(other_pdf)
    seen = set()
    for document in (pdf, other_pdf, rendered[1][3], render_transcript(other, credential, url)):
        for file_name, code_points, stream, program in _font_programs(document):
            assert program == TTFontFile(str(fonts.find_font(file_name))).makeSubset(code_points)
            assert stream == zlib.compress(program)
            seen.add((file_name, tuple(code_points)))
    assert len(seen) == 3  # both fonts' usual subsets, and the regular one with α, β, γ, Ж, ж


def test_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))
    with pytest.raises(SignerError) as e:
        fonts.find_font("DejaVuSans.ttf")
    assert e.value.code == "font_missing"


def test_dates_are_written_the_vietnamese_way():
    assert vietnamese_date("2026-06-05") == "ngày 05 tháng 6 năm 2026"
    assert vietnamese_date("2026-02-15") == "ngày 15 tháng 02 năm 2026"


def test_a_transcript_that_does_not_fit_one_page_is_refused(transcripts):
    too_long = dataclasses.replace(transcripts[0], teacher_comment="Rất chăm chỉ và tiến bộ. " * 120)
    with pytest.raises(SignerError) as e:
        render_transcript(too_long, too_long.to_credential("2026-06-05"), "https://xacthuc.sogoc.edu.vn/v/x")
    assert e.value.code == "transcript_too_long"


def test_each_stamp_reads_in_vietnamese(signed_transcript):
    """What a reader sees in the boxes, as poppler extracts it from the stamps."""
    text = pdftotext(signed_transcript.pdf)
    assert text.count("ĐÃ KÝ SỐ") == 2
    for name in ("Trần Thị Thu Hương", "Nguyễn Văn Đức"):
        assert text.count(name) == 2  # printed under the box, and in the stamp
    assert text.count("Chứng thư số: Sở Giáo dục và Đào tạo TP. Hồ Chí Minh") == 2
