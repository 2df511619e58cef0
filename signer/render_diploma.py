"""A diploma (văn bằng), or a certified copy of one (bản sao từ sổ gốc), as a one-page A4 landscape PDF.

The page reads like the paper form: the national motto, the diploma's title, the authority's head
granting it on the strength of the graduation decision, the holder's particulars, the place and
date, the signer's title and name, and, at the bottom left, the serial number and the
master-register number the rules require on every diploma, with the QR code and the verification
code. A certified copy shows "BẢN SAO", repeats the original (its signature as "(Đã ký)") and adds
the copy's own block: its number in the copies register, date, signer and signature.

As for transcripts (:mod:`signer.render`), text is DejaVu Sans, embedded, so that every Vietnamese
string copies out exactly, and the credential rides along as an embedded file.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from core.credential import Credential, verification_code
from core.diploma import CertifiedCopy, Diploma, Signatory
from signer.errors import SignerError
from signer.fonts import register_fonts
from signer.layout import COPY_STAMP_BOX, DIPLOMA_HEIGHT, DIPLOMA_STAMP_BOX, DIPLOMA_WIDTH
from signer.render import INK, MUTED, RULE, Drawing, dmy, embed_credential, vietnamese_date

FRAME = colors.HexColor("#8c1d18")  # the deep red of the printed forms' border and title
_LEFT, _RIGHT = 58.0, DIPLOMA_WIDTH - 58.0
_SIGN_X = (DIPLOMA_STAMP_BOX[0] + DIPLOMA_STAMP_BOX[2]) / 2  # centre of the signature column


def render_diploma(diploma: Diploma, credential: Credential, verify_url: str) -> bytes:
    """The unsigned PDF of ``diploma`` issued on ``credential.issued_on``, credential embedded."""
    if diploma.is_legacy:
        raise SignerError("a paper diploma is not issued again: it is anchored as a register entry, "
                          "and a certified copy is rendered from it", code="legacy_not_rendered")
    page, canvas, buffer = _start(f"{diploma.diploma_type.title.capitalize()} — {diploma.holder.full_name}",
                                  diploma.authority.name)
    page.body(diploma)
    page.numbers(diploma, 282)
    page.signature(diploma.authority.place, credential.issued_on, diploma.signer, 288, DIPLOMA_STAMP_BOX)
    page.verification(verify_url, credential.id, _LEFT + 4, 58, 88, 330,
                      [f"Văn bằng điện tử do {diploma.authority.name} cấp,",
                       "ký số bởi người ký văn bằng; nội dung trùng với sổ gốc cấp văn bằng."])
    return _finish(canvas, buffer, credential)


def render_certified_copy(copy: CertifiedCopy, credential: Credential, verify_url: str) -> bytes:
    """The unsigned PDF of a copy from the master register, issued on ``credential.issued_on``."""
    d = copy.diploma
    page, canvas, buffer = _start(f"Bản sao {d.diploma_type.title.lower()} — {d.holder.full_name}",
                                  d.authority.name)
    page.copy_mark()
    page.body(d)
    page.numbers(d, 294)
    page.signed_original(d.authority.place, copy.original_issued_on, d.signer, 294)
    page.copy_block(copy, credential.issued_on)
    note = "sổ gốc giấy" if d.is_legacy else "sổ gốc cấp văn bằng điện tử"
    page.verification(verify_url, credential.id, _LEFT + 4, 50, 80, 330,
                      [f"Bản sao do {d.authority.name} cấp từ {note},", "ký số bởi người ký bản sao."])
    return _finish(canvas, buffer, credential)


def render_legacy_entry(diploma: Diploma, credential: Credential, verify_url: str, *, entered_by: Signatory,
                        entered_on: str) -> bytes:
    """The unsigned PDF of a paper diploma's entry in the digital master register: the paper
    diploma's content with its signature shown as "(Đã ký)", where in the paper register the entry
    was read, and the signature of whoever enters it now. It is not a new diploma (the page says
    so); ``credential.issued_on`` is the paper diploma's date."""
    if not diploma.is_legacy:
        raise SignerError("only a paper diploma is entered from the paper register", code="not_legacy")
    page, canvas, buffer = _start(f"Trích sổ gốc {diploma.diploma_type.title.lower()} — {diploma.holder.full_name}",
                                  diploma.authority.name)
    page.mark("TRÍCH SỔ GỐC")
    page.body(diploma)
    page.numbers(diploma, 294)
    page.signed_original(diploma.authority.place, credential.issued_on, diploma.signer, 294)
    page.entry_block(diploma, entered_by, entered_on)
    page.verification(verify_url, credential.id, _LEFT + 4, 50, 80, 330,
                      [f"Văn bằng giấy vào sổ gốc điện tử của {diploma.authority.name};",
                       "không phải văn bằng cấp mới. Ký số bởi người vào sổ."])
    return _finish(canvas, buffer, credential)


def _start(title: str, author: str) -> tuple["_DiplomaPage", Canvas, io.BytesIO]:
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(DIPLOMA_WIDTH, DIPLOMA_HEIGHT), pageCompression=1, initialFontName=regular)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setSubject("Văn bằng — Sổ Gốc")
    canvas.setCreator("Sổ Gốc")
    page = _DiplomaPage(canvas, regular, bold)
    page.frame()
    return page, canvas, buffer


def _finish(canvas: Canvas, buffer: io.BytesIO, credential: Credential) -> bytes:
    canvas.showPage()
    canvas.save()
    return embed_credential(buffer.getvalue(), credential.to_json())


class _DiplomaPage(Drawing):
    """The diploma's blocks, top to bottom."""

    def frame(self) -> None:
        """A double rule in the forms' red, with small squares in the corners."""
        c, w, h = self.c, DIPLOMA_WIDTH, DIPLOMA_HEIGHT
        c.setStrokeColor(FRAME)
        c.setLineWidth(2.2)
        c.rect(22, 22, w - 44, h - 44)
        c.setLineWidth(0.7)
        c.rect(29, 29, w - 58, h - 58)
        c.setFillColor(FRAME)
        for x, y in ((22, 22), (w - 22, 22), (22, h - 22), (w - 22, h - 22)):
            c.rect(x - 4, y - 4, 8, 8, stroke=0, fill=1)
        c.setFillColor(INK)

    def body(self, d: Diploma) -> None:
        middle, t = DIPLOMA_WIDTH / 2, d.diploma_type
        self.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", middle, 542, 12.5, bold=True)
        self.centred("Độc lập - Tự do - Hạnh phúc", middle, 526, 12, bold=True, underline=True)
        self.c.setFillColor(FRAME)
        self.centred(t.title, middle, 480, 25, bold=True, max_width=_RIGHT - _LEFT)
        self.c.setFillColor(INK)
        self.centred(t.grantor(d.authority.name).upper(), middle, 455, 11.5, bold=True,
                     max_width=_RIGHT - _LEFT)
        self.centred(f"Căn cứ Quyết định số {d.decision.reference} ngày {dmy(d.decision.date)} "
                     f"công nhận tốt nghiệp {t.level} năm {d.graduation_year},", middle, 434, 10.5,
                     max_width=_RIGHT - _LEFT)
        self.centred(f"cấp bằng tốt nghiệp {t.level} cho:", middle, 419, 10.5)
        left, right, h = 150.0, 500.0, d.holder
        self.labelled(left, 392, "Họ và tên:", h.full_name, 14)
        self.labelled(left, 371, "Ngày sinh:", dmy(h.date_of_birth), 11)
        self.labelled(right, 371, "Giới tính:", h.gender, 11)
        self.labelled(left, 352, "Nơi sinh:", h.place_of_birth, 11)
        self.labelled(right, 352, "Dân tộc:", h.ethnicity, 11)
        self.labelled(left, 333, "Học sinh trường:", d.school, 11)
        self.labelled(left, 314, "Năm tốt nghiệp:", str(d.graduation_year), 11)
        if d.classification:
            self.labelled(right, 314, "Xếp loại tốt nghiệp:", d.classification, 11)

    def numbers(self, d: Diploma, y: float) -> None:
        """Số hiệu and số vào sổ gốc, printed on every diploma (Thông tư 21/2019)."""
        self.labelled(_LEFT + 4, y, "Số hiệu:", d.serial_number, 10)
        self.labelled(_LEFT + 4, y - 16, "Số vào sổ gốc cấp văn bằng:", d.register_number, 10)

    def _titles(self, signer: Signatory, y: float) -> float:
        for line in signer.title_lines():
            self.centred(line, _SIGN_X, y, 11, bold=True)
            y -= 14
        return y

    def signature(self, place: str, issued_on: str, signer: Signatory, y: float,
                  box: tuple[float, float, float, float]) -> None:
        """Place and date, the signer's title, the box the signature's stamp fills, the name."""
        self.centred(f"{place}, {vietnamese_date(issued_on)}", _SIGN_X, y, 10.5)
        self._titles(signer, y - 18)
        x1, y1, x2, y2 = box
        self.c.setStrokeColor(RULE)
        self.c.setLineWidth(0.5)
        self.c.setDash(2, 2)
        self.c.roundRect(x1 - 6, y1 - 6, x2 - x1 + 12, y2 - y1 + 12, 4, stroke=1, fill=0)
        self.c.setDash()
        self.c.setFillColor(MUTED)
        self.centred("(Chữ ký số và dấu của cơ quan cấp)", _SIGN_X, y1 - 18, 7.5)
        self.c.setFillColor(INK)
        self.centred(signer.name, _SIGN_X, y1 - 36, 13, bold=True)

    def signed_original(self, place: str, issued_on: str, signer: Signatory, y: float) -> None:
        """The original's signature as a copy shows it: title, "(Đã ký)", name."""
        self.centred(f"{place}, {vietnamese_date(issued_on)}", _SIGN_X, y, 10)
        y = self._titles(signer, y - 16)
        self.c.setFillColor(MUTED)
        self.centred("(Đã ký)", _SIGN_X, y - 2, 9.5)
        self.c.setFillColor(INK)
        self.centred(signer.name, _SIGN_X, y - 18, 11.5, bold=True)

    def copy_mark(self) -> None:
        """"BẢN SAO" in a red box in the top left corner, where no one can miss it."""
        self.mark("BẢN SAO")

    def mark(self, text: str) -> None:
        """A word in a red box in the top left corner: BẢN SAO, TRÍCH SỔ GỐC."""
        width = max(112.0, stringWidth(text, self.bold, 16) + 24)
        self.c.setStrokeColor(FRAME)
        self.c.setLineWidth(1.6)
        self.c.rect(_LEFT - 8, 510, width, 34, stroke=1, fill=0)
        self.c.setFillColor(FRAME)
        self.centred(text, _LEFT - 8 + width / 2, 521, 16, bold=True)
        self.c.setFillColor(INK)

    def entry_block(self, d: Diploma, entered_by: Signatory, entered_on: str) -> None:
        """Below a rule: "VÀO SỔ GỐC ĐIỆN TỬ", where the paper entry was read, then the date,
        signer and signature box of the entry."""
        assert d.legacy is not None
        self.c.setStrokeColor(FRAME)
        self.c.setLineWidth(0.6)
        self.c.line(_LEFT - 8, 216, _RIGHT + 8, 216)
        self.c.setFillColor(FRAME)
        self.c.setFont(self.bold, 10.5)
        self.c.drawString(_LEFT + 4, 198, "VÀO SỔ GỐC ĐIỆN TỬ")
        self.c.setFillColor(MUTED)
        self.c.setFont(self.regular, 8.5)
        self.c.drawString(_LEFT + 4, 182, f"Theo: {d.legacy.source}")
        self.c.setFillColor(INK)
        self.signature(d.authority.place, entered_on, entered_by, 198, COPY_STAMP_BOX)

    def copy_block(self, copy: CertifiedCopy, issued_on: str) -> None:
        """Below a rule: "SAO TỪ SỔ GỐC", the copy's number, then its own date, signer and signature box."""
        self.c.setStrokeColor(FRAME)
        self.c.setLineWidth(0.6)
        self.c.line(_LEFT - 8, 216, _RIGHT + 8, 216)
        label = "SAO TỪ SỔ GỐC"
        self.c.setFillColor(FRAME)
        self.c.setFont(self.bold, 10.5)
        self.c.drawString(_LEFT + 4, 198, label)
        self.c.setFillColor(INK)
        self.labelled(_LEFT + 4 + stringWidth(label, self.bold, 10.5) + 14, 198, "Số vào sổ cấp bản sao:",
                      copy.copy_number, 10)
        d = copy.diploma
        if d.legacy is not None:
            source = f"Bản chính: văn bằng giấy ({d.legacy.source})"
        else:
            source = f"Bản chính: văn bằng điện tử, mã xác thực {verification_code(copy.original_document_id or '')}"
        self.c.setFillColor(MUTED)
        self.c.setFont(self.regular, 8.5)
        self.c.drawString(_LEFT + 4, 182, source)
        self.c.setFillColor(INK)
        self.signature(d.authority.place, issued_on, copy.signer, 198, COPY_STAMP_BOX)
