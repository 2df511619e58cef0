"""A multi-year transcript (grades 10-12) as consecutive A4 pages, one per school year.

Each page is the one-year page of :mod:`signer.render` for its year (the same national header,
school and student block on every page, the year's subjects, results and comment), with
"Trang 2/3" and the QR code and verification code in every footer: a page that goes astray
from the others still leads to the whole document. The signature boxes are on the last page
only, where the current homeroom teacher and the principal sign the whole document (the signer
puts its fields on the last page); each earlier page names that year's homeroom teacher and
says where the document is signed.
"""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

from core.credential import Credential
from core.multiyear import MultiYearTranscript, grade_of, level_of
from core.transcript import Transcript
from signer.errors import SignerError
from signer.fonts import register_fonts
from signer.layout import PAGE_HEIGHT, PAGE_WIDTH, PRINCIPAL_FIELD, SIGNATURE_BOXES, TEACHER_FIELD
from signer.render import FLOW_BOTTOM, INK, MUTED, RULE, TranscriptPage, embed_credential, render_transcript


def render_document(doc: Transcript | MultiYearTranscript, credential: Credential, verify_url: str) -> bytes:
    """The unsigned PDF of a one-year or a multi-year transcript."""
    if isinstance(doc, MultiYearTranscript):
        return render_multi_year(doc, credential, verify_url)
    return render_transcript(doc, credential, verify_url)


def level_title(doc: MultiYearTranscript) -> str | None:
    """"TRUNG HỌC PHỔ THÔNG" when the class names say which level, else None."""
    grade = grade_of(doc.years[0].class_name)
    level = level_of(grade) if grade is not None else None
    return level.upper() if level else None


def render_multi_year(doc: MultiYearTranscript, credential: Credential, verify_url: str) -> bytes:
    """The unsigned PDF of ``doc``: one page per school year, oldest first, ``credential`` embedded."""
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, initialFontName=regular)
    years = doc.year_transcripts()
    first, last = years[0].school_year, years[-1].school_year
    canvas.setTitle(f"Học bạ {first} – {last} — {doc.student.full_name}")
    canvas.setAuthor(doc.school.name)
    canvas.setSubject("Học bạ — Kết quả học tập và rèn luyện các năm học")
    canvas.setCreator("Sổ Gốc")
    level = level_title(doc)
    count = len(years)
    for number, t in enumerate(years, start=1):
        page = _YearPage(canvas, regular, bold)
        titles = ((level, f"Kết quả học tập và rèn luyện năm học {t.school_year}") if level else
                  ("KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN", f"Năm học {t.school_year}"))
        y = page.header(t, titles)
        y = page.student_block(t, y - 26)
        y = page.subjects_table(t, y - 12)
        y = page.results(t, y - 14)
        if y < FLOW_BOTTOM:
            raise SignerError(f"school year {t.school_year} does not fit on one page (too many subjects or a very "
                              "long comment)", code="transcript_too_long")
        if number == count:
            page.signatures(t, credential.issued_on)
        else:
            page.year_teacher(t, years[-1], count)
        page.footer(t, credential, verify_url, page=(number, count))
        canvas.showPage()
    canvas.save()
    return embed_credential(buffer.getvalue(), credential.to_json())


class _YearPage(TranscriptPage):
    def year_teacher(self, t: Transcript, current: Transcript, count: int) -> None:
        """On an earlier year's page: that year's homeroom teacher by name, and where the signatures are."""
        x1, y1, x2, y2 = SIGNATURE_BOXES[TEACHER_FIELD]
        self.c.setStrokeColor(RULE)
        self.c.setLineWidth(0.5)
        self.c.roundRect(x1, y1, x2 - x1, y2 - y1, 4, stroke=1, fill=0)
        middle = (x1 + x2) / 2
        self.centred("Giáo viên chủ nhiệm", middle, y2 - 15, 10.5, bold=True)
        self.c.setFillColor(MUTED)
        self.centred(f"năm học {t.school_year}, lớp {t.class_name}", middle, y2 - 28, 8, max_width=x2 - x1 - 16)
        self.c.setFillColor(INK)
        self.centred(t.homeroom_teacher, middle, y1 + 10, 10.5, bold=True, max_width=x2 - x1 - 16)
        px1, _, px2, _ = SIGNATURE_BOXES[PRINCIPAL_FIELD]
        self.c.setFillColor(MUTED)
        for i, line in enumerate((
            "Học bạ gồm các năm học liền nhau, được ký số",
            f"một lần ở trang {count}/{count} bởi giáo viên chủ nhiệm",
            f"năm học {current.school_year} và hiệu trưởng.",
        )):
            self.centred(line, (px1 + px2) / 2, y2 - 40 - 13 * i, 8.5)
        self.c.setFillColor(INK)

