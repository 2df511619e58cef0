"""A transcript (học bạ) as a one-page A4 PDF that a school would print and file.

The page follows the layout of a Vietnamese school record (Thông tư 22/2021): the national
header, the supervising authority and the school, the student's identity, the subjects
table, the year's results, the homeroom teacher's comment, the two signature boxes, and a
QR code leading to the public verification page. The credential's canonical JSON rides
along as an embedded file, so the signed PDF alone is enough to recompute its leaf.

Text is drawn with DejaVu Sans (subset-embedded), so every Vietnamese string can be
copied out of the PDF exactly as written.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import segno
from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from core.credential import EMBEDDED_FILE_NAME, Credential, verification_code
from core.transcript import Transcript
from signer import qr_speedups
from signer.errors import SignerError
from signer.fonts import cover_stamp_alphabet, register_fonts
from signer.layout import CONTENT_WIDTH, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, PRINCIPAL_FIELD, SIGNATURE_BOXES

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9a9a9a")
HEADER_FILL = colors.HexColor("#e8edf3")

FLOW_BOTTOM = 268.0  # the flowing content must end above the date line of the signature area

# segno tries the eight QR masks one module at a time; the same choice and code, row by row.
qr_speedups.install()


def render_transcript(transcript: Transcript, credential: Credential, verify_url: str) -> bytes:
    """The unsigned PDF of ``transcript``, with ``credential.to_json()`` embedded.

    ``verify_url`` goes into the QR code verbatim and is printed beside it.
    """
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, initialFontName=regular)
    student = transcript.student
    canvas.setTitle(f"Học bạ {transcript.school_year} — {student.full_name}")
    canvas.setAuthor(transcript.school.name)
    canvas.setSubject("Học bạ — Kết quả học tập và rèn luyện")
    canvas.setCreator("Sổ Gốc")
    page = TranscriptPage(canvas, regular, bold)
    y = page.header(transcript)
    y = page.student_block(transcript, y - 26)
    y = page.subjects_table(transcript, y - 12)
    y = page.results(transcript, y - 14)
    if y < FLOW_BOTTOM:
        raise SignerError("the transcript does not fit on one page (too many subjects or a very long comment)",
                          code="transcript_too_long")
    page.signatures(transcript, credential.issued_on)
    page.footer(transcript, credential, verify_url)
    canvas.showPage()
    canvas.save()
    return embed_credential(buffer.getvalue(), credential.to_json())


def embed_credential(pdf: bytes, credential_json: bytes) -> bytes:
    """Attach the credential as an embedded file, in an update before any signature."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    data = embed.EmbeddedFileObject.from_file_data(
        writer, data=credential_json, mime_type="application/json",
        params=embed.EmbeddedFileParams(embed_size=True))
    spec = embed.FileSpec(file_spec_string=EMBEDDED_FILE_NAME, file_name=EMBEDDED_FILE_NAME,
                          embedded_data=data, description="Sổ Gốc credential (canonical JSON)")
    embed.embed_file(writer, spec)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def vietnamese_date(iso_date: str) -> str:
    """``2026-06-05`` -> ``ngày 05 tháng 6 năm 2026`` (day below 10 and months 1-2 get a 0)."""
    year, month, day = (int(part) for part in iso_date.split("-"))
    month_text = f"{month:02d}" if month < 3 else str(month)
    return f"ngày {day:02d} tháng {month_text} năm {year}"


def dmy(iso_date: str) -> str:
    """``2008-03-14`` -> ``14/03/2008``, as Vietnamese documents write a date of birth."""
    year, month, day = iso_date.split("-")
    return f"{day}/{month}/{year}"


class Drawing:
    """Text helpers bound to one canvas, shared by every document's page."""

    def __init__(self, canvas: Canvas, regular: str, bold: str) -> None:
        self.c, self.regular, self.bold = canvas, regular, bold
        canvas.setFillColor(INK)
        cover_stamp_alphabet(canvas, (regular, bold))  # the signers' stamps draw with these fonts

    def centred(self, text: str, x: float, y: float, size: float, *, bold: bool = False,
                max_width: float | None = None, underline: bool = False) -> None:
        """Draw ``text`` centred on ``x``, shrinking it if needed to stay on one line."""
        font = self.bold if bold else self.regular
        while max_width and size > 5 and stringWidth(text, font, size) > max_width:
            size -= 0.25
        self.c.setFont(font, size)
        self.c.drawCentredString(x, y, text)
        if underline:
            half = stringWidth(text, font, size) / 2
            self.c.setLineWidth(0.6)
            self.c.line(x - half * 0.6, y - 5.5, x + half * 0.6, y - 5.5)

    def labelled(self, x: float, y: float, label: str, value: str, size: float = 10) -> None:
        self.c.setFillColor(MUTED)
        self.c.setFont(self.regular, size)
        self.c.drawString(x, y, label)
        self.c.setFillColor(INK)
        self.c.setFont(self.bold, size)
        self.c.drawString(x + stringWidth(label + " ", self.regular, size), y, value)

    def verification(self, verify_url: str, document_id: str, x: float, y: float, size: float, width: float,
                     notes: list[str]) -> None:
        """The QR code (``size`` points, bottom left at ``x``, ``y``) and beside it, within ``width``:
        where to verify, the verification code to type when the QR cannot be scanned, and ``notes``."""
        draw_qr(self.c, verify_url, x, y, size)
        x, width = x + size + 12, width - size - 12
        self.c.setFillColor(INK)
        self.c.setFont(self.bold, 9)
        self.c.drawString(x, y + size - 12, "Xác thực tại / Verify at")
        url_size = 8.0
        while url_size > 4 and stringWidth(verify_url, self.regular, url_size) > width:
            url_size -= 0.25
        self.c.setFont(self.regular, url_size)
        self.c.drawString(x, y + size - 25, verify_url)
        # the code to type when the QR code cannot be scanned: the id itself, grouped
        label = "Mã xác thực / Verification code: "
        self.c.setFont(self.regular, 8.5)
        self.c.drawString(x, y + size - 39, label)
        self.c.setFont(self.bold, 10)
        self.c.drawString(x + stringWidth(label, self.regular, 8.5), y + size - 39, verification_code(document_id))
        self.c.setFillColor(MUTED)
        self.c.setFont(self.regular, 7.5)
        for i, note in enumerate(notes):
            self.c.drawString(x, y + size - 53 - 11 * i, note)
        self.c.setFillColor(INK)


class TranscriptPage(Drawing):
    """The transcript's blocks; each returns the y where it ended."""

    def header(self, t: Transcript, titles: tuple[str, str] | None = None) -> float:
        """The national header and the title; ``titles`` replaces the two lines under "HỌC BẠ"."""
        top = PAGE_HEIGHT - MARGIN
        left_x, right_x = MARGIN + 115, PAGE_WIDTH - MARGIN - 140
        self.centred(t.school.authority.upper(), left_x, top, 8.5, max_width=235)
        self.centred(t.school.name.upper(), left_x, top - 13, 9, bold=True, max_width=235, underline=True)
        self.centred("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", right_x, top, 9.5, bold=True, max_width=280)
        self.centred("Độc lập - Tự do - Hạnh phúc", right_x, top - 13, 10, bold=True, underline=True)
        self.centred("HỌC BẠ", PAGE_WIDTH / 2, top - 58, 24, bold=True)
        title, subtitle = titles or ("KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN", f"Năm học {t.school_year}")
        self.centred(title, PAGE_WIDTH / 2, top - 78, 12.5, bold=True)
        self.centred(subtitle, PAGE_WIDTH / 2, top - 94, 10.5)
        return top - 94

    def student_block(self, t: Transcript, y: float) -> float:
        s, col2 = t.student, MARGIN + 290
        self.c.setStrokeColor(RULE)
        self.c.setLineWidth(0.5)
        self.c.roundRect(MARGIN, y - 66, CONTENT_WIDTH, 78, 4, stroke=1, fill=0)
        x = MARGIN + 10
        self.labelled(x, y, "Họ và tên:", s.full_name, 11)
        self.labelled(col2, y, "Giới tính:", s.gender)
        self.labelled(x, y - 17, "Ngày sinh:", dmy(s.date_of_birth))
        self.labelled(col2, y - 17, "Số định danh cá nhân:", s.personal_id)
        self.labelled(x, y - 34, "Nơi sinh:", s.place_of_birth)
        self.labelled(x, y - 51, "Lớp:", t.class_name)
        self.labelled(col2, y - 51, "Năm học:", t.school_year)
        return y - 66

    def subjects_table(self, t: Transcript, y: float) -> float:
        cell = ParagraphStyle("cell", fontName=self.regular, fontSize=9.5, leading=11.5, textColor=INK)
        rows = [["TT", "Môn học", "Học kì I", "Học kì II", "Cả năm"]]
        for i, s in enumerate(t.subjects, start=1):
            rows.append([str(i), Paragraph(escape(s.subject), cell), s.term1, s.term2, s.year])
        table = Table(rows, colWidths=[30, CONTENT_WIDTH - 30 - 3 * 72, 72, 72, 72], repeatRows=1)
        table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, 0), self.bold, 9.5),
            ("FONT", (0, 1), (-1, -1), self.regular, 9.5),
            ("FONT", (-1, 1), (-1, -1), self.bold, 9.5),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("ALIGN", (0, 0), (0, -1), "CENTER"),
            ("ALIGN", (2, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("GRID", (0, 0), (-1, -1), 0.5, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ]))
        _, height = table.wrapOn(self.c, CONTENT_WIDTH, y)
        table.drawOn(self.c, MARGIN, y - height)
        return y - height

    def results(self, t: Transcript, y: float) -> float:
        x, col2 = MARGIN + 4, MARGIN + 290
        self.labelled(x, y - 4, "Kết quả học tập:", t.learning_result)
        self.labelled(col2, y - 4, "Kết quả rèn luyện:", t.conduct)
        self.labelled(x, y - 20, "Số ngày nghỉ học cả năm:", str(t.days_absent))
        self.labelled(x, y - 36, "Quyết định:", t.promotion)
        self.c.setFont(self.regular, 10)
        self.c.setFillColor(MUTED)
        self.c.drawString(x, y - 56, "Nhận xét của giáo viên chủ nhiệm:")
        style = ParagraphStyle("comment", fontName=self.regular, fontSize=10, leading=13.5, textColor=INK)
        comment = Paragraph(escape(t.teacher_comment), style)
        _, height = comment.wrapOn(self.c, CONTENT_WIDTH - 8, 200)
        comment.drawOn(self.c, x, y - 61 - height)
        return y - 61 - height

    def signatures(self, t: Transcript, issued_on: str) -> None:
        place = t.school.address.rsplit(",", 1)[-1].strip()
        box_right = SIGNATURE_BOXES[PRINCIPAL_FIELD]
        self.c.setFillColor(INK)
        self.c.setFont(self.regular, 9.5)
        self.c.drawCentredString((box_right[0] + box_right[2]) / 2, 250, f"{place}, {vietnamese_date(issued_on)}")
        for (title, hint, name), (x1, y1, x2, y2) in zip(
            (("Giáo viên chủ nhiệm", "(Chữ ký số)", t.homeroom_teacher),
             ("Hiệu trưởng", "(Chữ ký số và dấu của nhà trường)", t.principal)),
            SIGNATURE_BOXES.values(),
        ):
            self.c.setStrokeColor(RULE)
            self.c.setDash(2, 2)
            self.c.roundRect(x1, y1, x2 - x1, y2 - y1, 4, stroke=1, fill=0)
            self.c.setDash()
            middle = (x1 + x2) / 2
            self.centred(title, middle, y2 - 15, 10.5, bold=True)
            self.c.setFillColor(MUTED)
            self.centred(hint, middle, y2 - 28, 8)
            self.c.setFillColor(INK)
            self.centred(name, middle, y1 + 10, 10.5, bold=True)

    def footer(self, t: Transcript, credential: Credential, verify_url: str,
               page: tuple[int, int] | None = None) -> None:
        """The QR code and verification code; ``page`` (number, count) adds "Trang 1/3" on the right."""
        size, bottom = 74.0, MARGIN - 6
        if page is not None:
            self.c.setFillColor(INK)
            self.c.setFont(self.bold, 9)
            self.c.drawRightString(PAGE_WIDTH - MARGIN, bottom + size - 12, f"Trang {page[0]}/{page[1]}")
        self.c.setStrokeColor(RULE)
        self.c.setLineWidth(0.5)
        self.c.line(MARGIN, bottom + size + 10, PAGE_WIDTH - MARGIN, bottom + size + 10)
        self.verification(verify_url, credential.id, MARGIN, bottom, size, CONTENT_WIDTH,
                          [f"Học bạ điện tử do {t.school.name} cấp, được ký số bởi giáo viên chủ nhiệm và hiệu trưởng.",
                           t.school.address])


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code of ``data`` as vector squares (crisp at any zoom), quiet zone included."""
    matrix = segno.make(data, error="m", micro=False).matrix
    border = 4
    modules = len(matrix) + 2 * border
    canvas.saveState()
    # One unit = one module, y pointing down: integer coordinates, short content stream.
    canvas.translate(x, y + size)
    canvas.scale(size / modules, -size / modules)
    canvas.setFillColor(colors.black)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                path.rect(start + border, row_index + border, column - start, 1)
            else:
                column += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
