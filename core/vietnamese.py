"""Vietnamese text: what a syllable may look like, and the legacy encodings schools still export.

School software and old spreadsheets still hold text in the encodings of the 1990s: TCVN3
(ABC, one byte per letter, the ``.VnTime`` fonts), VNI (two bytes, a base letter then a mark,
the ``VNI-Times`` fonts) and Windows-1258 (combining tone marks). Read with the wrong table a
name turns into ``NguyÔn`` or ``Nguyeãn``; hashed that way it would be wrong forever. So the
importer decodes every candidate reading and keeps the one whose words are Vietnamese syllables
(:func:`is_syllable`), and every text is normalised to NFC before it is stored or hashed.

Only the standard tables are used here; they are small enough to read and check by eye.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below

# -- syllables ------------------------------------------------------------------------------

_INITIAL = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx]"
_FINAL = "ch|ng|nh|[cmnpt]"
#: Vowel groups that may be followed by a final consonant (some must be).
_OPEN = "a ă â e ê i o ô ơ u ư y iê oa oă oe oo uâ uê uô uơ ươ uy uyê yê".split()
#: Vowel groups that end in a semi-vowel and so take no final consonant.
_CLOSED = ("ai ao au âu ay ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu uây uôi ươi ươu uya uyu yêu iêu "
           "oai oao oay oeo").split()
_NEEDS_FINAL = {"ă", "â", "iê", "oă", "uâ", "uô", "ươ", "yê", "uyê"}


def _group(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_SYLLABLE = re.compile(
    f"(?:{_INITIAL})?(?:(?P<open>{_group(_OPEN)})(?P<final>{_FINAL})?|(?P<closed>{_group(_CLOSED)}))")
_WORD = re.compile(r"[^\W\d_]+")


def is_syllable(word: str) -> bool:
    """True when ``word`` is spelled like one Vietnamese syllable: an initial consonant, a vowel
    group, a final consonant, and at most one tone mark. (Shape only: no dictionary.)"""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(decomposed.count(mark) for mark in TONE_MARKS)
    if tones > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    m = _SYLLABLE.fullmatch(bare)
    if m is None:
        return False
    return not (m["open"] in _NEEDS_FINAL and m["final"] is None)


def odd_words(text: str) -> list[str]:
    """Words with a non-ASCII letter that are not Vietnamese syllables: the trace a wrong
    decoding leaves. (ASCII words are skipped: codes such as ``THPT`` or ``12A1``.)"""
    return [w for w in _WORD.findall(text) if not w.isascii() and not is_syllable(w)]


# -- legacy encodings -----------------------------------------------------------------------

#: TCVN 5712:1993 (VN3, "ABC"): byte -> letter. Upper-case letters with tones had no code of
#: their own (they lived in separate "H" fonts), so only these seven upper-case letters appear.
_TCVN3_BYTES = {
    0xB5: "à", 0xB8: "á", 0xB6: "ả", 0xB7: "ã", 0xB9: "ạ",
    0xA8: "ă", 0xBB: "ằ", 0xBE: "ắ", 0xBC: "ẳ", 0xBD: "ẵ", 0xC6: "ặ",
    0xA9: "â", 0xC7: "ầ", 0xCA: "ấ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCB: "ậ",
    0xAE: "đ",
    0xCC: "è", 0xD0: "é", 0xCE: "ẻ", 0xCF: "ẽ", 0xD1: "ẹ",
    0xAA: "ê", 0xD2: "ề", 0xD5: "ế", 0xD3: "ể", 0xD4: "ễ", 0xD6: "ệ",
    0xD7: "ì", 0xDD: "í", 0xD8: "ỉ", 0xDC: "ĩ", 0xDE: "ị",
    0xDF: "ò", 0xE3: "ó", 0xE1: "ỏ", 0xE2: "õ", 0xE4: "ọ",
    0xAB: "ô", 0xE5: "ồ", 0xE8: "ố", 0xE6: "ổ", 0xE7: "ỗ", 0xE9: "ộ",
    0xAC: "ơ", 0xEA: "ờ", 0xED: "ớ", 0xEB: "ở", 0xEC: "ỡ", 0xEE: "ợ",
    0xEF: "ù", 0xF3: "ú", 0xF1: "ủ", 0xF2: "ũ", 0xF4: "ụ",
    0xAD: "ư", 0xF5: "ừ", 0xF8: "ứ", 0xF6: "ử", 0xF7: "ữ", 0xF9: "ự",
    0xFA: "ỳ", 0xFD: "ý", 0xFB: "ỷ", 0xFC: "ỹ", 0xFE: "ỵ",
    0xA1: "Ă", 0xA2: "Â", 0xA7: "Đ", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư",
}
#: The same table for text already decoded byte-for-byte (Latin-1), as a legacy-font
#: spreadsheet cell arrives: each byte became the character with that code.
_TCVN3_CHARS = str.maketrans({chr(b): letter for b, letter in _TCVN3_BYTES.items()})

#: VNI: the mark typed after the base letter (as Windows-1252 characters) -> combining marks.
_VNI_MARKS = {
    "ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323",
    "â": "\u0302", "á": "\u0302\u0301", "à": "\u0302\u0300", "å": "\u0302\u0309", "ã": "\u0302\u0303",
    "ä": "\u0302\u0323",
    "ê": "\u0306", "é": "\u0306\u0301", "è": "\u0306\u0300", "ú": "\u0306\u0309", "ü": "\u0306\u0303",
    "ë": "\u0306\u0323",
}
#: VNI letters that stand alone: ơ and ư (also bases for a tone mark), đ, and the i/y family.
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for lower_base in ("a", "e", "o", "u", "y", "ô", "ö"):
        for upper in (False, True):
            base = lower_base.upper() if upper else lower_base
            letter = _VNI_SINGLE.get(lower_base, lower_base)
            letter = letter.upper() if upper else letter
            for mark, combining in _VNI_MARKS.items():
                composed = unicodedata.normalize("NFC", letter + combining)
                if len(composed) != 1:
                    continue  # no such Vietnamese letter (e with a breve, u with a circumflex, ...)
                for typed_mark in {mark, mark.upper()}:
                    table[base + typed_mark] = composed
    for typed, letter in _VNI_SINGLE.items():
        table.setdefault(typed, letter)
        table.setdefault(typed.upper(), letter.upper())
    return table


_VNI = _vni_table()
_VNI_PATTERN = re.compile("|".join(sorted(map(re.escape, _VNI), key=len, reverse=True)))


def from_tcvn3(text: str) -> str:
    """Text typed in TCVN3 and read byte-for-byte, in Unicode (NFC)."""
    return unicodedata.normalize("NFC", text.translate(_TCVN3_CHARS))


def from_vni(text: str) -> str:
    """Text typed in VNI and read as Windows-1252, in Unicode (NFC)."""
    return unicodedata.normalize("NFC", _VNI_PATTERN.sub(lambda m: _VNI[m[0]], text))


def from_cp1258(data: bytes) -> str:
    """Windows-1258 bytes (base letters plus combining tone marks), in Unicode (NFC)."""
    return unicodedata.normalize("NFC", data.decode("cp1258"))


@dataclass(frozen=True)
class Reading:
    """How some text was read: the encoding's name, the text, and the words that still look wrong."""

    encoding: str
    text: str
    odd: tuple[str, ...]

    @property
    def convincing(self) -> bool:
        """Few enough odd words to trust this reading: at most 3, or 1 in 20 of the words with
        diacritics (names of the Central Highlands peoples, such as "Niê", are not syllables
        of Kinh Vietnamese and must not sink a genuine file)."""
        accented = sum(1 for w in _WORD.findall(self.text) if not w.isascii())
        return len(self.odd) <= max(3, accented // 20)


def read_bytes(data: bytes) -> Reading:
    """Decode a file's bytes: UTF-8 (with or without BOM) or UTF-16 with BOM as they are;
    otherwise the legacy reading (Windows-1258, TCVN3, VNI) that leaves the fewest odd words."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return repair(data.decode("utf-16"), "UTF-16")
    try:
        return repair(data.decode("utf-8-sig"), "UTF-8")
    except UnicodeDecodeError:
        pass
    latin = data.decode("latin-1")
    readings = [Reading("TCVN3", text := from_tcvn3(latin), tuple(odd_words(text)))]
    try:
        text = from_cp1258(data)
        readings.append(Reading("Windows-1258", text, tuple(odd_words(text))))
    except UnicodeDecodeError:
        pass
    try:
        text = from_vni(data.decode("cp1252"))
        readings.append(Reading("VNI", text, tuple(odd_words(text))))
    except UnicodeDecodeError:
        pass
    return min(readings, key=lambda r: len(r.odd))


def repair(text: str, encoding: str) -> Reading:
    """Unicode text, possibly typed in a legacy font (a TCVN3 or VNI spreadsheet saved as
    Unicode): converted only when that leaves fewer odd words than the text as it is."""
    text = unicodedata.normalize("NFC", text)
    as_is = Reading(encoding, text, tuple(odd_words(text)))
    if not as_is.odd:
        return as_is
    candidates = [as_is]
    for name, convert in (("TCVN3", from_tcvn3), ("VNI", from_vni)):
        converted = convert(text)
        if converted != text:
            candidates.append(Reading(f"{encoding}, typed in {name}", converted, tuple(odd_words(converted))))
    return min(candidates, key=lambda r: len(r.odd))  # ties keep the text as it is
