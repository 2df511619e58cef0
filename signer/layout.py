"""Each page's fixed geometry, shared by the renderer (which draws the signature
boxes) and the signer (which puts each signature's field and stamp inside its box)."""

from __future__ import annotations

from reportlab.lib.pagesizes import A4

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 42.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN

TEACHER_FIELD = "GiaoVienChuNhiem"
PRINCIPAL_FIELD = "HieuTruong"

#: Signature boxes (x1, y1, x2, y2 in PDF points, origin bottom left) on the last page, by
#: signature field name, in signing order.
SIGNATURE_BOXES = {
    TEACHER_FIELD: (MARGIN + 10, 138.0, MARGIN + 230, 238.0),
    PRINCIPAL_FIELD: (PAGE_WIDTH - MARGIN - 230, 138.0, PAGE_WIDTH - MARGIN - 10, 238.0),
}

# -- diplomas and certified copies: A4 landscape ----------------------------------------------

DIPLOMA_WIDTH, DIPLOMA_HEIGHT = PAGE_HEIGHT, PAGE_WIDTH
DIPLOMA_FIELD = "NguoiKyVanBang"
COPY_FIELD = "NguoiKyBanSao"
#: Where the signer's stamp goes (x1, y1, x2, y2), between the title and the name; one signature each.
DIPLOMA_STAMP_BOX = (DIPLOMA_WIDTH - 292.0, 180.0, DIPLOMA_WIDTH - 76.0, 232.0)
COPY_STAMP_BOX = (DIPLOMA_WIDTH - 292.0, 98.0, DIPLOMA_WIDTH - 76.0, 150.0)
