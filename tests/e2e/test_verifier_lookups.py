"""By-id look-ups from the report store, on real parts: `sogoc serve` (2 workers, chain follower on),
anvil, SQLite. Runs after the transcript journey (its counts of documents assume the demo's three)."""

from __future__ import annotations

import json
import sqlite3
import time

import httpx
import pytest

from core.chain import RegistryReader
from core.config import Settings
from core.hashes import Hash32, sha256
from core.transcript import cohort_from_json
from registry import service
from registry.chain import Web3Ledger
from registry.db import make_engine, make_sessionmaker
from signer.pki import init_dev_pki
from signer.render import render_transcript
from signer.sign import sign_transcript
from sogoc.demo import EXAMPLE
from sogoc.setup_chain import SCHOOL, keyring
from verifier.report import withhold_fields

pytestmark = pytest.mark.chain


def settings_of(demo) -> Settings:
    return Settings.load(demo.env, data_dir=str(demo.data_dir))


def submit(demo, index: int) -> tuple[str, bytes]:
    """A new transcript of a demo student, signed by the school and submitted to the registry."""
    settings = settings_of(demo)
    pki = init_dev_pki(demo.data_dir / "pki")
    transcript = cohort_from_json(json.loads(EXAMPLE.read_text("utf-8")))[index]
    credential = transcript.to_credential("2026-06-05")
    pdf = sign_transcript(render_transcript(transcript, credential, settings.verification_url(credential.id)),
                          pki.signer_key("teacher"), pki.signer_key("principal"), pki.timestamper())
    with make_sessionmaker(make_engine(settings.database))() as s:
        service.submit_document(s, credential, pdf)
    return credential.id, pdf


def stored(demo, document_id: str):
    db = sqlite3.connect(demo.data_dir / "registry.db")
    try:
        return db.execute("select verdict, body, checked_block from verification_reports where document_id = ?",
                          (document_id,)).fetchone()
    finally:
        db.close()


@pytest.fixture(scope="module")
def anchored(demo):
    """Two new transcripts, anchored with `sogoc anchor` (which stores their reports)."""
    docs = [submit(demo, 0), submit(demo, 2)]
    result = demo.sogoc("anchor")
    assert result.returncode == 0, result.stderr
    assert "2 verification reports stored" in result.stdout
    return docs


def test_anchoring_stores_the_report_and_the_api_serves_it(demo, anchored):
    doc_id, _pdf = anchored[0]
    verdict, body, block = stored(demo, doc_id)
    assert verdict == "valid" and block > 0
    r = httpx.get(f"{demo.base_url}/api/v1/verify/{doc_id}")
    assert r.status_code == 200 and r.content == body
    assert r.json()["status"] == "valid" and r.json()["document_id"] == doc_id
    assert int(r.headers["sogoc-status-checked-block"]) >= block
    assert "personal_id" not in r.json()["document"]["fields"]["student"]
    # the follower keeps confirming the chain state: the time it was checked moves on
    first = r.headers["sogoc-status-checked-at"]
    time.sleep(3)
    later = httpx.get(f"{demo.base_url}/api/v1/verify/{doc_id}")
    assert later.content == body and later.headers["sogoc-status-checked-at"] > first


def test_a_revocation_made_directly_on_the_contract_shows_after_the_followers_next_poll(demo, anchored):
    doc_id, _pdf = anchored[0]
    url = f"{demo.base_url}/v/{doc_id}"
    assert "hợp lệ" in httpx.get(url).text
    evidence = httpx.get(f"{demo.base_url}/api/v1/documents/{doc_id}/evidence").json()
    settings = settings_of(demo)
    ledger = Web3Ledger(RegistryReader.from_settings(settings), keyring(settings))
    ledger.revoke(SCHOOL.code, Hash32.from_hex(evidence["root"]), Hash32.from_hex(evidence["leaf"]),
                  [Hash32.from_hex(p) for p in evidence["proof"]], 4, sha256(b"QD 99/QD-SGDDT, outside the registry"))
    revoked_at = time.monotonic()
    while time.monotonic() - revoked_at < 15:
        report = httpx.get(f"{demo.base_url}/api/v1/verify/{doc_id}").json()
        if report["status"] == "revoked":
            break
        time.sleep(0.25)
    waited = time.monotonic() - revoked_at
    assert report["status"] == "revoked", "the follower never applied the revocation"
    assert waited < 8, f"took {waited:.1f} s (polls every 2 s)"
    assert report["revocation"]["reason"] == 4
    page = httpx.get(url).text
    assert "thu hồi" in page.lower()


def test_a_miss_is_verified_in_full_and_gives_the_same_report_as_a_fresh_verification(demo, anchored):
    doc_id, pdf = anchored[1]
    db = sqlite3.connect(demo.data_dir / "registry.db")
    with db:
        db.execute("delete from verification_reports where document_id = ?", (doc_id,))
    db.close()
    assert stored(demo, doc_id) is None
    served = httpx.get(f"{demo.base_url}/api/v1/verify/{doc_id}")
    assert served.status_code == 200
    assert stored(demo, doc_id) is not None  # kept for the next look-up
    path = demo.data_dir / "miss.pdf"
    path.write_bytes(pdf)
    fresh = json.loads(demo.sogoc("verify", str(path), "--json").stdout)
    fresh["document"]["fields"] = withhold_fields(fresh["document"]["fields"])
    assert served.json() == fresh
    assert httpx.get(f"{demo.base_url}/api/v1/verify/{doc_id}").content == served.content


def test_unknown_and_malformed_ids_get_the_same_404_from_the_server(demo):
    unknown, malformed = "a" * 26, "not-a-document-id"
    api = [httpx.get(f"{demo.base_url}/api/v1/verify/{i}") for i in (unknown, malformed)]
    assert [r.status_code for r in api] == [404, 404] and api[0].content == api[1].content
    assert api[0].json()["code"] == "unknown_document"
    pages = [httpx.get(f"{demo.base_url}/v/{i}") for i in (unknown, malformed)]
    assert [r.status_code for r in pages] == [404, 404] and pages[0].text == pages[1].text
