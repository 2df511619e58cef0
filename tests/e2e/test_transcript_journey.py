"""One transcript from school to employer: issue, anchor, verify, tamper, revoke — on real parts."""

from __future__ import annotations

import json
import sqlite3
import tomllib

import httpx
import pytest

from core.chain import RegistryReader
from core.config import Settings
from core.hashes import Hash32, sha256
from core.status import RevocationReason
from core.transcript import cohort_from_json
from registry.chain import ContractRevert, Web3Ledger
from signer.pki import init_dev_pki
from signer.render import render_transcript
from signer.sign import sign_transcript
from sogoc.demo import EXAMPLE
from sogoc.setup_chain import OTHER_SCHOOL, keyring

pytestmark = pytest.mark.chain


def verify(demo, path, *extra):
    result = demo.sogoc("verify", str(path), "--json", *extra)
    report = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result.returncode, report, result.stderr


def test_demo_issues_three_transcripts_signed_twice_in_one_batch(demo):
    assert len(demo.issued) == 3
    for path, url in demo.issued:
        assert path.is_file() and path.parent == demo.data_dir / "demo"
        assert url.startswith(demo.base_url + "/v/")
    db = sqlite3.connect(demo.data_dir / "registry.db")
    assert db.execute("select count(*) from documents where state = 'anchored'").fetchone() == (3,)
    assert db.execute("select count(*), sum(leaf_count) from batches").fetchone() == (1, 3)


def test_the_demo_config_names_the_block_that_deployed_the_contract(demo):
    """The follower and `registry reconcile` read events from there, not from genesis."""
    from web3 import Web3

    config = tomllib.loads((demo.data_dir / "sogoc.toml").read_text("utf-8"))
    w3 = Web3(Web3.HTTPProvider(demo.env["SOGOC_RPC_URL"]))
    created = [w3.eth.get_transaction_receipt(tx)["contractAddress"]
               for tx in w3.eth.get_block(config["deployment_block"])["transactions"]]
    assert config["contract_address"] in created


def test_running_the_demo_again_reuses_everything(demo):
    again = demo.sogoc("demo", "--no-serve")
    assert again.returncode == 0, again.stderr
    assert [u for _, u in demo.issued] == [u for _, u in demo.parse_issued(again.stdout)]
    db = sqlite3.connect(demo.data_dir / "registry.db")
    assert db.execute("select count(*) from documents").fetchone() == (3,)
    assert db.execute("select count(*) from batches").fetchone() == (1,)


def test_cli_verifies_a_genuine_transcript(demo):
    code, report, _ = verify(demo, demo.issued[0][0])
    assert code == 0 and report["status"] == "valid"
    assert [s["signer"] for s in report["signatures"]] == ["Trần Thị Thu Hương", "Nguyễn Văn Đức"]
    assert all(s["intact"] and s["trusted"] for s in report["signatures"])
    anchor = report["anchor"]
    reader = RegistryReader.from_settings(Settings.load(demo.env, data_dir=str(demo.data_dir)))
    status = reader.credential_status(Hash32.from_hex(anchor["root"]), Hash32.from_hex(anchor["leaf"]))
    assert status.anchored and status.anchored_block == anchor["block_number"]
    assert {c["name"] for c in report["checks"]} >= {"credential", "signature", "anchor", "status"}


def test_the_qr_page_says_valid_and_shows_school_signers_and_evidence(demo):
    path, url = demo.issued[0]
    code, report, _ = verify(demo, path)
    page = httpx.get(url).text
    assert "hợp lệ" in page
    for text in ("Trường THPT Nguyễn Thị Minh Khai", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
                 "Trần Thị Thu Hương", "Nguyễn Văn Đức", "Nguyễn Thị Ánh Tuyết",
                 report["anchor"]["root"], str(report["anchor"]["block_number"]), report["anchor"]["tx_hash"]):
        assert text in page, text
    english = httpx.get(url, params={"lang": "en"}).text
    assert "valid" in english.lower()


def test_a_byte_flipped_pdf_is_tampered(demo, tmp_path):
    data = bytearray(demo.issued[0][0].read_bytes())
    data[len(data) // 3] ^= 0x01
    flipped = tmp_path / "flipped.pdf"
    flipped.write_bytes(bytes(data))
    code, report, stderr = verify(demo, flipped)
    assert code == 1, stderr
    assert report["status"] == "tampered"


def test_uploading_the_pdf_gives_the_same_verdicts_as_the_cli(demo):
    genuine = demo.issued[0][0].read_bytes()
    flipped = bytearray(genuine)
    flipped[len(flipped) // 3] ^= 0x01
    for pdf, expected in ((genuine, "valid"), (bytes(flipped), "tampered")):
        response = httpx.post(f"{demo.base_url}/api/v1/verify", files={"file": ("hoc-ba.pdf", pdf, "application/pdf")})
        assert response.status_code == 200 and response.json()["status"] == expected
    page = httpx.post(f"{demo.base_url}/verify", files={"file": ("hoc-ba.pdf", genuine, "application/pdf")}).text
    assert "hợp lệ" in page and "Nguyễn Thị Ánh Tuyết" in page
    assert page.count("Chứng thư gốc tin cậy: Bộ Giáo dục và Đào tạo — Root CA (DEV)") == 2  # per signature


def test_a_pdf_signed_outside_the_trust_roots_is_untrusted(demo, tmp_path):
    impostor = init_dev_pki(tmp_path / "impostor", root_name="Impostor Root CA", ca_name="Impostor CA")
    pdf = _signed_transcript(demo, impostor)
    (tmp_path / "forged.pdf").write_bytes(pdf)
    code, report, _ = verify(demo, tmp_path / "forged.pdf")
    assert code == 1 and report["status"] == "untrusted_signer"


def test_a_genuinely_signed_pdf_that_was_never_anchored_is_not_anchored(demo, tmp_path):
    pdf = _signed_transcript(demo, init_dev_pki(demo.data_dir / "pki"))
    (tmp_path / "unanchored.pdf").write_bytes(pdf)
    code, report, _ = verify(demo, tmp_path / "unanchored.pdf")
    assert code == 1 and report["status"] == "not_anchored"


def test_not_a_pdf_is_a_usage_error(demo, tmp_path):
    (tmp_path / "photo.pdf").write_bytes(b"\x89PNG\r\n\x1a\n not a pdf")
    code, _, stderr = verify(demo, tmp_path / "photo.pdf")
    assert code == 2 and "not_a_pdf" in stderr


def test_another_school_cannot_revoke_neither_through_the_registry_nor_on_chain(demo):
    doc_id = demo.document_id(1)
    refused = demo.sogoc("revoke", doc_id, "--reason", "fraud", "--decision", "QĐ giả", "--as", OTHER_SCHOOL.code)
    assert refused.returncode == 2 and "not_your_document" in refused.stderr
    settings = Settings.load(demo.env, data_dir=str(demo.data_dir))
    evidence = httpx.get(f"{demo.base_url}/api/v1/documents/{doc_id}/evidence").json()
    ledger = Web3Ledger(RegistryReader.from_settings(settings), keyring(settings))
    with pytest.raises(ContractRevert) as e:  # straight to the contract, around the registry
        ledger.revoke(OTHER_SCHOOL.code, Hash32.from_hex(evidence["root"]), Hash32.from_hex(evidence["leaf"]),
                      [Hash32.from_hex(p) for p in evidence["proof"]], 1, sha256(b"forged decision"))
    assert e.value.error == "RegistryUnauthorized"
    code, report, _ = verify(demo, demo.issued[1][0])
    assert code == 0 and report["status"] == "valid"


def test_a_revoked_transcript_says_revoked_and_its_batch_stays_valid(demo):
    doc_id = demo.document_id(1)
    decision = "Quyết định số 15/QĐ-SGDĐT ngày 20/11/2026"
    result = demo.sogoc("revoke", doc_id, "--reason", "issuer_error", "--decision", decision)
    assert result.returncode == 0, result.stderr
    code, report, _ = verify(demo, demo.issued[1][0])
    assert code == 1 and report["status"] == "revoked"
    assert report["revocation"]["reason"] == RevocationReason.ISSUER_ERROR
    assert report["revocation"]["decision"] == decision
    page = httpx.get(demo.issued[1][1]).text
    assert "thu hồi" in page.lower() and decision in page
    for i in (0, 2):
        code, report, _ = verify(demo, demo.issued[i][0])
        assert code == 0 and report["status"] == "valid"


def _signed_transcript(demo, pki) -> bytes:
    transcript = cohort_from_json(json.loads(EXAMPLE.read_text("utf-8")))[2]
    credential = transcript.to_credential("2026-06-05")
    pdf = render_transcript(transcript, credential, f"{demo.base_url}/v/{credential.id}")
    return sign_transcript(pdf, pki.signer_key("teacher"), pki.signer_key("principal"), pki.timestamper())


def test_the_api_documentation_loads_with_its_scripts_on_the_served_site(demo):
    """/docs is served from this site (no CDN): its page and every script it names answer."""
    import re

    page = httpx.get(f"{demo.base_url}/docs")
    assert page.status_code == 200
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts
    for src in scripts:
        r = httpx.get(demo.base_url + src)
        assert r.status_code == 200 and "javascript" in r.headers["content-type"], src
