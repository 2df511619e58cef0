"""Who may do what: the registry's rules, the same as the contract's.

- A school (issuer) acts on its own documents only.
- An authority (Sở/Phòng GDĐT, exam office) acts on its own documents and on its schools'.
- The Ministry administers authorities; it acts on no document (the contract lets it neither
  anchor nor revoke), and it reads the whole audit log.

Submitting is narrower than acting: a document is anchored from its issuer's own account (the
contract anchors under the sender's id), so only the issuer itself submits its documents.
"""

from __future__ import annotations

from typing import Protocol

MINISTRY, AUTHORITY, ISSUER = "ministry", "authority", "issuer"


class InstitutionLike(Protocol):
    code: str
    kind: str
    parent_code: str | None


def may_submit_for(actor: InstitutionLike, issuer_code: str) -> bool:
    """Only the issuer itself, and only a school or an authority (the Ministry anchors nothing)."""
    return actor.code == issuer_code and actor.kind in (ISSUER, AUTHORITY)


def may_act_on_documents_of(actor: InstitutionLike, issuer: InstitutionLike) -> bool:
    """Read the status of or revoke a document of ``issuer``: the issuer itself or its authority."""
    if actor.kind not in (ISSUER, AUTHORITY):
        return False
    return actor.code == issuer.code or (actor.kind == AUTHORITY and issuer.parent_code == actor.code)


def may_read_audit(actor: InstitutionLike) -> bool:
    """Authorities read their own and their schools' entries; the Ministry reads them all."""
    return actor.kind in (AUTHORITY, MINISTRY)
