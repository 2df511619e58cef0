"""Merkle trees and proofs exactly as OpenZeppelin's ``StandardMerkleTree`` and ``MerkleProof``.

- A leaf commits to a tuple of ``bytes32`` values: ``keccak256(keccak256(abi.encode(values)))``.
  Hashing twice keeps a 64-byte internal node from ever passing for a leaf (second-preimage
  attack). ``abi.encode`` of ``bytes32`` values is their plain concatenation.
- An inner node is ``keccak256(min(a, b) || max(a, b))`` (sorted pairs), so a proof is just
  the list of siblings, with no left/right flags: that is what the contract's ``MerkleProof``
  checks on chain.
- The tree is OpenZeppelin's flat array: leaves sorted by hash, placed from the end in
  reverse; node ``i`` has children ``2i+1`` and ``2i+2``; the root is node 0. The same
  leaves therefore give the same root, node for node, in Python, JavaScript and Solidity
  (``tests/vectors/merkle.json`` holds golden vectors made by OpenZeppelin's own library).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import sha3

from core.errors import InvalidInput
from core.hashes import Hash32

_keccak = sha3.keccak_256


def leaf_hash(*values: bytes) -> Hash32:
    """Leaf of a tuple of ``bytes32`` values, as ``StandardMerkleTree.leafHash``."""
    for v in values:
        if len(v) != 32:
            raise InvalidInput("leaf values are 32-byte words", code="bad_leaf")
    return Hash32(_keccak(_keccak(b"".join(values)).digest()).digest())


def process_proof(leaf: bytes, proof: Iterable[bytes]) -> Hash32:
    """The root that ``proof`` leads to from ``leaf`` (``MerkleProof.processProof``)."""
    node = bytes(leaf)
    for sibling in proof:
        node = _keccak(node + sibling if node < sibling else sibling + node).digest()
    return Hash32(node)


def verify_proof(root: bytes, leaf: bytes, proof: Iterable[bytes]) -> bool:
    """True when ``proof`` proves ``leaf`` under ``root`` (``MerkleProof.verify``)."""
    return process_proof(leaf, proof) == root


@dataclass(frozen=True)
class MerkleTree:
    """A built tree. ``nodes`` is OpenZeppelin's flat array (root first)."""

    nodes: tuple[bytes, ...]
    #: leaf hash -> index of that leaf in ``nodes``
    positions: dict[bytes, int]

    @classmethod
    def build(cls, leaves: Sequence[bytes]) -> "MerkleTree":
        """Build the tree of ``leaves`` (already leaf-hashed). Duplicate leaves are refused:
        one document, one leaf."""
        n = len(leaves)
        if n == 0:
            raise InvalidInput("a Merkle tree needs at least one leaf", code="empty_batch")
        ordered = sorted(leaves)  # Hash32 or bytes: both compare, hash and concatenate as bytes
        size = 2 * n - 1
        nodes: list[bytes] = [b""] * (n - 1) + ordered[::-1]  # leaves from the end, in reverse
        positions = {leaf: size - 1 - i for i, leaf in enumerate(ordered)}
        if len(positions) != n:
            raise InvalidInput("the same leaf appears twice in one batch", code="duplicate_leaf")
        k = _keccak
        for lo, hi in reversed(_inner_levels(n)):  # a level's nodes depend only on the level below
            kids = nodes[2 * lo + 1:2 * hi + 3]
            nodes[lo:hi + 1] = [k(a + b if a < b else b + a).digest() for a, b in zip(kids[0::2], kids[1::2])]
        return cls(nodes=tuple(nodes), positions=positions)

    @property
    def root(self) -> Hash32:
        return Hash32(self.nodes[0])

    def __len__(self) -> int:
        return len(self.positions)

    def proof(self, leaf: bytes) -> list[Hash32]:
        """Siblings from ``leaf`` up to the root."""
        try:
            i = self.positions[bytes(leaf)]
        except KeyError:
            raise InvalidInput("leaf is not in this tree", code="unknown_leaf") from None
        return [Hash32(p) for p in self._path(i)]

    def _path(self, i: int) -> list[bytes]:
        nodes = self.nodes
        path = []
        while i > 0:
            path.append(nodes[i + 1] if i % 2 else nodes[i - 1])  # odd i is a left child
            i = (i - 1) // 2
        return path

    def all_proofs(self) -> dict[bytes, bytes]:
        """Every leaf's proof, packed (its siblings' 32-byte words concatenated), in one pass.

        A proof shares its upper part with its neighbours', so the path of every node is its
        sibling followed by its parent's path: no hashing, one short bytes copy per node.
        Unpack one with :func:`unpack_proof`.
        """
        nodes = self.nodes
        paths: list[bytes] = [b""] * len(nodes)
        for lo, hi in _inner_levels(len(self.positions)):  # top-down: a path is its parent's plus one
            parents = paths[lo:hi + 1]
            paths[lo:hi + 1] = [b""] * len(parents)  # an inner node's path is needed only here: free it
            left, right = slice(2 * lo + 1, 2 * hi + 3, 2), slice(2 * lo + 2, 2 * hi + 3, 2)
            paths[left] = [sibling + p for sibling, p in zip(nodes[right], parents)]
            paths[right] = [sibling + p for sibling, p in zip(nodes[left], parents)]
        return {leaf: paths[pos] for leaf, pos in self.positions.items()}


def _inner_levels(n: int) -> list[tuple[int, int]]:
    """Index ranges (first, last) of the inner nodes of each level, root level first."""
    levels, lo = [], 0
    while lo <= n - 2:
        levels.append((lo, min(2 * lo, n - 2)))  # level d spans 2^d - 1 .. 2^(d+1) - 2
        lo = 2 * lo + 1
    return levels


def unpack_proof(packed: bytes) -> list[Hash32]:
    """A packed proof (see :meth:`MerkleTree.all_proofs`) as a list of siblings."""
    if len(packed) % 32:
        raise InvalidInput("a packed proof is a whole number of 32-byte words", code="bad_proof")
    return [Hash32(packed[i:i + 32]) for i in range(0, len(packed), 32)]
