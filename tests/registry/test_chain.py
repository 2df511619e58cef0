"""The registry's chain writer against a real anvil: retries are recognised, refusals are named."""

import pytest

from core.errors import ChainError
from core.hashes import keccak256
from core.merkle import MerkleTree, leaf_hash
from chain_helpers import registry_on_anvil
from registry.chain import ContractRevert

pytestmark = pytest.mark.chain


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    with registry_on_anvil(tmp_path_factory.mktemp("chain"), "BGDDT", "SGD-79", ["THPT-A", "THPT-B"]) as ledger:
        yield ledger


def test_an_anchored_root_is_found_with_its_transaction_and_never_sent_twice(ledger):
    tree = MerkleTree.build([leaf_hash(keccak256(b"a"), keccak256(b"b")), leaf_hash(keccak256(b"c"), keccak256(b"d"))])
    assert ledger.find_anchor("THPT-A", tree.root) is None
    sent = ledger.anchor("THPT-A", tree.root, 2, 1)
    assert ledger.find_anchor("THPT-A", tree.root) == sent
    with pytest.raises(ChainError) as taken:  # the registry never adopts another school's anchor
        ledger.find_anchor("THPT-B", tree.root)
    assert taken.value.code == "root_taken"
    with pytest.raises(ContractRevert) as e:
        ledger.anchor("THPT-A", tree.root, 2, 1)
    assert e.value.error == "RegistryRootAlreadyAnchored"


def test_the_contract_refuses_another_school_and_names_why(ledger):
    leaves = [leaf_hash(keccak256(bytes([i])), keccak256(bytes([i, i]))) for i in range(3)]
    tree = MerkleTree.build(leaves)
    ledger.anchor("THPT-A", tree.root, 3, 1)
    with pytest.raises(ContractRevert) as e:
        ledger.revoke("THPT-B", tree.root, leaves[0], tree.proof(leaves[0]), 1, keccak256(b"decision"))
    assert e.value.error == "RegistryUnauthorized"
    with pytest.raises(ContractRevert) as e:
        ledger.revoke("THPT-A", tree.root, leaves[0], tree.proof(leaves[1]), 1, keccak256(b"decision"))
    assert e.value.error == "RegistryInvalidProof"
    ledger.revoke("SGD-79", tree.root, leaves[0], tree.proof(leaves[0]), 6, keccak256(b"decision"))
    status = ledger.reader.credential_status(tree.root, leaves[0])
    assert status.revoked and status.revocation_reason == 6
    assert not ledger.reader.credential_status(tree.root, leaves[1]).revoked
