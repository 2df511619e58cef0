"""Text as the school software of the 1990s saved it: TCVN3 (ABC), VNI and Windows-1258 bytes.

The importers must read these back exactly (core/vietnamese.py); the tests write them with these.
"""

import unicodedata

from core.vietnamese import TONE_MARKS


def tcvn3(text: str) -> bytes:
    from core.vietnamese import _TCVN3_BYTES

    table = {letter: bytes([b]) for b, letter in _TCVN3_BYTES.items()}
    return b"".join(table.get(c) or c.encode("ascii") for c in text)


def vni(text: str) -> bytes:
    from core.vietnamese import _VNI

    table: dict[str, str] = {}
    for typed, letter in sorted(_VNI.items(), key=lambda kv: (len(kv[0]), kv[0].swapcase() == kv[0])):
        if typed[1:].lower() == typed[1:] or typed[0].isupper():
            table.setdefault(letter, typed)
    return "".join(table.get(c, c) for c in text).encode("cp1252")


def cp1258(text: str) -> bytes:
    out = []
    for ch in text:
        d = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONE_MARKS))
        out.append(base + "".join(c for c in d if c in TONE_MARKS))
    return "".join(out).encode("cp1258")
