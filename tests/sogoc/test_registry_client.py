"""The registry client's own rules, which the real registry (tests/e2e/test_remote_issue.py) cannot be made
to show on demand: a bulk refusal names each bad student, a 5xx or a dropped connection is retried with
growing backoff, a 4xx is not. httpx's MockTransport stands in for the network and the registry here."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import pytest

from core.credential import Credential, DocumentKind
from sogoc.registry_client import (BulkSubmitter, RegistryClient, RegistryRefused, RegistryUnreachable, bulk_item,
                                   describe)


def credential(name: str, personal_id: str) -> Credential:
    return Credential.new(DocumentKind.TRANSCRIPT, "THPT-A", "2026-06-05",
                          {"student": {"full_name": name, "personal_id": personal_id}})


def client(handler, sleeps: list[float]) -> RegistryClient:
    return RegistryClient("http://registry.test/", "sgk_k_secret", retries=3, backoff=0.5, sleep=sleeps.append,
                          transport=httpx.MockTransport(handler))


def test_a_bulk_refusal_names_each_bad_item_and_is_not_retried():
    calls, sleeps = [], []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content))
        assert request.headers["authorization"] == "Bearer sgk_k_secret"
        return httpx.Response(422, json={"code": "bulk_rejected", "detail": "1 bad item",
                                         "errors": [{"index": 1, "code": "hash_mismatch", "detail": "no"}]})

    submitter = BulkSubmitter(client(handler, sleeps), batch_size=10)
    submitter(credential("Nguyễn Thị Ánh Tuyết", "079308001234"), b"%PDF-1 a")
    submitter(credential("Lê Văn Bình", "075208004567"), b"%PDF-1 b")
    with pytest.raises(RegistryRefused) as refused:
        submitter.flush()
    assert refused.value.code == "bulk_rejected" and len(calls) == 1 and sleeps == []
    assert [(i.label.split(" (")[0], i.code) for i in refused.value.items] == [("Lê Văn Bình", "hash_mismatch")]
    assert "075208004567.pdf" in str(refused.value) and "secret" not in str(refused.value)
    assert submitter.tally.created == 0 and submitter.pending == 2


def test_5xx_and_dropped_connections_are_retried_with_growing_backoff():
    answers = [httpx.ConnectError("refused"), httpx.Response(503, json={"code": "chain_error", "detail": "x"})]
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if answers:
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        items = json.loads(request.content)["documents"]
        return httpx.Response(200, json={"documents": [
            {"document_id": d["credential"]["id"], "state": "pending", "created": True} for d in items]})

    submitter = BulkSubmitter(client(handler, sleeps), batch_size=2)
    for i in range(3):
        submitter(credential(f"HS {i}", f"0000000000{i:02d}"), b"%PDF-1 x")  # the 2nd triggers a request
    submitter.flush()
    assert sleeps == [0.5, 1.0] and submitter.tally.created == 3 and submitter.pending == 0


def test_a_registry_that_never_answers_is_unreachable_after_every_retry():
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(RegistryUnreachable, match="4 attempts"):
        client(handler, sleeps).submit_bulk([bulk_item(credential("A", "000000000001"), b"%PDF")], ["A"])
    assert sleeps == [0.5, 1.0, 2.0]


def test_the_item_carries_the_exact_canonical_credential_and_the_pdfs_hash():
    c = credential("Nguyễn Thị Ánh Tuyết", "079308001234")
    item = json.loads(bulk_item(c, b"%PDF-1.7 data"))
    assert Credential.from_obj(item["credential"]).to_json() == c.to_json()
    assert item["pdf_sha256"] == hashlib.sha256(b"%PDF-1.7 data").hexdigest()
    assert base64.b64decode(item["pdf_base64"]) == b"%PDF-1.7 data"
    assert describe(c).startswith("Nguyễn Thị Ánh Tuyết (079308001234.pdf, ")
