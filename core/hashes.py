"""32-byte hashes as values of their own type.

Inside the code a hash is a :class:`Hash32`; hex appears only at the edges (JSON, chain
calls, pages), always with the ``0x`` prefix and lower case.
"""

from __future__ import annotations

import hashlib

import sha3  # safe-pysha3: about 7x faster than pycryptodome's keccak on 64-byte inputs

from core.errors import InvalidInput

_keccak = sha3.keccak_256


class Hash32(bytes):
    """Exactly 32 bytes: a SHA-256 or keccak-256 digest, a Merkle root or leaf."""

    __slots__ = ()

    def __new__(cls, value: bytes) -> "Hash32":
        if len(value) != 32:
            raise InvalidInput(f"a hash has 32 bytes, got {len(value)}", code="bad_hash")
        return super().__new__(cls, value)

    @classmethod
    def from_hex(cls, text: str) -> "Hash32":
        """Parse ``0x``-prefixed (or bare) hex; raises :class:`InvalidInput` on anything else."""
        digits = text[2:] if text[:2] in ("0x", "0X") else text
        if len(digits) != 64:
            raise InvalidInput(f"a hash is 64 hex digits, got {text!r}", code="bad_hash")
        try:
            return cls(bytes.fromhex(digits))
        except ValueError as e:
            raise InvalidInput(f"not a hex hash: {text!r}", code="bad_hash") from e

    @property
    def hex0x(self) -> str:
        return "0x" + self.hex()

    def __repr__(self) -> str:
        return f"Hash32({self.hex0x})"


ZERO = Hash32(bytes(32))


def keccak256(data: bytes) -> Hash32:
    return Hash32(_keccak(data).digest())


def sha256(data: bytes) -> Hash32:
    return Hash32(hashlib.sha256(data).digest())


def institution_id(code: str) -> Hash32:
    """On-chain id of an institution: keccak-256 of its code (e.g. ``"SGD-79"``)."""
    return keccak256(code.encode("utf-8"))
