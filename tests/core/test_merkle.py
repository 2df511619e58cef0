"""Our Merkle tree must be OpenZeppelin's, node for node (golden vectors from @openzeppelin/merkle-tree)."""

import json
from pathlib import Path

import pytest

from core.errors import InvalidInput
from core.hashes import Hash32, keccak256
from core.merkle import MerkleTree, leaf_hash, process_proof, unpack_proof, verify_proof

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "merkle.json").read_text())


@pytest.mark.parametrize("tree", VECTORS["trees"], ids=lambda t: f"{len(t['values'])}-leaves")
def test_matches_openzeppelin_standard_merkle_tree(tree):
    leaves = [leaf_hash(*(Hash32.from_hex(v) for v in values)) for values in tree["values"]]
    assert [leaf.hex0x for leaf in leaves] == tree["leafHashes"]
    built = MerkleTree.build(leaves)
    assert ["0x" + n.hex() for n in built.nodes] == tree["tree"]
    assert built.root.hex0x == tree["root"]
    proofs = built.all_proofs()
    for leaf, expected in zip(leaves, tree["proofs"]):
        assert [p.hex0x for p in built.proof(leaf)] == expected
        assert [p.hex0x for p in unpack_proof(proofs[bytes(leaf)])] == expected
        assert verify_proof(built.root, leaf, built.proof(leaf))


def test_a_wrong_leaf_or_sibling_does_not_verify():
    leaves = [leaf_hash(keccak256(bytes([i])), keccak256(bytes([i, i]))) for i in range(9)]
    tree = MerkleTree.build(leaves)
    proof = tree.proof(leaves[3])
    assert not verify_proof(tree.root, leaves[4], proof)
    assert not verify_proof(tree.root, leaves[3], proof[:-1])
    assert process_proof(leaves[3], proof) == tree.root


def test_empty_and_duplicate_batches_are_refused():
    with pytest.raises(InvalidInput):
        MerkleTree.build([])
    leaf = leaf_hash(keccak256(b"a"), keccak256(b"b"))
    with pytest.raises(InvalidInput, match="twice"):
        MerkleTree.build([leaf, leaf])


def test_every_batch_size_gives_proofs_that_verify():
    for n in range(1, 70):
        leaves = [leaf_hash(keccak256(bytes([i, n])), keccak256(bytes([n, i]))) for i in range(n)]
        tree = MerkleTree.build(leaves)
        packed = tree.all_proofs()
        for leaf in leaves:
            assert unpack_proof(packed[bytes(leaf)]) == tree.proof(leaf)
            assert verify_proof(tree.root, leaf, tree.proof(leaf))
