"""Diplomas (văn bằng) of secondary education, and certified copies from the master register.

Two diplomas, each issued by one authority (Thông tư 21/2019/TT-BGDĐT, docs/diplomas.md):

- the upper-secondary diploma (bằng tốt nghiệp trung học phổ thông, THPT), signed by the director
  of the provincial Department of Education and Training (Giám đốc Sở Giáo dục và Đào tạo);
- the lower-secondary diploma (bằng tốt nghiệp trung học cơ sở, THCS), signed by the head of the
  district Education and Training Office (Trưởng phòng Giáo dục và Đào tạo).

A :class:`Diploma` holds what the diploma prints and the master register (sổ gốc cấp văn bằng)
repeats line for line: serial number (số hiệu), register number (số vào sổ gốc), the holder,
the school, the graduation year, the classification where the rules of that year had one, the
authority, its signer and the decision recognising the graduation. A diploma issued on paper
before digital issuance is entered from the paper register as a *legacy* entry (:class:`LegacyRecord`
says where it was found and when it was issued). A :class:`CertifiedCopy` (bản sao từ sổ gốc) is its
own document that names the register entry it copies.

Every text is NFC with single spaces, so the same name typed on two machines hashes the same.
Nothing here goes on chain: a credential carries it inside the signed PDF, under one secret salt.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, fields as dataclass_fields
from datetime import date
from enum import Enum
from typing import Any, Mapping

from core.credential import Credential, is_document_id
from core.errors import InvalidInput
from core.ethnicity import official_ethnicity
from core.status import DocumentKind

GENDERS = ("Nam", "Nữ")
#: Xếp loại tốt nghiệp, where the rules of the graduation year had one.
CLASSIFICATIONS = ("Giỏi", "Khá", "Trung bình")
#: Số hiệu: the blank form's pre-printed serial: capitals and digits, spaces or dashes between.
_SERIAL = re.compile(r"[A-Z0-9]+(?:[ -][A-Z0-9]+)*")
#: Số vào sổ gốc / số vào sổ cấp bản sao: as the office writes it, e.g. ``0042/THPT-2026``, ``15/BS``.
_REGISTER_NUMBER = re.compile(r"[0-9A-ZĐ]+(?:[ ./-][0-9A-ZĐ]+)*")


class DiplomaType(str, Enum):
    """Which diploma, and so which authority issues it and what the page says."""

    UPPER_SECONDARY = "THPT"
    LOWER_SECONDARY = "THCS"

    @property
    def level(self) -> str:
        """The level of education as the diploma writes it in a sentence."""
        return "trung học phổ thông" if self is DiplomaType.UPPER_SECONDARY else "trung học cơ sở"

    @property
    def title(self) -> str:
        """The title printed on the diploma."""
        return f"BẰNG TỐT NGHIỆP {self.level.upper()}"

    @property
    def authority_prefix(self) -> str:
        """How the name of the only authority that may issue it begins."""
        return "Sở Giáo dục và Đào tạo" if self is DiplomaType.UPPER_SECONDARY else "Phòng Giáo dục và Đào tạo"

    @property
    def head_title(self) -> str:
        """The title of that authority's head, who signs."""
        return "Giám đốc" if self is DiplomaType.UPPER_SECONDARY else "Trưởng phòng"

    def grantor(self, authority_name: str) -> str:
        """Who grants the diploma, as its page names them: "Giám đốc Sở Giáo dục và Đào tạo ...",
        "Trưởng Phòng Giáo dục và Đào tạo ..." (the office's name already says "Phòng")."""
        head = "Giám đốc" if self is DiplomaType.UPPER_SECONDARY else "Trưởng"
        return f"{head} {authority_name}"

    @property
    def last_classified_year(self) -> int:
        """The last graduation year whose diplomas carried a classification (xếp loại tốt nghiệp):
        the 2015 graduation exam reform dropped it from THPT diplomas, Thông tư 31/2023 from THCS ones."""
        return 2014 if self is DiplomaType.UPPER_SECONDARY else 2023


def _clean(obj: object) -> None:
    """NFC and single spaces in every text field of a frozen dataclass, in place."""
    for f in dataclass_fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, str):
            object.__setattr__(obj, f.name, " ".join(unicodedata.normalize("NFC", value).split()))


def _is_date(text: object) -> bool:
    try:
        return isinstance(text, str) and len(text) == 10 and bool(date.fromisoformat(text))
    except ValueError:
        return False


@dataclass(frozen=True)
class Holder:
    """The person the diploma is issued to (người được cấp bằng)."""

    full_name: str
    date_of_birth: str  # YYYY-MM-DD
    place_of_birth: str  # province or city, as the birth certificate says
    gender: str  # "Nam" / "Nữ"
    ethnicity: str  # one of core.ethnicity.ETHNIC_GROUPS

    def __post_init__(self) -> None:
        _clean(self)


@dataclass(frozen=True)
class Authority:
    """The issuing authority (cơ quan cấp bằng)."""

    code: str  # its issuer code in the registry and on chain, e.g. "SGD-79"
    name: str  # "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
    place: str  # where it signs: the place before the date, "Thành phố Hồ Chí Minh, ngày ..."

    def __post_init__(self) -> None:
        _clean(self)


@dataclass(frozen=True)
class Signatory:
    """Who signs, with the title printed above the name. A deputy signs ``on_behalf_of`` the head:
    the page then reads "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" (ký thay)."""

    name: str
    title: str  # "Giám đốc", "Phó Giám đốc", "Trưởng phòng", ...
    on_behalf_of: str | None = None  # the head's title when a deputy signs, e.g. "Giám đốc"

    def __post_init__(self) -> None:
        _clean(self)

    def title_lines(self) -> list[str]:
        """The title block above the signature, in capitals as documents print it."""
        if self.on_behalf_of:
            return [f"KT. {self.on_behalf_of.upper()}", self.title.upper()]
        return [self.title.upper()]


@dataclass(frozen=True)
class Decision:
    """The decision recognising graduation (quyết định công nhận tốt nghiệp) the diploma rests on."""

    reference: str  # "1234/QĐ-SGDĐT"
    date: str  # YYYY-MM-DD

    def __post_init__(self) -> None:
        _clean(self)


@dataclass(frozen=True)
class LegacyRecord:
    """Marks a diploma issued on paper before digital issuance, entered from the paper register.

    The entry repeats the paper diploma (its serial, register number, signer of the time); this
    record says when that diploma was issued and where in the paper register the entry was read,
    so that anyone can go back to the page."""

    issued_on: str  # the date printed on the paper diploma, YYYY-MM-DD
    source: str  # e.g. "Sổ gốc cấp bằng tốt nghiệp THPT năm 2009, quyển 2, trang 41"

    def __post_init__(self) -> None:
        _clean(self)


@dataclass(frozen=True)
class Diploma:
    """One diploma as issued and as its master-register entry records it."""

    diploma_type: DiplomaType
    serial_number: str  # số hiệu
    register_number: str  # số vào sổ gốc cấp văn bằng
    holder: Holder
    school: str  # the school the holder graduated from, "Trường THPT Nguyễn Thị Minh Khai"
    graduation_year: int
    authority: Authority
    signer: Signatory
    decision: Decision
    classification: str | None = None  # xếp loại tốt nghiệp: only where the year's rules had one
    legacy: LegacyRecord | None = None  # set for a paper diploma entered from the paper register

    def __post_init__(self) -> None:
        _clean(self)
        try:
            object.__setattr__(self, "diploma_type", DiplomaType(self.diploma_type))
        except ValueError:
            raise InvalidInput(f"diploma_type: {self.diploma_type!r} is not THPT or THCS", code="bad_diploma") from None
        problems = _problems(self)
        if problems:
            raise InvalidInput("; ".join(problems), code="bad_diploma")

    @property
    def is_legacy(self) -> bool:
        return self.legacy is not None

    def to_fields(self) -> dict[str, Any]:
        """The credential's fields, as plain JSON values."""
        d = asdict(self)
        d["diploma_type"] = self.diploma_type.value
        return d

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> "Diploma":
        try:
            f = dict(fields)
            legacy = f.pop("legacy", None)
            return cls(holder=Holder(**f.pop("holder")), authority=Authority(**f.pop("authority")),
                       signer=Signatory(**f.pop("signer")), decision=Decision(**f.pop("decision")),
                       legacy=LegacyRecord(**legacy) if legacy is not None else None, **f)
        except (KeyError, TypeError) as e:
            raise InvalidInput(f"diploma fields are incomplete or malformed: {e}", code="bad_diploma") from None

    def to_credential(self, issued_on: str | None = None) -> Credential:
        """The credential of this diploma, issued by its authority on ``issued_on``. A legacy entry
        keeps the date of its paper diploma (``issued_on`` may be left out, or must agree)."""
        if self.legacy is not None:
            if issued_on not in (None, self.legacy.issued_on):
                raise InvalidInput(f"a legacy diploma was issued on {self.legacy.issued_on}, not {issued_on}",
                                   code="bad_diploma")
            issued_on = self.legacy.issued_on
        if not _is_date(issued_on) or issued_on < self.decision.date:
            raise InvalidInput(f"issued_on: {issued_on!r} is not a date on or after the decision of "
                               f"{self.decision.date}", code="bad_diploma")
        return Credential.new(DocumentKind.DIPLOMA, self.authority.code, issued_on, self.to_fields())


def _problems(d: Diploma) -> list[str]:
    """Every rule ``d`` breaks, in words (the importer checks each cell before; this is the last word)."""
    t, h, problems = d.diploma_type, d.holder, []
    if not _SERIAL.fullmatch(d.serial_number):
        problems.append(f"serial_number: {d.serial_number!r} is not capitals and digits")
    if not _REGISTER_NUMBER.fullmatch(d.register_number) or not any(c.isdigit() for c in d.register_number):
        problems.append(f"register_number: {d.register_number!r} is not a register number such as 0042/THPT-2026")
    for name, value in (("holder.full_name", h.full_name), ("holder.place_of_birth", h.place_of_birth),
                        ("school", d.school), ("authority.code", d.authority.code), ("authority.name", d.authority.name),
                        ("authority.place", d.authority.place), ("signer.name", d.signer.name),
                        ("signer.title", d.signer.title), ("decision.reference", d.decision.reference)):
        if not value:
            problems.append(f"{name}: empty")
    if any(c.isdigit() for c in h.full_name):
        problems.append(f"holder.full_name: {h.full_name!r} has digits")
    if h.gender not in GENDERS:
        problems.append(f"holder.gender: {h.gender!r} is not Nam or Nữ")
    if official_ethnicity(h.ethnicity) != h.ethnicity:
        problems.append(f"holder.ethnicity: {h.ethnicity!r} is not the official name of one of the 54 ethnic groups")
    for name, value in (("holder.date_of_birth", h.date_of_birth), ("decision.date", d.decision.date)):
        if not _is_date(value):
            problems.append(f"{name}: {value!r} is not a date YYYY-MM-DD")
    if not isinstance(d.graduation_year, int) or isinstance(d.graduation_year, bool) \
            or not 1945 <= d.graduation_year <= 2100:
        problems.append(f"graduation_year: {d.graduation_year!r} is not a year")
    elif _is_date(h.date_of_birth) and int(h.date_of_birth[:4]) > d.graduation_year - 10:
        problems.append(f"holder.date_of_birth: {h.date_of_birth} is too late to graduate in {d.graduation_year}")
    if d.classification is not None:
        if d.classification not in CLASSIFICATIONS:
            problems.append(f"classification: {d.classification!r} is not one of {', '.join(CLASSIFICATIONS)}")
        elif isinstance(d.graduation_year, int) and d.graduation_year > t.last_classified_year:
            problems.append(f"classification: {t.value} diplomas after {t.last_classified_year} have none")
    if d.authority.name and not d.authority.name.startswith(t.authority_prefix):
        problems.append(f"authority.name: a {t.value} diploma is issued by a {t.authority_prefix}, "
                        f"not {d.authority.name!r}")
    if d.legacy is not None:
        if not _is_date(d.legacy.issued_on) or d.legacy.issued_on < d.decision.date:
            problems.append(f"legacy.issued_on: {d.legacy.issued_on!r} is not a date on or after the decision")
        if not d.legacy.source:
            problems.append("legacy.source: say where in the paper register the entry was read")
    return problems


@dataclass(frozen=True)
class CertifiedCopy:
    """A copy issued from the master register (bản sao từ sổ gốc), with the legal value of the
    original (Nghị định 23/2015/NĐ-CP). Only the authority keeping the register issues it, so its
    issuer is the diploma's authority; its signer may be today's, not the original's.

    It names the register entry it copies by the authority, the register number and the serial
    (all in ``diploma``), and, when that entry was anchored as a document, by its document id."""

    diploma: Diploma  # the register entry's content, exactly
    original_issued_on: str  # the date the copied diploma was issued (the copy repeats it)
    copy_number: str  # số vào sổ cấp bản sao, e.g. "15/BS-2026"
    signer: Signatory  # who signs the copy
    original_document_id: str | None = None  # the copied entry's document id, when it has one

    def __post_init__(self) -> None:
        _clean(self)
        problems = []
        if not _REGISTER_NUMBER.fullmatch(self.copy_number) or not any(c.isdigit() for c in self.copy_number):
            problems.append(f"copy_number: {self.copy_number!r} is not a number such as 15/BS-2026")
        if self.original_document_id is not None and not is_document_id(self.original_document_id):
            problems.append(f"original_document_id: {self.original_document_id!r} is not a document id")
        if self.original_document_id is None and not self.diploma.is_legacy:
            problems.append("original_document_id: a diploma issued digitally is copied from its anchored entry")
        if not _is_date(self.original_issued_on) or self.original_issued_on < self.diploma.decision.date:
            problems.append(f"original_issued_on: {self.original_issued_on!r} is not a date on or after the decision")
        elif self.diploma.legacy is not None and self.original_issued_on != self.diploma.legacy.issued_on:
            problems.append(f"original_issued_on: the paper diploma was issued on {self.diploma.legacy.issued_on}")
        if not (self.signer.name and self.signer.title):
            problems.append("signer: name and title are required")
        if problems:
            raise InvalidInput("; ".join(problems), code="bad_certified_copy")

    def to_fields(self) -> dict[str, Any]:
        return {"diploma": self.diploma.to_fields(), "original_issued_on": self.original_issued_on,
                "copy_number": self.copy_number,
                "signer": asdict(self.signer), "original_document_id": self.original_document_id}

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> "CertifiedCopy":
        try:
            return cls(diploma=Diploma.from_fields(fields["diploma"]), original_issued_on=fields["original_issued_on"],
                       copy_number=fields["copy_number"],
                       signer=Signatory(**fields["signer"]), original_document_id=fields["original_document_id"])
        except (KeyError, TypeError) as e:
            raise InvalidInput(f"certified copy fields are incomplete or malformed: {e}",
                               code="bad_certified_copy") from None

    def to_credential(self, issued_on: str) -> Credential:
        """The copy's own credential (kind ``certified_copy``), issued by the register's authority."""
        if not _is_date(issued_on) or issued_on < self.original_issued_on:
            raise InvalidInput(f"issued_on: {issued_on!r} is not a date on or after the original's",
                               code="bad_certified_copy")
        return Credential.new(DocumentKind.CERTIFIED_COPY, self.diploma.authority.code, issued_on, self.to_fields())
