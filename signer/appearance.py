"""What a signature looks like on the page: a small stamp in Vietnamese inside its box.

pyHanko draws a text stamp by subsetting a TrueType font for every signature, which costs more
than the signature itself. The stamp says the same thing in every document a signer signs
(who signed, whose certificate), so it is drawn once per signer with reportlab, kept as a
one-page PDF, and pyHanko places that page in the signature's box (``StaticStampStyle``).
The time of signing is in the signature and its time-stamp, where readers show it.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from functools import lru_cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from pyhanko.stamp import StaticStampStyle

from signer.fonts import register_fonts
from signer.keys import SigningKey

INK = colors.HexColor("#0b5394")
_DIR: list[Path] = []  # this process's private stamp directory (mode 0700), made on first use


def stamp_style(key: SigningKey, size: tuple[float, float]) -> StaticStampStyle:
    """The stamp of ``key``'s holder, ``size`` (width, height) points, ready for pyHanko.

    A fresh style per signature, over a stamp file drawn once: pyHanko's style object keeps
    what it imported into earlier documents, and reusing it made each later document's object
    graph larger (its verification went from 26 ms to 160 ms over 150 documents)."""
    issuer = key.certificate.issuer.native.get("common_name", "")
    path = _stamp_file(key.subject_name, issuer, round(size[0], 1), round(size[1], 1))
    return StaticStampStyle.from_pdf_file(str(path), border_width=0)


@lru_cache(maxsize=64)
def _stamp_file(name: str, issuer: str, width: float, height: float) -> Path:
    pdf = render_stamp(name, issuer, width, height)
    if not _DIR:  # private to this process: nobody else can put another picture under the signer's name
        _DIR.append(Path(tempfile.mkdtemp(prefix="sogoc-stamps-")))
    path = _DIR[0] / f"{hashlib.sha256(pdf).hexdigest()[:20]}.pdf"
    path.write_bytes(pdf)
    return path


def render_stamp(name: str, issuer: str, width: float, height: float) -> bytes:
    """A one-page PDF of ``width`` x ``height`` points: "Đã ký số", the signer, the certificate's issuer."""
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    c.setStrokeColor(INK)
    c.setLineWidth(0.8)
    c.roundRect(0.5, 0.5, width - 1, height - 1, 3, stroke=1, fill=0)
    c.setFillColor(INK)
    c.setFont(bold, 8.5)
    c.drawCentredString(width / 2, height - 12, "ĐÃ KÝ SỐ")
    c.setFont(bold, 8)
    c.drawCentredString(width / 2, height - 23, _fit(c, name, bold, 8, width - 8))
    c.setFont(regular, 6.5)
    c.drawCentredString(width / 2, height - 33, _fit(c, f"Chứng thư số: {issuer}", regular, 6.5, width - 8))
    c.showPage()
    c.save()
    return buffer.getvalue()


def _fit(c: Canvas, text: str, font: str, size: float, width: float) -> str:
    """``text``, shortened with an ellipsis until it fits ``width``."""
    while len(text) > 1 and c.stringWidth(text, font, size) > width:
        text = text[:-2] + "…"
    return text
