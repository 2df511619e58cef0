"""The 54 ethnic groups of Viet Nam (dân tộc), as a diploma names its holder's.

The list and its order are the General Statistics Office's classification of the ethnic groups
(Danh mục các dân tộc Việt Nam, Quyết định 121-TCTK/PPCĐ of 1979, re-issued with codes 01-54 by
Quyết định 1019/QĐ-TCTK of 2008, the codes the 2009 and 2019 censuses and the population
database use). Names are written the way the Committee for Ethnic Minority Affairs and the 2019
census write them (``Gia Rai``, ``Ê Đê``, ``Khmer``, ``Mông``); the spellings of the 1979
decision (``Gia-rai``, ``Khơ-me``, ``Hmông (Mèo)``) and other common variants are accepted
and stored in this spelling, so that the same holder's ethnicity is written, and hashed, one way.
"""

from __future__ import annotations

import re
import unicodedata

#: The 54 groups in the order of their statistical codes (01 Kinh ... 54 Ơ Đu).
ETHNIC_GROUPS = (
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai",
    "Ê Đê", "Ba Na", "Sán Chay", "Chăm", "Cơ Ho", "Xơ Đăng", "Sán Dìu", "Hrê", "Ra Glai", "Mnông",
    "Thổ", "Xtiêng", "Khơ Mú", "Bru Vân Kiều", "Cơ Tu", "Giáy", "Tà Ôi", "Mạ", "Giẻ Triêng", "Co",
    "Chơ Ro", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "Kháng", "La Chí", "Phù Lá", "La Hủ", "La Ha",
    "Pà Thẻn", "Lự", "Ngái", "Chứt", "Lô Lô", "Mảng", "Cơ Lao", "Bố Y", "Cống", "Si La",
    "Pu Péo", "Rơ Măm", "Brâu", "Ơ Đu",
)
assert len(ETHNIC_GROUPS) == 54

#: Other spellings seen in registers and exports -> the name above. Hyphens, apostrophes, spaces,
#: case and a parenthesised other name ("Kinh (Việt)") never matter; these differ in more.
_ALIASES = {
    "Việt": "Kinh", "Hán": "Hoa", "Khơ me": "Khmer", "Khơ-me": "Khmer", "Miên": "Khmer",
    "Hmông": "Mông", "H'Mông": "Mông", "Mèo": "Mông", "Giơ Rai": "Gia Rai", "Ra Đê": "Ê Đê",
    "Bana": "Ba Na", "Chàm": "Chăm", "Cờ Ho": "Cơ Ho", "Ra Glay": "Ra Glai", "Ra-giai": "Ra Glai",
    "M'Nông": "Mnông", "Stiêng": "Xtiêng", "Khơ-mú": "Khơ Mú", "Khmu": "Khơ Mú", "Vân Kiều": "Bru Vân Kiều",
    "Cờ Tu": "Cơ Tu", "Ka Tu": "Cơ Tu", "Tà-ôi": "Tà Ôi", "Gié Triêng": "Giẻ Triêng", "Chơ-ro": "Chơ Ro",
    "Xinh-mun": "Xinh Mun", "Chu-ru": "Chu Ru", "Cờ Lao": "Cơ Lao", "Pu Piéo": "Pu Péo", "Rơ-măm": "Rơ Măm",
    "Ơ-đu": "Ơ Đu",
}
_PARENTHESES = re.compile(r"\([^)]*\)")
_SEPARATORS = re.compile(r"[\s\-‐‑–'’ʼ`]+")


def _key(text: str) -> str:
    bare = _PARENTHESES.sub(" ", unicodedata.normalize("NFC", text))
    return _SEPARATORS.sub("", bare).casefold()


_BY_KEY = {_key(name): name for name in ETHNIC_GROUPS}
assert len(_BY_KEY) == 54
_BY_KEY.update({_key(alias): name for alias, name in _ALIASES.items()})


def official_ethnicity(text: str) -> str | None:
    """The official name of the group written as ``text`` (``"Khơ-me"`` -> ``"Khmer"``), or None."""
    return _BY_KEY.get(_key(text)) if _key(text) else None
