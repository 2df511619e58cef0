"""What a signature looks like on the page: a small stamp in Vietnamese inside its box.

The stamp is a form XObject of a few hundred bytes, drawn with the fonts the document already
embeds: every page we render carries the whole Vietnamese alphabet in its DejaVu subsets
(:data:`signer.fonts.STAMP_ALPHABET`). Before, each stamp was a reportlab page imported into
the signature's update with two font subsets and a Helvetica of its own (about 40 KB per
stamp, half of the objects of a signed transcript), which made files larger and pyHanko's
modification analysis slower at every verification.

The text is written in the codes of the document's own subsets, read from their ``/ToUnicode``
maps, so copying it out of the PDF gives the same Vietnamese text. A character the document's
fonts lack is an error, never a silent substitute. The time of signing is in the signature and
its time-stamp, where readers show it.
"""

from __future__ import annotations

import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp import BaseStamp, BaseStampStyle
from reportlab.pdfbase.pdfmetrics import stringWidth

from signer.errors import SignerError
from signer.fonts import BOLD, REGULAR, register_fonts
from signer.keys import SigningKey

INK = (0.043, 0.325, 0.580)  # #0b5394, the blue of a stamp pad
_BFCHAR_BLOCK = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{2})>\s*<((?:[0-9A-Fa-f]{4})+)>")
_KAPPA = 0.5523  # Bézier control distance of a quarter circle, per unit of radius


class StampStyle(BaseStampStyle):
    """The stamp of one signer, for pyHanko's ``PdfSigner(stamp_style=...)``: "ĐÃ KÝ SỐ", the
    signer's name, the issuer of their certificate, in the fonts of page ``page`` (default: last)."""

    def __init__(self, name: str, issuer: str, page: int = -1, fonts: "FontsOnce | None" = None) -> None:
        super().__init__(border_width=0)
        self.name, self.issuer, self.page, self.fonts = name, issuer, page, fonts

    def create_stamp(self, writer: BasePdfFileWriter, box: BoxConstraints, text_params: dict) -> "_Stamp":
        return _Stamp(writer, self, box)


def stamp_style(key: SigningKey, page: int = -1, fonts: "FontsOnce | None" = None) -> StampStyle:
    """The stamp of ``key``'s holder, drawn in the box of the field being signed on ``page``;
    ``fonts``: the document's fonts as an earlier stamp on it read them (:class:`FontsOnce`)."""
    return StampStyle(key.subject_name, key.certificate.issuer.native.get("common_name", ""), page, fonts)


class _Stamp(BaseStamp):
    def _render_inner_content(self) -> list[bytes]:
        register_fonts()  # for the text widths: the same TTF files as the subsets
        style: StampStyle = self.style
        if style.fonts is not None:
            fonts = style.fonts.of_page(self.writer, style.page)
        else:
            fonts = DocumentFonts.of_page(self.writer, style.page)
        width, height = self.box.width, self.box.height
        ops = [b"%.3f %.3f %.3f RG %.3f %.3f %.3f rg 0.8 w" % (*INK, *INK), _rounded_rect(width, height, 3)]
        for text, font, size, baseline in (
            ("ĐÃ KÝ SỐ", BOLD, 8.5, height - 12),
            (_fit(style.name, BOLD, 8, width - 8), BOLD, 8, height - 23),
            (_fit(f"Chứng thư số: {style.issuer}", REGULAR, 6.5, width - 8), REGULAR, 6.5, height - 33),
        ):
            x = (width - stringWidth(text, font, size)) / 2
            ops.append(fonts.show(self, text, font, size, x, baseline))
        return ops


class DocumentFonts:
    """The DejaVu subsets a page uses, and which (font resource, code) draws each character."""

    def __init__(self, codes: dict[str, dict[str, tuple[generic.IndirectObject, int]]]) -> None:
        self._codes = codes  # font family name -> character -> (font object, code)

    @classmethod
    def of_page(cls, writer: BasePdfFileWriter, page: int) -> "DocumentFonts":
        _, resources = writer.find_page_for_modification(page)
        codes: dict[str, dict[str, tuple[generic.IndirectObject, int]]] = {REGULAR: {}, BOLD: {}}
        fonts = resources["/Font"] if "/Font" in resources else generic.DictionaryObject()
        for key in fonts:
            ref = fonts.raw_get(key)
            font = ref.get_object()
            family = str(font.get("/BaseFont", "")).split("+", 1)[-1]
            if family not in codes or "/ToUnicode" not in font or not isinstance(ref, generic.IndirectObject):
                continue
            for block in _BFCHAR_BLOCK.findall(font["/ToUnicode"].get_object().data):
                for code, text in _BFCHAR.findall(block):
                    char = bytes.fromhex(text.decode()).decode("utf-16-be", errors="replace")
                    codes[family].setdefault(char, (ref, int(code, 16)))
        return cls(codes)

    def show(self, stamp: BaseStamp, text: str, family: str, size: float, x: float, y: float) -> bytes:
        """Text operators drawing ``text`` at (``x``, ``y``), switching subsets as needed; the fonts
        become resources of ``stamp`` (references to the document's objects, nothing copied)."""
        ops, current = [b"BT 1 0 0 1 %.2f %.2f Tm" % (x, y)], None
        for char in text:
            found = self._codes[family].get(char)
            if found is None:
                raise SignerError(f"the document's fonts have no {char!r} for the stamp text {text!r}",
                                  code="stamp_glyph_missing")
            ref, code = found
            if ref != current:
                name = "/S%d_%d" % (ref.idnum, ref.generation)
                stamp.set_resource(ResourceType.FONT, generic.NameObject(name), ref)
                ops.append(b"%s %.2f Tf" % (name.encode(), size))
                current = ref
            ops.append(b"<%02X> Tj" % code)
        ops.append(b"ET")
        return b" ".join(ops)


class FontsOnce:
    """The fonts of one document's page, read by the first stamp drawn on it and kept for the
    next ones: a transcript's two stamps, one per signature, are on the same page.

    Each signature is an incremental update that adds objects and never changes the page's
    fonts (objects keep their numbers across updates), so the second reading would find the
    same references and codes; it cost about 2.5 ms per signature (two font dictionaries and
    their ``/ToUnicode`` maps). One instance per document, never shared between documents.
    """

    def __init__(self) -> None:
        self._read: tuple[int, DocumentFonts] | None = None

    def of_page(self, writer: BasePdfFileWriter, page: int) -> DocumentFonts:
        if self._read is None or self._read[0] != page:
            self._read = (page, DocumentFonts.of_page(writer, page))
        return self._read[1]


def _rounded_rect(width: float, height: float, radius: float) -> bytes:
    """A stroked rectangle with rounded corners, half a point inside the box."""
    x0, y0, x1, y1, r = 0.5, 0.5, width - 0.5, height - 0.5, radius
    k = r * _KAPPA
    return b" ".join([
        b"%.2f %.2f m" % (x0 + r, y0), b"%.2f %.2f l" % (x1 - r, y0),
        b"%.2f %.2f %.2f %.2f %.2f %.2f c" % (x1 - r + k, y0, x1, y0 + r - k, x1, y0 + r),
        b"%.2f %.2f l" % (x1, y1 - r),
        b"%.2f %.2f %.2f %.2f %.2f %.2f c" % (x1, y1 - r + k, x1 - r + k, y1, x1 - r, y1),
        b"%.2f %.2f l" % (x0 + r, y1),
        b"%.2f %.2f %.2f %.2f %.2f %.2f c" % (x0 + r - k, y1, x0, y1 - r + k, x0, y1 - r),
        b"%.2f %.2f l" % (x0, y0 + r),
        b"%.2f %.2f %.2f %.2f %.2f %.2f c" % (x0, y0 + r - k, x0 + r - k, y0, x0 + r, y0),
        b"S",
    ])


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text``, shortened with an ellipsis until it fits ``width``."""
    while len(text) > 1 and stringWidth(text, font, size) > width:
        text = text[:-2] + "…"
    return text
