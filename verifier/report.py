"""The verification report: data, not exceptions.

Each check yields a :class:`Check` (name, status, stable code, message, details), like
oa-verify's fragments; the verdict is derived from the checks by one rule
(:func:`verdict_of`). ``sogoc verify --json``, ``GET /api/v1/verify/{id}`` and the pages all
show this same report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from core.status import VERDICT_PRECEDENCE, CheckCode, CheckStatus, Verdict

REPORT_FORMAT = "sogoc.verification/1"

#: Fields that whoever holds only the document id (the QR code) does not see: comparing a name
#: and a birth date with an identity document needs neither the personal id number nor the
#: place of birth. Whoever holds the file sees everything in it anyway.
PRIVATE_FIELDS = {"student": ("personal_id", "place_of_birth")}


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

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"], d["code"] = self.status.value, self.code.value
        d.pop("verdict")
        return d


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
        }


def _withhold(document: dict[str, Any] | None) -> dict[str, Any] | None:
    if not document or not isinstance(document.get("fields"), dict):
        return document
    fields = dict(document["fields"])
    for group, names in PRIVATE_FIELDS.items():
        if isinstance(fields.get(group), dict):
            fields[group] = {k: v for k, v in fields[group].items() if k not in names}
    return {**document, "fields": fields}
