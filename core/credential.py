"""The credential: the machine-readable form of one document, and its leaf.

A credential is the document's content, split into named top-level fields, each with its
own random salt, plus a small clear header (format, id, kind, issuer, date). It travels
inside the signed PDF as an embedded file, so the PDF alone is enough to recompute the leaf.

::

    field_digest(name) = SHA-256( salt(name) || JCS([name, value]) )
    data_hash          = SHA-256( JCS({header..., "fields": {name: hex(field_digest)}}) )
    leaf               = keccak256(keccak256(data_hash || sha256(signed PDF)))   # core.merkle

Salts keep a low-entropy field (a birth date, a score) from being found by hashing guesses;
the random 128-bit id does the same for the header. Digests per field let a holder later
disclose some fields and only digests of the others. Only the leaf (and only when revoked)
and the batch root ever reach the chain. The full specification is docs/credential-format.md.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from core.canonical import canonical_json, canonical_members, parse_json
from core.errors import InvalidInput
from core.hashes import Hash32, sha256
from core.merkle import leaf_hash
from core.status import DocumentKind

FORMAT = "sogoc.credential/1"
#: Name of the embedded file that carries the credential inside the PDF.
EMBEDDED_FILE_NAME = "sogoc-credential.json"
SALT_BYTES = 16
ID_BYTES = 16  # 128 random bits: enumerating ids is hopeless
_SALT = re.compile(f"[0-9a-f]{{{2 * SALT_BYTES}}}")
_ID = re.compile("[a-z2-7]{26}")


def new_document_id() -> str:
    """A random, unguessable document id: 26 characters of lower-case base32."""
    return _base32(secrets.token_bytes(ID_BYTES))


def _base32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def is_document_id(text: str) -> bool:
    return isinstance(text, str) and _ID.fullmatch(text) is not None


@dataclass(frozen=True)
class Credential:
    """One document's content with its salts. Text may arrive in NFC or NFD: every digest is
    computed over the canonical (NFC) form, so both give the same hashes."""

    id: str
    kind: DocumentKind
    issuer: str  # code of the issuing institution, e.g. "THPT-79-LQD"
    issued_on: str  # ISO date, YYYY-MM-DD
    fields: Mapping[str, Any]
    salts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def new(cls, kind: DocumentKind, issuer: str, issued_on: str, fields: Mapping[str, Any]) -> "Credential":
        """A fresh credential with a new random id and fresh salts (one call to the OS's random source)."""
        pool = secrets.token_bytes(ID_BYTES + SALT_BYTES * len(fields))
        salts = {name: pool[ID_BYTES + i * SALT_BYTES:ID_BYTES + (i + 1) * SALT_BYTES].hex()
                 for i, name in enumerate(fields)}
        return cls(id=_base32(pool[:ID_BYTES]), kind=kind, issuer=issuer, issued_on=issued_on,
                   fields=fields, salts=salts)

    def __post_init__(self) -> None:
        if not (isinstance(self.issuer, str) and isinstance(self.issued_on, str) and isinstance(self.fields, Mapping)
                and isinstance(self.salts, Mapping) and isinstance(self.kind, DocumentKind)):
            raise InvalidInput("issuer and issued_on are strings, fields and salts objects", code="bad_credential")
        if not is_document_id(self.id):
            raise InvalidInput(f"not a document id: {self.id!r}", code="bad_document_id")
        if self.fields.keys() != self.salts.keys():
            missing = sorted(set(self.fields) ^ set(self.salts))
            raise InvalidInput(f"fields and salts differ: {missing}", code="bad_credential")
        bad = [name for name, salt in self.salts.items() if not (isinstance(salt, str) and _SALT.fullmatch(salt))]
        if bad:
            raise InvalidInput(f"salt of {bad[0]!r} is not {SALT_BYTES} bytes of lower-case hex", code="bad_credential")

    def header(self) -> dict[str, Any]:
        return {"format": FORMAT, "id": self.id, "kind": self.kind.name.lower(),
                "issuer": self.issuer, "issued_on": self.issued_on}

    def field_digest(self, name: str) -> Hash32:
        return Hash32.from_hex(self._field_digests[name])

    @cached_property
    def _field_digests(self) -> dict[str, str]:
        salts, sha = self.salts, hashlib.sha256
        return {name: "0x" + sha(bytes.fromhex(salts[name]) + member).hexdigest()
                for name, member in canonical_members(self.fields).items()}

    def data_hash(self) -> Hash32:
        return self._data_hash

    @cached_property
    def _data_hash(self) -> Hash32:
        return sha256(canonical_json({**self.header(), "fields": self._field_digests}))

    def leaf(self, pdf_sha256: Hash32) -> Hash32:
        """The Merkle leaf binding this content to the signed PDF."""
        return leaf_hash(self.data_hash(), pdf_sha256)

    def to_json(self) -> bytes:
        """Canonical JSON bytes: what is embedded in the PDF and stored by the registry."""
        return canonical_json({**self.header(), "fields": dict(self.fields), "salts": dict(self.salts)})

    @classmethod
    def from_json(cls, data: bytes | str) -> "Credential":
        obj = parse_json(data, what="credential")
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise InvalidInput(f"not a {FORMAT} credential", code="bad_credential")
        try:
            kind = DocumentKind[str(obj["kind"]).upper()]
            return cls(id=obj["id"], kind=kind, issuer=obj["issuer"], issued_on=obj["issued_on"],
                       fields=obj["fields"], salts=obj["salts"])
        except KeyError as e:
            raise InvalidInput(f"credential lacks {e} (or has an unknown kind)", code="bad_credential") from None
        except (TypeError, AttributeError) as e:
            raise InvalidInput(f"malformed credential: {e}", code="bad_credential") from None
