"""The institutions' API on a real SQLite database: keys, intake, status, audit, bad input.
The chain is faked here (issuer records, ledger); tests/registry/test_permission_matrix.py uses anvil."""

import base64
import dataclasses

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from core.chain import InstitutionRecord
from core.hashes import ZERO
from registry import auth
from registry.audit import Acting
from registry.db import make_engine, make_sessionmaker
from registry.models import ApiKey, AuditEntry, Document
from api_helpers import active, bearer, credentials, item, make_app, register_all


@pytest.fixture
def db(database_url):
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    return engine, sessions, register_all(sessions)


@pytest.fixture
def client(db):
    _engine, sessions, tokens = db
    return TestClient(make_app(sessions)), tokens


def documents(db) -> int:
    with db[1]() as s:
        return s.query(Document).count()


def audit_lines(db):
    with db[1]() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_no_or_bad_credentials_are_401_with_a_stable_code_and_audited(client, db):
    c, tokens = client
    body = item(credentials(1, "THPT-A")[0])
    cases = [({}, "missing_credentials"), ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid_credentials"),
             (bearer("sgk_aaaaaaaaaaaaa_" + "a" * 52), "invalid_credentials"),
             (bearer(tokens["THPT-A"][:-1] + ("b" if tokens["THPT-A"][-1] != "b" else "c")), "invalid_credentials")]
    for headers, code in cases:
        r = c.post("/api/v1/documents", json=body, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == code, r.text
        assert r.headers["www-authenticate"] == "Bearer"
    assert documents(db) == 0
    refused = [(a.actor_code, a.outcome, a.code) for a in audit_lines(db) if a.action == "document.submit"]
    assert refused == [(None, "refused", code) for _h, code in cases]


def test_a_revoked_key_is_401_and_a_rotated_one_works_until_its_overlap_ends(client, db):
    c, tokens = client
    sessions = db[1]
    old = tokens["THPT-A"]
    with sessions() as s:
        new = auth.rotate_key(s, "THPT-A", Acting.cli(), overlap=__import__("datetime").timedelta(hours=1))
    doc = item(credentials(1, "THPT-A")[0])
    assert c.post("/api/v1/documents", json=doc, headers=bearer(old)).status_code == 201  # in the overlap
    assert c.post("/api/v1/documents", json=doc, headers=bearer(new.token)).status_code == 200  # replay
    with sessions() as s:  # the overlap ends
        key = s.get(ApiKey, auth.key_id_of("Bearer " + old))
        key.expires_at = key.created_at
        s.commit()
    r = c.post("/api/v1/documents", json=doc, headers=bearer(old))
    assert (r.status_code, r.json()["code"]) == (401, "expired_credentials")
    with sessions() as s:
        auth.revoke_key(s, "THPT-A", new.key_id, Acting.cli())
    r = c.post("/api/v1/documents", json=doc, headers=bearer(new.token))
    assert (r.status_code, r.json()["code"]) == (401, "revoked_credentials")
    with sessions() as s:  # only hashes are stored, never the token
        stored = [k.secret_sha256 for k in s.scalars(select(ApiKey))]
    assert all(len(h) == 32 for h in stored) and new.token.split("_")[2].encode() not in b"".join(stored)


def test_one_document_is_stored_once_and_a_replay_returns_it(client, db):
    c, tokens = client
    doc = item(credentials(1, "THPT-A")[0])
    first = c.post("/api/v1/documents", json=doc, headers=bearer(tokens["THPT-A"]))
    assert first.status_code == 201 and first.json()["state"] == "pending" and first.json()["created"]
    again = c.post("/api/v1/documents", json=doc, headers=bearer(tokens["THPT-A"]))
    assert again.status_code == 200 and again.json()["created"] is False
    assert documents(db) == 1
    other_pdf = item(credentials(1, "THPT-A")[0] if False else _same_id(doc), b"%PDF-1.7 other")
    r = c.post("/api/v1/documents", json=other_pdf, headers=bearer(tokens["THPT-A"]))
    assert (r.status_code, r.json()["code"]) == (409, "document_conflict")
    status = c.get(f"/api/v1/documents/{first.json()['document_id']}", headers=bearer(tokens["THPT-A"])).json()
    assert status["state"] == "pending" and status["batch"] is None and status["issuer"] == "THPT-A"


def _same_id(doc):
    from core.credential import Credential
    return Credential.from_obj(doc["credential"])


@pytest.mark.parametrize("mutate, status, code", [
    (lambda d: {**d, "pdf_sha256": "00" * 32}, 400, "hash_mismatch"),
    (lambda d: {**d, "pdf_sha256": "xyz"}, 400, "bad_hash"),
    (lambda d: {**d, "pdf_base64": "%%%"}, 400, "bad_base64"),
    (lambda d: {**d, "pdf_base64": base64.b64encode(b"GIF89a").decode()}, 400, "not_a_pdf"),
    (lambda d: {**d, "credential": {**d["credential"], "salt": "short"}}, 400, "bad_credential"),
    (lambda d: {**d, "extra": 1}, 400, "bad_document"),
    (lambda d: {**d, "credential": {**d["credential"], "issuer": "THPT-B"}}, 403, "not_your_issuer"),
    (lambda d: {**d, "credential": {**d["credential"], "issuer": "THPT-ZZ"}}, 400, "unknown_issuer"),
])
def test_bad_input_gets_a_stable_code_and_nothing_is_stored(client, db, mutate, status, code):
    c, tokens = client
    r = c.post("/api/v1/documents", json=mutate(item(credentials(1, "THPT-A")[0])), headers=bearer(tokens["THPT-A"]))
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert documents(db) == 0
    assert audit_lines(db)[-1].code == code and audit_lines(db)[-1].actor_code == "THPT-A"


def test_malformed_json_wrong_media_type_and_oversized_bodies(client, db):
    c, tokens = client
    h = {**bearer(tokens["THPT-A"]), "Content-Type": "application/json"}
    r = c.post("/api/v1/documents", content=b'{"credential": ', headers=h)
    assert (r.status_code, r.json()["code"]) == (400, "malformed_json")
    r = c.post("/api/v1/documents", content=b"x", headers={**h, "Content-Type": "text/plain"})
    assert (r.status_code, r.json()["code"]) == (415, "unsupported_media_type")
    r = c.post("/api/v1/documents/bulk", content=b"[" + b" " * (1024 * 1024) + b"]", headers=h)
    assert (r.status_code, r.json()["code"]) == (413, "too_large")
    too_many = {"documents": [item(x) for x in credentials(51, "THPT-A")]}
    r = c.post("/api/v1/documents/bulk", json=too_many, headers=bearer(tokens["THPT-A"]))
    assert (r.status_code, r.json()["code"]) == (413, "too_large")
    assert documents(db) == 0


def test_a_bulk_submission_is_all_or_nothing_and_names_every_bad_item(client, db):
    c, tokens = client
    items = [item(x) for x in credentials(6, "THPT-A")]
    items[1] = {**items[1], "pdf_sha256": "11" * 32}
    items[4] = {**items[4], "credential": {**items[4]["credential"], "issuer": "THPT-B"}}
    r = c.post("/api/v1/documents/bulk", json={"documents": items}, headers=bearer(tokens["THPT-A"]))
    assert r.status_code == 422 and r.json()["code"] == "bulk_rejected"
    assert [(e["index"], e["code"]) for e in r.json()["errors"]] == [(1, "hash_mismatch"), (4, "not_your_issuer")]
    assert documents(db) == 0
    good = [item(x) for x in credentials(6, "THPT-A")]
    first = c.post("/api/v1/documents/bulk", json={"documents": good[:4]}, headers=bearer(tokens["THPT-A"]))
    assert first.json()["created"] == 4
    again = c.post("/api/v1/documents/bulk", json={"documents": good + good[:1]}, headers=bearer(tokens["THPT-A"]))
    assert again.status_code == 200
    assert (again.json()["accepted"], again.json()["created"], again.json()["existing"]) == (7, 2, 5)
    assert documents(db) == 6


@pytest.mark.parametrize("record, code", [
    (InstitutionRecord(0, "0x" + "00" * 20, ZERO, 0, 0, False, False), "issuer_not_on_chain"),
    (InstitutionRecord(2, "0x" + "00" * 20, ZERO, 0, 0, True, True), "issuer_suspended"),
    (InstitutionRecord(2, "0x" + "00" * 20, ZERO, 4_000_000_000, 0, False, True), "issuer_not_yet_valid"),
    (InstitutionRecord(2, "0x" + "00" * 20, ZERO, 0, 1_000_000, False, True), "issuer_expired"),
])
def test_issuers_the_contract_would_refuse_are_refused_at_intake(db, record, code):
    sessions, tokens = db[1], db[2]
    c = TestClient(make_app(sessions, issuers=lambda _code: record))
    r = c.post("/api/v1/documents/bulk", json={"documents": [item(x) for x in credentials(3, "THPT-A")]},
               headers=bearer(tokens["THPT-A"]))
    assert (r.status_code, r.json()["code"]) == (403, code)
    assert documents(db) == 0


def test_status_of_another_institutions_document_is_the_same_404_as_an_unknown_id(client, db):
    c, tokens = client
    doc_id = c.post("/api/v1/documents", json=item(credentials(1, "THPT-A")[0]),
                    headers=bearer(tokens["THPT-A"])).json()["document_id"]
    unknown = c.get("/api/v1/documents/" + "a" * 26, headers=bearer(tokens["THPT-B"]))
    for stranger in ("THPT-B", "SGD-01", "THPT-C", "BGDDT"):
        r = c.get(f"/api/v1/documents/{doc_id}", headers=bearer(tokens[stranger]))
        assert (r.status_code, r.json()) == (404, unknown.json()), stranger
    for allowed in ("THPT-A", "SGD-79"):
        assert c.get(f"/api/v1/documents/{doc_id}", headers=bearer(tokens[allowed])).status_code == 200
    # the attempts are the owner's business: its authority reads them, even those from another authority's school
    lines = c.get("/api/v1/audit?action=document.status&outcome=refused", headers=bearer(tokens["SGD-79"])).json()
    seen = {(e["actor"], e["subject"]) for e in lines["entries"] if e["target"] == doc_id}
    assert {("THPT-C", "THPT-A"), ("SGD-01", "THPT-A"), ("BGDDT", "THPT-A")} <= seen


def test_the_audit_log_is_scoped_paged_and_carries_the_request_id(client, db):
    c, tokens = client
    r = c.post("/api/v1/documents", json=item(credentials(1, "THPT-A")[0]),
               headers={**bearer(tokens["THPT-A"]), "X-Request-ID": "clerk-42"})
    assert r.headers["x-request-id"] == "clerk-42"
    generated = c.post("/api/v1/documents", json=item(credentials(1, "THPT-C")[0]),
                       headers={**bearer(tokens["THPT-C"]), "X-Request-ID": "<script>"}).headers["x-request-id"]
    assert generated != "<script>" and len(generated) == 32
    school = c.get("/api/v1/audit", headers=bearer(tokens["THPT-A"]))
    assert (school.status_code, school.json()["code"]) == (403, "not_an_authority")
    sgd79 = c.get("/api/v1/audit?action=document.submit", headers=bearer(tokens["SGD-79"])).json()["entries"]
    assert [(e["actor"], e["request_id"], e["outcome"]) for e in sgd79] == [("THPT-A", "clerk-42", "ok")]
    ministry = c.get("/api/v1/audit?action=document.submit", headers=bearer(tokens["BGDDT"])).json()["entries"]
    assert {e["actor"] for e in ministry} == {"THPT-A", "THPT-C"}
    page1 = c.get("/api/v1/audit?limit=2", headers=bearer(tokens["BGDDT"])).json()
    page2 = c.get(f"/api/v1/audit?limit=2&before={page1['next_before']}", headers=bearer(tokens["BGDDT"])).json()
    ids = [e["id"] for e in page1["entries"] + page2["entries"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    assert school.headers["x-request-id"]  # refusals carry one too
    assert audit_lines(db)[-1].action == "audit.read"
    # nothing personal: no name, no credential content in any line
    flat = repr([dataclasses.asdict(x) if dataclasses.is_dataclass(x) else vars(x) for x in audit_lines(db)])
    assert "Nguyễn" not in flat and "salt" not in flat


def test_the_audit_log_refuses_update_and_delete_at_the_database(db):
    engine = db[0]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (at, request_id, action, outcome) VALUES "
                          "('2026-01-01', 'r', 'x', 'ok')"))
    statements = ["UPDATE audit_log SET outcome = 'refused'", "DELETE FROM audit_log"]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_log")
    for statement in statements:
        with pytest.raises(DatabaseError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
