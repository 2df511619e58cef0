"""The public disclosure (công khai) of a master register: what a search is, what it answers.

Pure: the normal forms a search is matched in, and the answer's shape. The registry fills the
answer from its register (registry.disclosure), the verifier renders it (verifier.disclosure);
neither knows the other, both know this. Why these fields and not others: docs/disclosure.md.

Matching is exact on normal forms, never a prefix or a pattern: a search must name one
diploma or one person, so that nobody can list people by asking for "Nguyễn" or "THPT 01".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from core.errors import InvalidInput

#: Dashes and spaces of every kind that people type or paste between the parts of a serial number.
_SERIAL_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u00a0]+")
_SERIAL = re.compile(r"[A-Z0-9]{1,40}")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
MAX_NAME = 200


class BadSearch(InvalidInput):
    """A search that is not one of the two allowed: serial number, or full name with birth date."""

    code = "bad_search"
    http_status = 400


def serial_key(text: str) -> str:
    """The form serial numbers are matched in: capitals and digits, no spaces or dashes
    ("thpt 012-3456" and "THPT0123456" name the same diploma)."""
    return _SERIAL_SEPARATORS.sub("", unicodedata.normalize("NFC", text)).upper()


def name_key(text: str) -> str:
    """The form full names are matched in: NFC, case-folded, single spaces (a name typed in NFD,
    in capitals or with two spaces is the same name; a name without its tone marks is not)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class Search:
    """One disclosure search, checked: by ``serial`` (optionally with ``birth_date``, which then
    must match and unlocks the holder's name), or by ``name`` with ``birth_date``."""

    serial: str | None = None  # serial_key form
    name: str | None = None  # name_key form
    birth_date: str | None = None  # YYYY-MM-DD

    @classmethod
    def parse(cls, serial: str | None = None, name: str | None = None, birth_date: str | None = None) -> "Search":
        serial, name, birth_date = (v.strip() if v else "" for v in (serial, name, birth_date))
        if birth_date:
            birth_date = _birth_date(birth_date)
        if serial and name:
            raise BadSearch("search by serial number, or by full name and date of birth, not both")
        if serial:
            key = serial_key(serial)
            if not _SERIAL.fullmatch(key):
                raise BadSearch("serial: a serial number is capitals and digits (spaces and dashes are ignored)")
            return cls(serial=key, birth_date=birth_date or None)
        if name:
            if not birth_date:
                raise BadSearch("a search by name needs the full name and the date of birth")
            if len(name) > MAX_NAME:
                raise BadSearch("name: too long")
            return cls(name=name_key(name), birth_date=birth_date)
        raise BadSearch("give a serial number, or a full name and a date of birth")

    @property
    def identifies_holder(self) -> bool:
        """True when the searcher gave personal details that matched: only then does the answer
        carry the holder's name, birth date and verification link (docs/disclosure.md)."""
        return self.birth_date is not None


def _birth_date(text: str) -> str:
    """YYYY-MM-DD, from that form or from DD/MM/YYYY as Vietnamese documents write dates."""
    day_first = _DAY_FIRST.fullmatch(text)
    if day_first:
        text = f"{day_first[3]}-{int(day_first[2]):02d}-{int(day_first[1]):02d}"
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise BadSearch("birth_date: give the date of birth as YYYY-MM-DD or DD/MM/YYYY") from None


@dataclass(frozen=True)
class Evidence:
    """Where anyone can check an act on chain: the act's own transaction (``kind`` ``act``:
    supersede, revoke, cancel) or the anchor of the document it brought in (``anchor``)."""

    kind: str
    tx_hash: str | None
    block_number: int | None
    root: str | None
    leaf: str | None


@dataclass(frozen=True)
class DisclosedAct:
    """One act on a diploma, as the register records it."""

    act: str  # core.status.RegisterAct
    at: str  # ISO 8601, UTC
    register_year: int  # the register line acted on
    register_line: int
    register_number: str  # what that line's document prints (số vào sổ gốc, or a copy's số bản sao)
    reason: int | None  # 1-6 for a revocation or cancellation
    decision: str | None
    related_line: str | None  # "2026/7": the correction, re-issue or copy this act brought in
    related_register_number: str | None
    evidence: Evidence


@dataclass(frozen=True)
class DisclosedDiploma:
    """A diploma as the disclosure shows it: its current version's register line, its status,
    and every act on every version, oldest first. ``holder_*`` and ``document_id`` are None
    unless the search identified the holder."""

    authority_code: str
    authority_name: str
    diploma_type: str  # THPT / THCS
    graduation_year: int
    serial_number: str
    register_number: str
    register_year: int
    register_line: int
    status: str  # in_force | revoked | cancelled
    legacy: bool
    holder_name: str | None
    holder_birth_date: str | None
    document_id: str | None
    acts: tuple[DisclosedAct, ...]

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["acts"] = [asdict(a) for a in self.acts]
        out["holder"] = None if self.holder_name is None else {"full_name": self.holder_name,
                                                                "date_of_birth": self.holder_birth_date}
        del out["holder_name"], out["holder_birth_date"]
        return out


@dataclass(frozen=True)
class FeedLine:
    """One act of an authority's feed: no name, no birth date, no document id."""

    id: int  # page with ?after=<the last id seen>
    act: str
    at: str
    register_year: int
    register_line: int
    serial_number: str
    register_number: str
    reason: int | None
    decision: str | None
    related_line: str | None
    evidence: Evidence

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
