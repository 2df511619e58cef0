"""The Vietnamese font: DejaVu Sans, embedded (subset) in every PDF we render.

Looked up first in ``signer/fonts/`` (the build copies the TTFs there from the npm package
``dejavu-fonts-ttf``; gitignored), then in Debian's ``fonts-dejavu-core`` folder.
"""

from __future__ import annotations

import unicodedata
import zlib
from functools import cache, lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from signer.errors import SignerError

FONT_DIRS = (Path(__file__).parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


def _vietnamese_letters() -> str:
    vowels, tones = "aăâeêioôơuưy", ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
    lower = "".join(unicodedata.normalize("NFC", v + t) for v in vowels for t in tones) + "đ"
    return lower + lower.upper()


#: Characters every document we render carries in both fonts' subsets, drawn or not: printable
#: ASCII, every Vietnamese letter with every tone, and a few typographic signs. A signature stamp
#: (``signer.appearance``) is drawn with the document's own fonts, so whatever a signer's name or
#: certificate says in Vietnamese, its glyphs are already there. About 6 KB per document, against
#: about 40 KB per stamp when each stamp embedded its own fonts.
STAMP_ALPHABET = "".join(chr(c) for c in range(0x20, 0x7F)) + _vietnamese_letters() + "—–…“”‘’«»·"


def find_font(file_name: str) -> Path:
    for directory in FONT_DIRS:
        path = directory / file_name
        if path.is_file():
            return path
    raise SignerError(f"font {file_name} not found in {' or '.join(map(str, FONT_DIRS))}; "
                      "run the build (it copies DejaVu from npm) or apt-get install fonts-dejavu-core",
                      code="font_missing")


@cache
def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans and DejaVu Sans Bold with reportlab once; return their names."""
    for name in (REGULAR, BOLD):
        font = TTFont(name, str(find_font(name + ".ttf")))
        _remember_subset_programs(font)
        pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
    return REGULAR, BOLD


def cover_stamp_alphabet(canvas, fonts: tuple[str, ...]) -> None:
    """Put :data:`STAMP_ALPHABET` into the subsets of ``fonts`` that reportlab embeds in ``canvas``'s
    document (a subset holds the characters the document uses; these are used by the stamps)."""
    for name in fonts:
        pdfmetrics.getFont(name).splitString(STAMP_ALPHABET, canvas._doc)


def _remember_subset_programs(font: TTFont) -> None:
    """Make each distinct subset of ``font`` (its TrueType program, and that program compressed)
    once per process instead of once per document.

    Every transcript's subsets hold :data:`STAMP_ALPHABET` first, in the same order, so a whole
    class's documents have the same subsets, and reportlab spent about 2 ms per font and document
    cutting the same program out of the TTF and deflating it again. The program is a pure
    function of the font file and the subset's code points, the deflated stream a pure function
    of the program: both are remembered by exactly those (a document with other characters
    has another subset, made and remembered in turn), so every PDF holds the bytes reportlab
    would have written.
    """
    face = font.face
    make_subset = face.makeSubset
    add_subset_objects = face.addSubsetObjects

    @lru_cache(maxsize=32)
    def subset_program(codes: tuple[int, ...]) -> bytes:
        return make_subset(list(codes))

    def add_objects(doc, fontname, subset):
        reference = add_subset_objects(doc, fontname, subset)
        program = doc.idToObject[f"fontFile:{face.filename}({fontname})"]
        if program.filters == [pdfdoc.PDFZCompress]:
            program.filters = [_REMEMBERED_DEFLATE]
        return reference

    face.makeSubset = lambda subset: subset_program(tuple(subset))
    face.addSubsetObjects = add_objects


class _RememberedDeflate(pdfdoc.PDFStreamFilterZCompress):
    """reportlab's Flate filter for font programs, each program deflated once (by its bytes)."""

    @staticmethod
    @lru_cache(maxsize=32)
    def encode(program: bytes) -> bytes:
        return zlib.compress(program)


_REMEMBERED_DEFLATE = _RememberedDeflate()
