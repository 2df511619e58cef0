"""The Vietnamese font: DejaVu Sans, embedded (subset) in every PDF we render.

Looked up first in ``signer/fonts/`` (the build copies the TTFs there from the npm package
``dejavu-fonts-ttf``; gitignored), then in Debian's ``fonts-dejavu-core`` folder.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from signer.errors import SignerError

FONT_DIRS = (Path(__file__).parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


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
        pdfmetrics.registerFont(TTFont(name, str(find_font(name + ".ttf"))))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
    return REGULAR, BOLD
