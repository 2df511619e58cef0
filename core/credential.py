"""The credential: the machine-readable form of one document, and its leaf.

A credential is the document's content (named top-level fields) plus a small clear header
(format, id, kind, issuer, date) and one secret random salt. It travels inside the signed
PDF as an embedded file, in canonical form, so the PDF alone is enough to recompute the leaf.

::

    data_hash = SHA-256( JCS(credential) )            # the embedded bytes, salt included
    leaf      = keccak256(keccak256(data_hash || sha256(signed PDF)))   # core.merkle

The salt keeps a low-entropy field (a birth date, a score) from being found by hashing
guesses: the id is public (it is in the QR code), the salt is only in the PDF. Only the leaf
(and only when revoked) and the batch root ever reach the chain. Why one salt per document
and not one per field: docs/credential-format.md. The full specification is there too.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Mapping

from core.canonical import canonical_json, parse_json
from core.errors import InvalidInput
from core.hashes import Hash32, sha256
from core.merkle import leaf_hash
from core.status import DocumentKind

FORMAT = "sogoc.credential/2"
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


#: Groups of the printed verification code: 26 characters as 4-4-4-4-4-3-3, short enough to
#: read aloud and to find one's place in.
CODE_GROUPS = (4, 4, 4, 4, 4, 3, 3)
#: What people type for what is printed. The id's alphabet (a-z, 2-7) has no 0, 1, 8 or 9, so
#: each of them can only be a misread letter: 0 for o, 1 for l, 8 for b.
_CONFUSIONS = str.maketrans({"0": "o", "1": "l", "8": "b"})
_CODE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.·]+")


def verification_code(document_id: str) -> str:
    """The document id as printed beside the QR code: ``mfrg-gzdf-mztw-q2lk-nnwg-23t-poa``.

    It is the id itself, all 128 bits of it, only grouped: a shorter code would have to be
    made unique at intake and would be guessable in proportion to its shortness.
    """
    parts, start = [], 0
    for size in CODE_GROUPS:
        parts.append(document_id[start:start + size])
        start += size
    return "-".join(parts)


def document_id_from_code(text: str) -> str | None:
    """The id in what someone typed: any case, spaces or dashes anywhere, 0/1/8 for o/l/b.

    None when it cannot be an id (wrong length, a 9, a letter outside the alphabet).
    """
    candidate = _CODE_SEPARATORS.sub("", text).lower().translate(_CONFUSIONS)
    return candidate if is_document_id(candidate) else None


@dataclass(frozen=True)
class Credential:
    """One document's content with its salt. Text may arrive in NFC or NFD: the data hash is
    computed over the canonical (NFC) form, so both give the same hash. A credential whose
    content has no canonical form (a float, a duplicate key after NFC) cannot be built."""

    id: str
    kind: DocumentKind
    issuer: str  # code of the issuing institution, e.g. "THPT-79-LQD"
    issued_on: str  # ISO date, YYYY-MM-DD
    fields: Mapping[str, Any]
    salt: str  # SALT_BYTES random bytes as lower-case hex; secret: only in the PDF and the registry
    _canonical: bytes = field(init=False, repr=False, compare=False)

    @classmethod
    def new(cls, kind: DocumentKind, issuer: str, issued_on: str, fields: Mapping[str, Any]) -> "Credential":
        """A fresh credential with a new random id and a fresh salt (one call to the OS's random source)."""
        pool = secrets.token_bytes(ID_BYTES + SALT_BYTES)
        return cls(id=_base32(pool[:ID_BYTES]), kind=kind, issuer=issuer, issued_on=issued_on,
                   fields=fields, salt=pool[ID_BYTES:].hex())

    def __post_init__(self) -> None:
        if not (isinstance(self.issuer, str) and isinstance(self.issued_on, str) and isinstance(self.fields, Mapping)
                and isinstance(self.kind, DocumentKind)):
            raise InvalidInput("issuer and issued_on are strings, fields an object", code="bad_credential")
        if not is_document_id(self.id):
            raise InvalidInput(f"not a document id: {self.id!r}", code="bad_document_id")
        if not (isinstance(self.salt, str) and _SALT.fullmatch(self.salt)):
            raise InvalidInput(f"the salt is not {SALT_BYTES} bytes of lower-case hex", code="bad_credential")
        document = {**self.header(), "salt": self.salt, "fields": dict(self.fields)}
        object.__setattr__(self, "_canonical", canonical_json(document))

    def header(self) -> dict[str, str]:
        """The clear header: what a report may show besides the fields (never the salt)."""
        return {"format": FORMAT, "id": self.id, "kind": self.kind.name.lower(),
                "issuer": self.issuer, "issued_on": self.issued_on}

    def data_hash(self) -> Hash32:
        return sha256(self._canonical)

    def leaf(self, pdf_sha256: Hash32) -> Hash32:
        """The Merkle leaf binding this content to the signed PDF."""
        return leaf_hash(sha256(self._canonical), pdf_sha256)

    def to_json(self) -> bytes:
        """Canonical JSON bytes: what is embedded in the PDF, stored by the registry and hashed."""
        return self._canonical

    @classmethod
    def from_json(cls, data: bytes | str) -> "Credential":
        return cls.from_obj(parse_json(data, what="credential"))

    @classmethod
    def from_obj(cls, obj: Any) -> "Credential":
        """A credential from parsed JSON (the registry's bulk intake parses a whole request at once)."""
        if not isinstance(obj, dict) or not str(obj.get("format", "")).startswith("sogoc.credential/"):
            raise InvalidInput(f"not a {FORMAT} credential", code="bad_credential")
        if obj["format"] != FORMAT:
            raise InvalidInput(f"format {obj['format']!r} is not {FORMAT}", code="unsupported_format")
        extra = obj.keys() - {"format", "id", "kind", "issuer", "issued_on", "salt", "fields"}
        if extra:
            raise InvalidInput(f"credential has unknown keys: {sorted(extra)}", code="bad_credential")
        try:
            kind = DocumentKind[str(obj["kind"]).upper()]
            return cls(id=obj["id"], kind=kind, issuer=obj["issuer"], issued_on=obj["issued_on"],
                       fields=obj["fields"], salt=obj["salt"])
        except KeyError as e:
            raise InvalidInput(f"credential lacks {e} (or has an unknown kind)", code="bad_credential") from None
