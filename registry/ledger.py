"""The port through which the registry writes to the chain.

Use cases take a :class:`Ledger`; production passes :class:`registry.chain.Web3Ledger`
(a real node over JSON-RPC), unit tests a small fake.

Anchoring is split into steps that the pipeline (:mod:`registry.anchoring`) can store in
between: sign a transaction, broadcast its raw bytes, look for its receipt. Nothing here
waits for a transaction except :meth:`Ledger.revoke`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

from core.hashes import Hash32


@dataclass(frozen=True)
class TxReceipt:
    """Where a transaction (or an anchor found on chain) landed."""

    tx_hash: Hash32 | None  # None when an anchor was found on chain but its event was not
    block_number: int
    block_time: int  # unix seconds
    block_hash: Hash32 | None = None


@dataclass(frozen=True)
class SignedTransaction:
    """A transaction signed here and not necessarily broadcast: what the registry stores first."""

    tx_hash: Hash32
    sender: str  # checksum address
    nonce: int
    raw: bytes = field(repr=False)


@dataclass(frozen=True)
class Inclusion:
    """A transaction's receipt: the block that holds it and whether it succeeded."""

    block_number: int
    block_hash: Hash32
    succeeded: bool


@dataclass(frozen=True)
class Block:
    number: int
    hash: Hash32
    time: int  # unix seconds


@dataclass(frozen=True)
class RecordedRevocation:
    """A revocation the chain already holds (a retry after a crash finds it)."""

    decision: Hash32
    revoked_at: int  # unix seconds
    cancelled: bool = False  # a cancellation (hủy bỏ)


@dataclass(frozen=True)
class RecordedSupersession:
    """A correction the chain already holds: the leaf that replaces the old one, and the decision."""

    new_leaf: Hash32
    decision: Hash32


class Ledger(Protocol):
    def find_anchor(self, issuer_code: str, root: Hash32) -> TxReceipt | None:
        """The anchor of ``root`` by this issuer if it is on chain already (a retry after a crash).

        Raises :class:`core.errors.ChainError` ``root_taken`` if another institution anchored it.
        """

    def sign_anchor(self, issuer_code: str, root: Hash32, leaf_count: int, kind: int) -> SignedTransaction:
        """Build and sign ``anchor(root, leaf_count, kind)`` from the issuer's account, with the
        account's next nonce (pending transactions included). Sends nothing."""

    def broadcast(self, raw: bytes) -> None:
        """Hand a signed transaction to the node. A node that already has it says so, and that
        is success (same bytes, same hash). Raises :class:`core.errors.ChainError` ``nonce_used``
        when the node says the nonce was used by a mined transaction (this one or another)."""

    def inclusion(self, tx_hash: Hash32) -> Inclusion | None:
        """The receipt of ``tx_hash`` if it is in a block of the current chain."""

    def is_pending(self, tx_hash: Hash32) -> bool:
        """True if the node holds ``tx_hash`` in its pool (known, not yet in a block)."""

    def mined_nonce(self, account: str) -> int:
        """Transactions of ``account`` in blocks of the current chain (its next unused nonce there)."""

    def head(self) -> int:
        """The latest block number."""

    def block(self, number: int) -> Block | None:
        """Block ``number`` of the current chain, None if the chain is not that long (any more)."""

    def find_revocation(self, root: Hash32, leaf: Hash32) -> RecordedRevocation | None:
        """The revocation of ``leaf`` if the chain already records it."""

    def revoke(self, actor_code: str, root: Hash32, leaf: Hash32, proof: Sequence[Hash32],
               reason: int, decision: Hash32, *, cancel: bool = False) -> TxReceipt:
        """Revoke (or with ``cancel``, cancel) one leaf, acting as ``actor_code``; the contract
        checks the right to do so."""

    def find_supersession(self, root: Hash32, leaf: Hash32) -> RecordedSupersession | None:
        """The correction of ``leaf`` if the chain already records it."""

    def supersede(self, actor_code: str, root: Hash32, leaf: Hash32, proof: Sequence[Hash32], new_root: Hash32,
                  new_leaf: Hash32, new_proof: Sequence[Hash32], decision: Hash32) -> TxReceipt:
        """Record on chain that ``new_leaf`` (a corrected document) replaces ``leaf``."""
