"""Where the verifier gets a document's Merkle proof: the registry's API, a file, or in process.

Nothing from an evidence source is trusted: the proof must lead from the leaf recomputed from
the file to a root that the chain itself says is anchored. A lying source can only make a
genuine document look unanchored, never make a forgery look valid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from core.credential import is_document_id
from core.errors import InvalidInput, SogocError
from core.hashes import Hash32


class EvidenceUnavailable(SogocError):
    """The evidence source could not be asked (network down, server error)."""

    code = "evidence_unavailable"
    http_status = 503


@dataclass(frozen=True)
class Evidence:
    document_id: str
    root: Hash32 | None  # None while the document waits for its batch
    proof: tuple[Hash32, ...]
    anchor: dict[str, Any] | None  # transaction, block, time, as the registry recorded them
    revocation: dict[str, Any] | None  # includes the decision's text, checked against its hash on chain
    #: (code, name, kind) of the issuer, its authority and the Ministry, as the registry's database
    #: names them; the verifier shows a name only for the on-chain id its code hashes to.
    institutions: tuple[tuple[str, str, str], ...] = ()
    #: A diploma's versions and copies from the master register (registry.register.lineage), each
    #: with its leaf and root: the verifier reads each one's status from the chain. Empty otherwise.
    history: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_json(cls, obj: Any) -> "Evidence":
        if not isinstance(obj, dict) or not all(isinstance(obj.get(k), (dict, type(None))) for k in ("anchor", "revocation")):
            raise InvalidInput("malformed evidence: not an object with object-valued anchor and revocation",
                               code="bad_evidence")
        try:
            return cls(
                document_id=str(obj["document_id"]),
                root=Hash32.from_hex(obj["root"]) if obj.get("root") else None,
                proof=tuple(Hash32.from_hex(p) for p in obj.get("proof") or ()),
                anchor=obj.get("anchor"),
                revocation=obj.get("revocation"),
                institutions=tuple((str(i["code"]), str(i["name"]), str(i.get("kind") or ""))
                                   for i in obj.get("institutions") or ()
                                   if isinstance(i, dict) and i.get("code") and i.get("name")),
                history=tuple(_version(v) for v in obj.get("history") or ()),
            )
        except (KeyError, TypeError, AttributeError, InvalidInput) as e:
            raise InvalidInput(f"malformed evidence: {e}", code="bad_evidence") from None


class EvidenceSource(Protocol):
    def evidence(self, document_id: str) -> Evidence | None:
        """The evidence of one document, or None if the source does not know it."""


class HttpEvidenceSource:
    """The registry's public API: ``GET {base}/api/v1/documents/{id}/evidence``."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def evidence(self, document_id: str) -> Evidence | None:
        if not is_document_id(document_id):
            return None
        url = f"{self.base_url}/api/v1/documents/{document_id}/evidence"
        try:
            response = httpx.get(url, timeout=self.timeout)
        except httpx.HTTPError as e:
            raise EvidenceUnavailable(f"cannot reach the registry at {self.base_url}: {e}") from e
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise EvidenceUnavailable(f"the registry answered {response.status_code} for {url}")
        try:
            return Evidence.from_json(response.json())
        except (ValueError, InvalidInput) as e:
            raise EvidenceUnavailable(f"the registry's answer for {url} is not evidence: {e}") from e


class FileEvidenceSource:
    """Evidence saved as JSON (``sogoc verify --evidence FILE``): verification with no registry at all."""

    def __init__(self, path: Path) -> None:
        try:
            obj = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise InvalidInput(f"cannot read evidence file {path}: {e}", code="bad_evidence") from e
        self._evidence = Evidence.from_json(obj)

    def evidence(self, document_id: str) -> Evidence | None:
        return self._evidence if self._evidence.document_id == document_id else None


def _version(v: Any) -> dict[str, Any]:
    """One version of a diploma's history, with its leaf and root as hashes (checked, else refused)."""
    if not isinstance(v, dict) or not is_document_id(str(v.get("document_id"))):
        raise InvalidInput("a history version names a document id", code="bad_evidence")
    return {**v, "leaf": Hash32.from_hex(v["leaf"]), "root": Hash32.from_hex(v["root"]) if v.get("root") else None}
