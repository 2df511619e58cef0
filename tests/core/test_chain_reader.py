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


# -- one round trip: a JSON-RPC batch, each item answered as it would be alone


class RefusingReader(RegistryReader):
    """Asks anvil, for one fingerprint, a function the contract does not have: the node answers
    that item of the batch with an error (execution reverted) and the others normally."""

    refused = sha256(b"a certificate the node refuses to look up")

    def _request(self, fn, *args):
        method, params, what = super()._request(fn, *args)
        if fn == "isCertificateValid" and args[1] == bytes(self.refused):
            params = [{**params[0], "data": "0xdeadbeef" + params[0]["data"][10:]}, "latest"]
        return method, params, what


def outcome(compute):
    """What a call gives, or the type and text of what it raises."""
    try:
        return ("value", compute())
    except Exception as e:  # noqa: BLE001
        return (type(e).__name__, getattr(e, "detail", str(e)))


def test_a_batch_answers_each_item_as_the_node_answers_it_alone(chain):
    reader, tree, leaves, _ = chain
    rpc = reader.rpc
    status_call = reader._request("credentialStatus", bytes(tree.root), bytes(leaves[0]))
    reverting = ("eth_call", [{"to": reader.address, "data": "0xdeadbeef"}, "latest"], "credentialStatus")
    calls = [("eth_chainId", [], "eth_chainId"), status_call, ("eth_noSuchMethod", [], "eth_noSuchMethod"),
             reverting, ("eth_getBalance", ["not an address", "latest"], "eth_getBalance")]
    alone = [outcome(lambda c=c: rpc.request(c[0], c[1], what=c[2])) for c in calls]
    batched = [outcome(reply.value) for reply in rpc.batch(calls)]
    assert batched == alone
    assert [kind for kind, _ in alone] == ["value", "value", "ChainError", "ChainError", "ChainError"]
    assert "refused eth_noSuchMethod" in alone[2][1] and "refused credentialStatus" in alone[3][1]


def test_status_and_registrations_in_one_batch_are_what_each_view_reads(chain):
    reader, tree, leaves, _ = chain
    now = reader.credential_status(tree.root, leaves[0]).anchored_at
    school, other = institution_id("THPT-A"), institution_id("THPT-B")
    asked = [(school, CERT, now), (school, sha256(b"an impostor's certificate"), now), (other, CERT, now),
             (school, CERT, 0), (school, CERT, 2**64 - 1), (school, CERT, -1)]  # the last: refused by the ABI
    for root, leaf in ((tree.root, leaves[0]), (tree.root, leaves[1]), (keccak256(b"never anchored"), leaves[0])):
        status, replies = reader.status_with_certificates(root, leaf, asked)
        assert status == reader.credential_status(root, leaf)
        assert [outcome(r.value) for r in replies] == [outcome(lambda a=a: reader.is_certificate_valid(*a))
                                                       for a in asked]
    assert [outcome(r.value)[0] for r in replies] == ["value"] * 5 + ["ValueOutOfBounds"]
    assert [r.value() for r in replies[:3]] == [True, False, False]


def test_a_node_refusing_one_item_leaves_the_others_answered(chain):
    reader, tree, leaves, _ = chain
    refusing = RefusingReader(reader.w3, reader.address)
    now = reader.credential_status(tree.root, leaves[0]).anchored_at
    school = institution_id("THPT-A")
    asked = [(school, CERT, now), (school, RefusingReader.refused, now), (institution_id("THPT-B"), CERT, now)]
    status, replies = refusing.status_with_certificates(tree.root, leaves[0], asked)
    assert status.anchored and status.issuer_id == school
    assert replies[0].value() is True and replies[2].value() is False
    with pytest.raises(ChainError) as e:
        replies[1].value()
    with pytest.raises(ChainError) as alone:
        refusing.is_certificate_valid(school, RefusingReader.refused, now)
    assert e.value.detail == alone.value.detail and "refused isCertificateValid" in e.value.detail


def test_an_unreachable_node_fails_the_batch_naming_the_status():
    reader = RegistryReader(connect(f"http://127.0.0.1:{free_port()}", timeout=2), "0x" + "12" * 20)
    with pytest.raises(ChainError) as e:
        reader.status_with_certificates(keccak256(b"r"), keccak256(b"l"), [(institution_id("THPT-A"), CERT, 0)])
    assert "did not answer credentialStatus" in e.value.detail
