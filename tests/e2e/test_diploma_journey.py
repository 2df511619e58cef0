"""A diploma through the master register on real parts: issue, correct, revoke, cancel, re-issue,
copy, a legacy entry, the export; a second authority refused by the API and by the contract.

The `sogoc` command on the demo's data directory (real anvil, SQLite, real signatures), the
running server for evidence and the API.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from core.chain import RegistryReader
from core.config import Settings
from core.hashes import Hash32
from registry import auth, service
from registry.audit import Acting
from registry.chain import ContractRevert, Web3Ledger
from registry.db import engine_for, make_sessionmaker
from demo_helpers import running_demo  # tests/e2e/
from sogoc.setup_chain import MINISTRY, fund_dev_accounts, keyring

pytestmark = pytest.mark.chain

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OTHER_AUTHORITY = "SGD-01"


def run(demo, *args: str) -> subprocess.CompletedProcess[str]:
    result = demo.sogoc(*args)
    assert result.returncode == 0, result.stderr + result.stdout
    return result


def verify(demo, path: Path) -> tuple[int, dict]:
    result = demo.sogoc("verify", str(path), "--json")
    assert result.stdout.strip().startswith("{"), result.stderr
    return result.returncode, json.loads(result.stdout)


def pdf_of(demo, document_id: str) -> Path:
    """The signed PDF of a document, from the registry's database (where intake stored it)."""
    db = sqlite3.connect(demo.data_dir / "registry.db")
    [(pdf,)] = db.execute("select pdf from documents where id = ?", (document_id,)).fetchall()
    path = demo.data_dir / f"{document_id}.pdf"
    path.write_bytes(pdf)
    return path


def ids_of(output: str) -> list[str]:
    return [line.rsplit("/v/", 1)[1] for line in output.splitlines() if "/v/" in line]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo of its own: the diplomas issued here must not change the shared demo's counts."""
    yield from running_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def issued(demo):
    """The 2026 THPT list and the 2009 paper register, imported and issued by SGD-79."""
    run(demo, "diplomas", "import", str(EXAMPLES / "tot-nghiep-THPT-2026.csv"),
        "--authority", str(EXAMPLES / "authority-SGD-79.toml"))
    run(demo, "diplomas", "import", str(EXAMPLES / "so-goc-giay-THPT-2009.csv"),
        "--authority", str(EXAMPLES / "authority-SGD-79.toml"), "--legacy")
    first = run(demo, "diplomas", "issue", "--authority", "SGD-79", "--year", "2026", "--issued-on", "2026-07-20")
    legacy = run(demo, "diplomas", "issue", "--authority", "SGD-79", "--year", "2009", "--issued-on", "2026-07-20")
    return {"first_output": first.stdout, "diplomas": ids_of(first.stdout), "legacy": ids_of(legacy.stdout)}


def test_issue_numbers_the_register_without_gaps_and_a_rerun_adds_nothing(demo, issued):
    assert len(issued["diplomas"]) == 5 and len(issued["legacy"]) == 2
    again = run(demo, "diplomas", "issue", "--authority", "SGD-79", "--year", "2026", "--issued-on", "2026-07-20")
    assert ids_of(again.stdout) == issued["diplomas"]
    assert "0 vừa ký" in again.stdout
    db = sqlite3.connect(demo.data_dir / "registry.db")
    rows = db.execute("select year, number, kind, register_number from register_entries "
                      "where authority_code = 'SGD-79' and year in (2009, 2026) and kind in ('original', 'legacy') "
                      "order by year, number").fetchall()
    assert [(y, n, k) for y, n, k, _ in rows] == [(2009, 1, "legacy"), (2009, 2, "legacy"),
                                                  (2026, 1, "original"), (2026, 2, "original"),
                                                  (2026, 3, "original"), (2026, 4, "original"),
                                                  (2026, 5, "original")]
    printed = [r for *_, r in rows][2:]
    assert printed == sorted(printed) and printed[0] == "0042/THPT-2026"


def test_the_database_refuses_to_change_a_register_or_leave_a_gap(demo, issued):
    db = sqlite3.connect(demo.data_dir / "registry.db", isolation_level=None)  # autocommit: no lock left behind
    for statement in ("update register_entries set holder_name = 'X'", "delete from register_entries",
                      "update register_acts set decision = 'X'", "delete from register_acts",
                      "insert into register_entries (authority_code, year, number, kind, document_id, serial_number, "
                      "register_number, holder_name, holder_birth_date, created_at) values "
                      "('SGD-79', 2026, 99, 'original', 'x', 'S', 'R', 'N', '2000-01-01', '2026-01-01')"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only|without gaps"):
            db.execute(statement)
    db.close()


def test_a_fresh_diploma_is_valid_and_its_history_is_itself(demo, issued):
    code, report = verify(demo, pdf_of(demo, issued["diplomas"][0]))
    assert code == 0 and report["status"] == "valid", report["checks"]
    assert report["history"]["current_document_id"] == issued["diplomas"][0]
    assert [v["state"] for v in report["history"]["versions"]] == ["in_force"]


def test_a_legacy_entry_is_anchored_and_verifies_marked_legacy(demo, issued):
    code, report = verify(demo, pdf_of(demo, issued["legacy"][0]))
    assert code == 0 and report["status"] == "valid", report["checks"]
    assert report["document"]["fields"]["legacy"]["source"].startswith("Sổ gốc cấp bằng tốt nghiệp THPT năm 2009")
    assert report["history"]["versions"][0]["kind"] == "legacy"


def test_correction_old_says_superseded_and_points_to_the_current_one(demo, issued):
    old = issued["diplomas"][0]
    out = run(demo, "diplomas", "correct", old, "--decision", "Quyết định số 88/QĐ-SGDĐT",
              "--set", "holder.full_name=Nguyễn Thị Ánh Tuyết Hồng", "--issued-on", "2026-08-01")
    new = out.stdout.split(" as ", 1)[1].split()[0]
    code, report = verify(demo, pdf_of(demo, old))
    assert code == 1 and report["status"] == "superseded"
    assert report["supersession"]["document_id"] == new
    assert report["history"]["current_document_id"] == new
    assert [(v["document_id"], v["state"]) for v in report["history"]["versions"]] == [
        (old, "superseded"), (new, "in_force")]
    code, report = verify(demo, pdf_of(demo, new))
    assert code == 0 and report["status"] == "valid"
    assert report["document"]["fields"]["holder"]["full_name"] == "Nguyễn Thị Ánh Tuyết Hồng"
    assert report["history"]["versions"][1]["kind"] == "correction"
    # the corrected diploma's certified copy: its own document and entry, naming the one it copies
    out = run(demo, "diplomas", "copy", new, "--copy-number", "15/BS-2026", "--issued-on", "2026-08-02")
    copy_id = ids_of(out.stdout)[0]
    code, report = verify(demo, pdf_of(demo, copy_id))
    assert code == 0 and report["status"] == "valid"
    assert report["document"]["fields"]["original_document_id"] == new
    kinds = {v["document_id"]: v["kind"] for v in report["history"]["versions"]}
    assert kinds == {old: "original", new: "correction", copy_id: "copy"}
    # a copy of the replaced entry is refused
    refused = demo.sogoc("diplomas", "copy", old, "--copy-number", "16/BS-2026")
    assert refused.returncode == 2 and "not_current" in refused.stderr


def test_revocation_and_cancellation_are_told_apart(demo, issued):
    revoked, cancelled = issued["diplomas"][1], issued["diplomas"][2]
    run(demo, "revoke", revoked, "--reason", "fraud", "--decision", "Quyết định số 90/QĐ-SGDĐT")
    run(demo, "cancel", cancelled, "--reason", "not_eligible", "--decision", "Quyết định số 91/QĐ-SGDĐT")
    code, report = verify(demo, pdf_of(demo, revoked))
    assert code == 1 and report["status"] == "revoked" and report["revocation"]["cancelled"] is False
    assert report["revocation"]["decision"] == "Quyết định số 90/QĐ-SGDĐT"
    code, report = verify(demo, pdf_of(demo, cancelled))
    assert code == 1 and report["status"] == "cancelled" and report["revocation"]["reason_name"] == "not_eligible"
    assert report["history"]["current_document_id"] is None
    page = httpx.get(f"{demo.base_url}/v/{cancelled}", timeout=30).text
    assert "hủy bỏ" in page.lower()


def test_reissue_after_the_authoritys_own_error(demo, issued):
    old = issued["diplomas"][3]
    refused = demo.sogoc("diplomas", "reissue", old, "--decision", "QĐ 92/QĐ-SGDĐT")
    assert refused.returncode == 2 and "not_reissuable" in refused.stderr  # not revoked yet
    run(demo, "revoke", old, "--reason", "issuer_error", "--decision", "Quyết định số 93/QĐ-SGDĐT")
    out = run(demo, "diplomas", "reissue", old, "--decision", "Quyết định số 94/QĐ-SGDĐT", "--issued-on", "2026-08-03")
    new = out.stdout.split(" as ", 1)[1].split()[0]
    code, report = verify(demo, pdf_of(demo, new))
    assert code == 0 and report["status"] == "valid"
    assert [(v["kind"], v["state"]) for v in report["history"]["versions"]] == [("original", "revoked"),
                                                                                 ("reissue", "in_force")]
    code, report = verify(demo, pdf_of(demo, old))
    assert code == 1 and report["status"] == "revoked" and report["history"]["current_document_id"] == new


def test_the_export_lists_every_entry_and_says_how_to_verify_on_every_page(demo, issued, tmp_path):
    pdf, xlsx = tmp_path / "so-goc.pdf", tmp_path / "so-goc.xlsx"
    run(demo, "register", "export", "--authority", "SGD-79", "--year", "2026", "--format", "pdf", "--out", str(pdf))
    run(demo, "register", "export", "--authority", "SGD-79", "--year", "2026", "--format", "xlsx", "--out", str(xlsx))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert all("Xác thực một mục" in p for p in pages if p.strip())
    for name in ("Nguyễn Thị Ánh Tuyết", "Trần Quốc Bảo", "Thạch Thị Sa Rây", "Hồ Tấn Phát",
                 "SỔ GỐC CẤP VĂN BẰNG NĂM 2026", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh".upper()):
        assert name in text, name
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 7  # 5 issued, a correction, a re-issue


@pytest.fixture(scope="module")
def other_authority(demo):
    """A second Sở GDĐT on chain and in the registry, with an API key."""
    settings = Settings.load(demo.env, data_dir=str(demo.data_dir))
    keys = keyring(settings)
    keys.create_missing([OTHER_AUTHORITY])
    ledger = Web3Ledger(RegistryReader.from_settings(settings), keys)
    fund_dev_accounts(ledger.w3, keys, [OTHER_AUTHORITY])
    ledger.register_authority(MINISTRY.code, OTHER_AUTHORITY)
    with make_sessionmaker(engine_for(settings))() as session:
        service.register_institution(session, code=OTHER_AUTHORITY, name="Sở Giáo dục và Đào tạo Hà Nội",
                                     kind="authority", parent_code=MINISTRY.code,
                                     chain_address=keys.address(OTHER_AUTHORITY))
        token = auth.create_key(session, OTHER_AUTHORITY, Acting.cli(OTHER_AUTHORITY)).token
    return ledger, token


def test_a_second_authority_is_refused_by_the_api_and_by_the_contract(demo, issued, other_authority):
    ledger, token = other_authority
    target, replacement = issued["legacy"][1], issued["legacy"][0]
    headers = {"Authorization": f"Bearer {token}"}
    api = f"{demo.base_url}/api/v1/documents/{target}"
    for path, body in (("revocation", {"reason": "fraud", "decision": "QĐ 1/QĐ-SGDĐT-HN"}),
                       ("cancellation", {"reason": 1, "decision": "QĐ 1/QĐ-SGDĐT-HN"}),
                       ("correction", {"replacement": replacement, "decision": "QĐ 2/QĐ-SGDĐT-HN"})):
        answer = httpx.post(f"{api}/{path}", json=body, headers=headers, timeout=60)
        assert answer.status_code == 404 and answer.json()["code"] == "unknown_document", (path, answer.text)
    with make_sessionmaker(engine_for(Settings.load(demo.env, data_dir=str(demo.data_dir))))() as session:
        doc, new = service.document(session, target), service.document(session, replacement)
        root, leaf, proof = Hash32(doc.batch.root), Hash32(doc.leaf), service.proof_of(doc)
        new_root, new_leaf, new_proof = Hash32(new.batch.root), Hash32(new.leaf), service.proof_of(new)
    decision = service.decision_hash("QĐ 1/QĐ-SGDĐT-HN")
    for attempt in (lambda: ledger.revoke(OTHER_AUTHORITY, root, leaf, proof, 1, decision),
                    lambda: ledger.revoke(OTHER_AUTHORITY, root, leaf, proof, 1, decision, cancel=True),
                    lambda: ledger.supersede(OTHER_AUTHORITY, root, leaf, proof, new_root, new_leaf, new_proof,
                                             decision)):
        with pytest.raises(ContractRevert) as refused:
            attempt()
        assert refused.value.error == "RegistryUnauthorized"
    code, report = verify(demo, pdf_of(demo, target))
    assert code == 0 and report["status"] == "valid"  # untouched
