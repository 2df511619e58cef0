"""``sogoc register export``: one year of an authority's master register as PDF (for the archive)
or XLSX (for the office).

Every PDF page says how to verify an entry: the verification page's address and each entry's
verification code (the QR code of the document carries the same). The PDF uses the signer's
fonts (DejaVu), so Vietnamese text survives ``pdftotext`` exactly.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.credential import verification_code
from core.status import REASON_LABELS, RevocationReason
from registry import register
from signer.fonts import register_fonts

KIND_LABELS = {"original": "Cấp mới", "legacy": "Văn bằng giấy", "correction": "Chỉnh sửa", "reissue": "Cấp lại",
               "copy": "Bản sao"}
ACT_LABELS = {"corrected": "Đã chỉnh sửa, thay bằng mục", "reissued": "Đã cấp lại, thay bằng mục",
              "revoked": "Thu hồi", "cancelled": "Hủy bỏ", "copied": "Cấp bản sao, mục"}
HEADERS = ("Số TT", "Loại", "Số hiệu", "Số vào sổ", "Họ và tên", "Ngày sinh", "Mã xác thực", "Ghi chú")


@dataclass(frozen=True)
class RegisterRow:
    number: int
    kind: str
    serial_number: str
    register_number: str
    holder_name: str
    birth_date: str  # DD/MM/YYYY
    code: str  # verification code of the entry's document
    notes: str


def rows(session: Any, authority: str, year: int) -> list[RegisterRow]:
    """The register's lines with what happened to each (acts), as the export prints them."""
    found = register.entries(session, authority, year)
    acts = register.acts_of(session, [e.id for e in found])
    out = []
    for e in found:
        notes = []
        if e.refers_to is not None:
            verb = "Bản sao của mục" if e.kind == "copy" else "Thay cho mục"
            notes.append(f"{verb} {e.refers_to.number}/{e.refers_to.year}")
        if e.decision:
            notes.append(f"QĐ {e.decision}")
        for a in acts.get(e.id, []):
            if a.act in ("issued", "legacy_entered"):
                continue
            text = ACT_LABELS.get(a.act, a.act)
            if a.related is not None:
                text += f" {a.related.number}/{a.related.year}"
            if a.reason:
                text += f" ({REASON_LABELS[RevocationReason(a.reason)][0].lower()})"
            if a.decision and a.act in ("revoked", "cancelled"):
                text += f", QĐ {a.decision}"
            notes.append(text)
        y, m, d = e.holder_birth_date.split("-")
        out.append(RegisterRow(e.number, KIND_LABELS.get(e.kind, e.kind), e.serial_number, e.register_number,
                               e.holder_name, f"{d}/{m}/{y}", verification_code(e.document_id), "; ".join(notes)))
    return out


def to_xlsx(table: list[RegisterRow], authority_name: str, year: int, verify_base: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"Sổ gốc {year}"
    sheet.append([f"SỔ GỐC CẤP VĂN BẰNG NĂM {year} — {authority_name}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"Xác thực một mục: mở {verify_base}/v?id=<mã xác thực> (hoặc nhập mã ở {verify_base}/), "
                  "hoặc quét mã QR trên văn bằng."])
    sheet.append(list(HEADERS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for r in table:
        sheet.append([r.number, r.kind, r.serial_number, r.register_number, r.holder_name, r.birth_date, r.code,
                      r.notes])
    for column, width in zip("ABCDEFGH", (7, 14, 16, 18, 28, 12, 24, 60)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_pdf(table: list[RegisterRow], authority_name: str, year: int, verify_base: str) -> bytes:
    """A4 landscape; the header row repeats on every page, and every page's footer says how to verify."""
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    title = f"Sổ gốc cấp văn bằng năm {year} — {authority_name}"
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=28, rightMargin=28, topMargin=32,
                            bottomMargin=48, title=title, author=authority_name, creator="Sổ Gốc")
    cell = ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10)
    head = ParagraphStyle("head", fontName=bold, fontSize=8, leading=10)
    printed = datetime.now(timezone.utc).strftime("%d/%m/%Y")

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(28, 30, f"Xác thực một mục: mở {verify_base}/v?id=<mã xác thực> (hoặc nhập mã xác thực ở "
                                  f"{verify_base}/), hoặc quét mã QR trên văn bằng.")
        canvas.drawString(28, 19, f"Mỗi mục được neo trên chuỗi khối; in ngày {printed}.")
        canvas.drawRightString(landscape(A4)[0] - 28, 19, f"Trang {document.page}")
        canvas.restoreState()

    heading = ParagraphStyle("title", fontName=bold, fontSize=14, leading=18, alignment=1)
    sub = ParagraphStyle("sub", fontName=regular, fontSize=10, leading=13, alignment=1)
    data = [[Paragraph(h, head) for h in HEADERS]]
    for r in table:
        data.append([Paragraph(str(v), cell) for v in (r.number, r.kind, r.serial_number, r.register_number,
                                                       r.holder_name, r.birth_date, r.code, r.notes)])
    grid = Table(data, colWidths=(30, 56, 70, 80, 124, 62, 160, 204), repeatRows=1)
    grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1e6e4")),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [Paragraph(authority_name.upper(), sub), Spacer(0, 4),
             Paragraph(f"SỔ GỐC CẤP VĂN BẰNG NĂM {year}", heading), Spacer(0, 10), grid]
    if not table:
        story.append(Paragraph("Sổ chưa có mục nào.", cell))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
