"""The port through which the registry writes to the chain.

Use cases take a :class:`Ledger`; production passes :class:`registry.chain.Web3Ledger`
(a real node over JSON-RPC), unit tests a small fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from core.hashes import Hash32


@dataclass(frozen=True)
class TxReceipt:
    """Where a transaction landed."""

    tx_hash: Hash32 | None  # None when an anchor was found on chain, not sent by us
    block_number: int
    block_time: int  # unix seconds


@dataclass(frozen=True)
class RecordedRevocation:
    """A revocation the chain already holds (a retry after a crash finds it)."""

    decision: Hash32
    revoked_at: int  # unix seconds


class Ledger(Protocol):
    def find_anchor(self, issuer_code: str, root: Hash32) -> TxReceipt | None:
        """The anchor of ``root`` by this issuer if it is on chain already (a retry after a crash).

        Raises :class:`core.errors.ChainError` ``root_taken`` if another institution anchored it.
        """

    def find_revocation(self, root: Hash32, leaf: Hash32) -> RecordedRevocation | None:
        """The revocation of ``leaf`` if the chain already records it."""

    def anchor(self, issuer_code: str, root: Hash32, leaf_count: int, kind: int) -> TxReceipt:
        """Anchor ``root`` from the issuer's account; returns once the transaction is mined."""

    def revoke(self, actor_code: str, root: Hash32, leaf: Hash32, proof: Sequence[Hash32],
               reason: int, decision: Hash32) -> TxReceipt:
        """Revoke one leaf, acting as ``actor_code``; the contract checks the right to do so."""
