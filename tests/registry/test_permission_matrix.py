"""Every forbidden combination, tried through the API and directly on the contract (real anvil):
both must refuse. Ministry BGDDT -> authorities SGD-79 (schools A, B) and SGD-01 (school C)."""

import pytest
from fastapi.testclient import TestClient

from chain_helpers import registry_on_anvil
from core.hashes import institution_id, keccak256
from core.merkle import MerkleTree, leaf_hash
from registry import service
from registry.chain import ContractRevert
from registry.anchoring import AnchoringRules
from registry.db import make_engine, make_sessionmaker
from registry.worker import anchor_until_settled
from sogoc.setup_chain import fund_dev_accounts
from api_helpers import bearer, credentials, item, make_app, register_all

pytestmark = pytest.mark.chain

SCHOOLS = {"SGD-79": ["THPT-A", "THPT-B"], "SGD-01": ["THPT-C"]}
#: (actor, owner of the document): who may NOT act on whose documents.
FORBIDDEN = [("THPT-B", "THPT-A"),  # a school on another school's document, same authority
             ("THPT-C", "THPT-A"),  # ... under another authority
             ("SGD-01", "THPT-A"),  # an authority on another authority's school
             ("SGD-01", "SGD-79"),  # an authority on another authority's own document
             ("THPT-A", "SGD-79"),  # a school on its authority's document (a school acting as authority)
             ("BGDDT", "THPT-A"),  # the Ministry acts on no document
             ("BGDDT", "SGD-79")]
ALLOWED = [("THPT-A", "THPT-A"), ("SGD-79", "THPT-A"), ("SGD-79", "SGD-79")]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """anvil with the contract and both authority trees; the API over a database of the same institutions."""
    directory = tmp_path_factory.mktemp("matrix")
    with registry_on_anvil(directory / "chain", "BGDDT", "SGD-79", SCHOOLS["SGD-79"]) as ledger:
        ledger.keyring.create_missing(["SGD-01", "THPT-C"])
        fund_dev_accounts(ledger.w3, ledger.keyring, ["SGD-01", "THPT-C"])
        ledger.register_authority("BGDDT", "SGD-01")
        ledger.register_issuer("SGD-01", "THPT-C")
        sessions = make_sessionmaker(make_engine(f"sqlite:///{directory / 'r.db'}"))
        tokens = register_all(sessions)
        client = TestClient(make_app(sessions, issuers=lambda code: ledger.reader.institution(institution_id(code)),
                                     ledger=lambda: ledger))
        yield ledger, sessions, tokens, client


def _anchored_document(world, owner: str) -> str:
    ledger, sessions, tokens, client = world
    r = client.post("/api/v1/documents/bulk", json={"documents": [item(c) for c in credentials(2, owner)]},
                    headers=bearer(tokens[owner]))
    assert r.status_code == 200, r.text
    assert not anchor_until_settled(sessions, ledger, AnchoringRules(), timeout=60).stuck
    return r.json()["documents"][0]["document_id"]


@pytest.mark.parametrize("actor, owner", FORBIDDEN)
def test_the_api_refuses_every_forbidden_combination(world, actor, owner):
    _ledger, _sessions, tokens, client = world
    doc_id = _anchored_document(world, owner)
    unknown = {"code": "unknown_document", "detail": "no document with this id"}
    r = client.get(f"/api/v1/documents/{doc_id}", headers=bearer(tokens[actor]))
    assert (r.status_code, r.json()) == (404, unknown)
    r = client.post(f"/api/v1/documents/{doc_id}/revocation", json={"reason": 6, "decision": "QĐ 1"},
                    headers=bearer(tokens[actor]))
    assert (r.status_code, r.json()) == (404, unknown)
    r = client.post("/api/v1/documents", json=item(credentials(1, owner)[0]), headers=bearer(tokens[actor]))
    assert r.status_code in (400, 403) and r.json()["code"] in ("not_your_issuer", "not_an_issuer")
    assert client.get(f"/api/v1/documents/{doc_id}", headers=bearer(tokens[owner])).json()["revocation"] is None


def test_a_school_cannot_read_the_audit_log(world):
    _ledger, _sessions, tokens, client = world
    for school in ("THPT-A", "THPT-C"):
        r = client.get("/api/v1/audit", headers=bearer(tokens[school]))
        assert (r.status_code, r.json()["code"]) == (403, "not_an_authority")


@pytest.mark.parametrize("actor, owner", FORBIDDEN)
def test_the_contract_refuses_the_same_combinations_sent_with_the_wrong_key(world, actor, owner):
    ledger = world[0]
    leaves = [leaf_hash(keccak256(owner.encode() + bytes([i])), keccak256(actor.encode())) for i in range(2)]
    tree = MerkleTree.build(leaves)
    ledger.anchor(owner, tree.root, 2, 1)
    with pytest.raises(ContractRevert) as e:
        ledger.revoke(actor, tree.root, leaves[0], tree.proof(leaves[0]), 6, keccak256(b"decision"))
    assert e.value.error == "RegistryUnauthorized"
    assert not ledger.reader.credential_status(tree.root, leaves[0]).revoked


@pytest.mark.parametrize("actor, target", [("THPT-A", "THPT-B"), ("SGD-01", "THPT-A"), ("THPT-A", "THPT-A"),
                                           ("BGDDT", "THPT-A")])
def test_the_contract_refuses_authority_acts_by_others(world, actor, target):
    """Suspending a school and adding its certificates: its authority's acts, nobody else's."""
    ledger = world[0]
    with pytest.raises(ContractRevert) as e:
        ledger._send(actor, lambda: ledger.functions.suspendIssuer(bytes(institution_id(target))))
    assert e.value.error == "RegistryUnauthorized"
    if actor != target:
        with pytest.raises(ContractRevert) as e:
            ledger.add_certificate(actor, target, keccak256(actor.encode() + target.encode()))
        assert e.value.error == "RegistryUnauthorized"


def test_a_school_cannot_register_a_school(world):
    ledger = world[0]
    with pytest.raises(ContractRevert) as e:
        ledger.register_issuer("THPT-A", "THPT-A")  # any school code: the caller is no authority
    assert e.value.error == "RegistryUnauthorized"


@pytest.mark.parametrize("actor, owner", ALLOWED)
def test_the_allowed_combinations_work_through_the_api_and_reach_the_chain(world, actor, owner):
    ledger, sessions, tokens, client = world
    doc_id = _anchored_document(world, owner)
    status = client.get(f"/api/v1/documents/{doc_id}", headers=bearer(tokens[actor])).json()
    assert status["state"] == "anchored" and status["batch"]["tx_hash"].startswith("0x")
    r = client.post(f"/api/v1/documents/{doc_id}/revocation", json={"reason": "issuer_error", "decision": "QĐ 7"},
                    headers=bearer(tokens[actor]))
    assert r.status_code == 200 and r.json()["revoked_by"] == actor, r.text
    with sessions() as s:
        doc = service.document(s, doc_id)
        assert ledger.reader.credential_status(doc.batch.root, doc.leaf).revoked


def test_a_suspended_school_is_refused_at_intake_before_any_anchor(world):
    ledger, _sessions, tokens, client = world
    ledger._send("SGD-01", lambda: ledger.functions.suspendIssuer(bytes(institution_id("THPT-C"))))
    r = client.post("/api/v1/documents", json=item(credentials(1, "THPT-C")[0]), headers=bearer(tokens["THPT-C"]))
    assert (r.status_code, r.json()["code"]) == (403, "issuer_suspended")
