"""The chain reader's raw JSON-RPC views against a real anvil: the same answers as web3.py's."""

import pytest

from core.chain import RegistryReader, connect
from core.errors import ChainError
from core.hashes import institution_id, keccak256, sha256
from core.merkle import MerkleTree, leaf_hash
from chain_helpers import free_port, registry_on_anvil

pytestmark = pytest.mark.chain
CERT = sha256(b"the principal's certificate")


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """A registry with one school, one registered certificate and one anchored two-leaf batch."""
    with registry_on_anvil(tmp_path_factory.mktemp("chain"), "BGDDT", "SGD-79", ["THPT-A"]) as ledger:
        ledger.add_certificate("SGD-79", "THPT-A", CERT)
        leaves = [leaf_hash(keccak256(bytes([i])), keccak256(bytes([i, i]))) for i in range(2)]
        tree = MerkleTree.build(leaves)
        ledger.anchor("THPT-A", tree.root, 2, 1)
        yield ledger.reader, tree, leaves, ledger.keyring


def test_credential_status_is_what_web3_reads(chain):
    reader, tree, leaves, keys = chain
    status = reader.credential_status(tree.root, leaves[0])
    raw = reader.contract.functions.credentialStatus(bytes(tree.root), bytes(leaves[0])).call()
    assert status.anchored and status.issuer_id == institution_id("THPT-A")
    assert status.issuer_account == keys["THPT-A"].address  # checksummed, as web3.py gives it
    assert [status.anchored, bytes(status.issuer_id), status.issuer_account, status.anchored_block,
            status.leaf_count, status.revoked] == [raw[0], raw[1], raw[3], raw[6], raw[8], raw[9]]
    assert not reader.credential_status(keccak256(b"never anchored"), leaves[0]).anchored


def test_certificate_window_is_what_web3_reads(chain):
    reader, tree, leaves, _ = chain
    now = reader.credential_status(tree.root, leaves[0]).anchored_at
    school = institution_id("THPT-A")
    assert reader.is_certificate_valid(school, CERT, now)
    assert not reader.is_certificate_valid(school, sha256(b"an impostor's certificate"), now)
    assert not reader.is_certificate_valid(institution_id("THPT-B"), CERT, now)
    assert reader.contract.functions.isCertificateValid(bytes(school), bytes(CERT), now).call() is True


def test_an_address_without_the_contract_is_a_chain_error(chain):
    reader, tree, leaves, _ = chain
    empty = RegistryReader(reader.w3, "0x" + "12" * 20)
    with pytest.raises(ChainError):
        empty.credential_status(tree.root, leaves[0])


def test_an_unreachable_node_is_a_chain_error():
    reader = RegistryReader(connect(f"http://127.0.0.1:{free_port()}", timeout=2), "0x" + "12" * 20)
    with pytest.raises(ChainError) as e:
        reader.is_certificate_valid(institution_id("THPT-A"), CERT, 0)
    assert "did not answer isCertificateValid" in e.value.detail


def test_institution_records_and_the_ministry_are_what_web3_reads(chain):
    """The accreditation chain's reads: a school's record, its authority's, the contract's owner."""
    reader, _, _, keys = chain
    school = reader.institution(institution_id("THPT-A"))
    raw = reader.contract.functions.institution(bytes(institution_id("THPT-A"))).call()
    assert school.registered and school.account == keys["THPT-A"].address == raw[1]
    assert school.parent == institution_id("SGD-79")
    assert reader.institution(school.parent).account == keys["SGD-79"].address
    assert not reader.institution(institution_id("THPT-Z")).registered
    assert reader.ministry_account() == keys["BGDDT"].address == reader.contract.functions.owner().call()
