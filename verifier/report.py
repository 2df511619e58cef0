"""The verification report: data, not exceptions.

Each check yields a :class:`Check` (name, status, stable code, message, details), like
oa-verify's fragments; the verdict is derived from the checks by one rule
(:func:`verdict_of`). ``sogoc verify --json``, ``GET /api/v1/verify/{id}`` and the pages all
show this same report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from core.status import VERDICT_PRECEDENCE, CheckCode, CheckStatus, Verdict

REPORT_FORMAT = "sogoc.verification/1"

#: Fields that whoever holds only the document id (the QR code) does not see, by where they sit in
#: a document's fields (transcript: ``student``; diploma: ``holder``; certified copy: the copied
#: diploma's ``holder``). Comparing a name and a birth date with an identity document needs
#: neither the personal id number, nor the place of birth, nor the ethnicity (sensitive personal
#: data, Nghị định 13/2023). Whoever holds the file sees everything in it anyway.
PRIVATE_FIELDS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("student",): ("personal_id", "place_of_birth"),
    ("holder",): ("personal_id", "place_of_birth", "ethnicity"),
    ("diploma", "holder"): ("personal_id", "place_of_birth", "ethnicity"),
}


@dataclass(frozen=True)
class Check:
    name: str
    """What was checked: ``credential``, ``signature``, ``signer_registered``, ``anchor``, ``status``."""
    status: CheckStatus
    code: CheckCode
    message: str
    """One sentence in English; pages translate by ``code``."""
    verdict: Verdict | None = None
    """The verdict this check forces when it fails."""
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Check":
        """Back from :meth:`to_json` (the verdict a failed check forces is not carried: the report's is)."""
        return cls(d["name"], CheckStatus(d["status"]), CheckCode(d["code"]), d["message"],
                   details=d.get("details") or {})

    def to_json(self) -> dict[str, Any]:
        """The check as the report's JSON shows it (the verdict a failed check forces is the report's).

        Its ``details`` are shared, not copied, as the report shares its other parts: an upload's
        answer is serialised at once (``dataclasses.asdict`` deep-copied them on every upload)."""
        return {"name": self.name, "status": self.status.value, "code": self.code.value, "message": self.message,
                "details": self.details}


def verdict_of(checks: list[Check]) -> Verdict:
    """The first failed check in :data:`VERDICT_PRECEDENCE` order decides; none failed: valid."""
    failed = {c.verdict for c in checks if c.status is CheckStatus.FAILED and c.verdict}
    return next((v for v in VERDICT_PRECEDENCE if v in failed), Verdict.VALID)


@dataclass(frozen=True)
class Report:
    status: Verdict
    document_id: str | None
    checks: list[Check]
    document: dict[str, Any] | None = None
    """The credential's header and fields, for whoever holds the file or the QR code."""
    signatures: list[dict[str, Any]] = field(default_factory=list)
    anchor: dict[str, Any] | None = None
    revocation: dict[str, Any] | None = None
    supersession: dict[str, Any] | None = None
    accreditation: list[dict[str, Any]] | None = None
    """Ministry -> authority -> school as the chain records them, each with its validity at issue."""
    history: dict[str, Any] | None = None
    """A diploma's versions and copies (master register), each with its status read from the chain,
    and ``current_document_id``, the version in force (None if none is)."""

    @property
    def valid(self) -> bool:
        return self.status is Verdict.VALID

    def to_json(self, *, withhold_private: bool = False) -> dict[str, Any]:
        """The stable JSON report; ``withhold_private`` drops :data:`PRIVATE_FIELDS` from the document."""
        return {
            "format": REPORT_FORMAT,
            "status": self.status.value,
            "document_id": self.document_id,
            "checks": [c.to_json() for c in self.checks],
            "document": _withhold(self.document) if withhold_private else self.document,
            "signatures": self.signatures,
            "anchor": self.anchor,
            "revocation": self.revocation,
            "supersession": self.supersession,
            "accreditation": self.accreditation,
            "history": self.history,
        }


    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Report":
        """Back from :meth:`to_json`, e.g. a stored report to render as a page."""
        return cls(Verdict(d["status"]), d.get("document_id"), [Check.from_json(c) for c in d.get("checks") or []],
                   document=d.get("document"), signatures=d.get("signatures") or [], anchor=d.get("anchor"),
                   revocation=d.get("revocation"), supersession=d.get("supersession"),
                   accreditation=d.get("accreditation"), history=d.get("history"))


@dataclass(frozen=True)
class PublishedReport:
    """A document's report as the by-id routes serve it: the public JSON bytes and when the chain
    state behind it was read. Built once by a full verification, then served many times."""

    body: bytes
    """``Report.to_json(withhold_private=True)`` serialised: served as is by the JSON API."""
    checked_at: int | None = None
    """Unix seconds up to which the chain state (anchor, revocation, correction) is known to hold."""
    checked_block: int | None = None
    """The block of that chain state."""
    private_withheld: bool = False
    """Whether the document has fields the public report leaves out (the page says so)."""

    @classmethod
    def of(cls, report: Report, *, checked_at: int | None = None, checked_block: int | None = None) -> "PublishedReport":
        public = report.to_json(withhold_private=True)
        return cls(orjson.dumps(public), checked_at, checked_block, public["document"] != report.document)

    def report(self) -> Report:
        """The report itself, for the page (the JSON API never needs to parse it)."""
        return Report.from_json(orjson.loads(self.body))


@dataclass(frozen=True)
class StoredPage:
    """A document's QR landing page in one language, rendered when its report was stored
    (:func:`verifier.web.render_landing`), served as bytes with its "checked at" filled in."""

    html: bytes
    checked_at: int
    """Unix seconds up to which the chain state behind the page is known to hold."""
    version: str
    """:func:`verifier.web.page_version` of the code that rendered it."""


def _withhold(document: dict[str, Any] | None) -> dict[str, Any] | None:
    if not document or not isinstance(document.get("fields"), dict):
        return document
    return {**document, "fields": withhold_fields(document["fields"])}


def withhold_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` without :data:`PRIVATE_FIELDS` (copied where changed; the input is left as is)."""
    for path, names in PRIVATE_FIELDS.items():
        fields = _without(fields, path, names)
    return fields


def _without(fields: dict[str, Any], path: tuple[str, ...], names: tuple[str, ...]) -> dict[str, Any]:
    inner = fields.get(path[0])
    if not isinstance(inner, dict):
        return fields
    if len(path) > 1:
        return {**fields, path[0]: _without(inner, path[1:], names)}
    return {**fields, path[0]: {k: v for k, v in inner.items() if k not in names}}
