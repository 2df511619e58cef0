"""The public verification pages and API, with a fake service returning hand-built reports."""

from __future__ import annotations

import dataclasses
import json
from html import unescape
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.credential import verification_code
from core.errors import ChainError, InvalidInput
from core.status import REASON_LABELS, CheckCode, CheckStatus, RevocationReason, Verdict
from verifier import i18n
from verifier.report import Check, PublishedReport, Report
from verifier.web import create_router, install

VALID_ID = "mfrggzdfmztwq2lknnwg23tpoa"
REVOKED_ID = "nbswy3dpeb3w64tmmqqgc3tfmu"
UNKNOWN_REPORT_ID = "onxw2zlunbuw4zzaobzg65ti4q"
MISSING_ID = "aaaaaaaaaaaaaaaaaaaaaaaaaa"

TX = "0x" + "ab" * 32
ROOT = "0x" + "cd" * 32
LEAF = "0x" + "ef" * 32
PROOF = ["0x" + "12" * 32, "0x" + "34" * 32]
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
DECISION = "Quyết định số 123/QĐ-SGDĐT ngày 01/07/2026 của Sở Giáo dục và Đào tạo"

PASSED, FAILED, SKIPPED = CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.SKIPPED
C = CheckCode

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "demo-transcripts.json"


def transcript_document(document_id: str) -> dict:
    """The first demo student's transcript, as the report carries it."""
    demo = json.loads(EXAMPLES.read_text("utf-8"))
    student = demo["students"][0]
    fields = {
        "school": demo["school"], "student": student["student"], "class_name": demo["class_name"],
        "school_year": demo["school_year"], "subjects": student["subjects"],
        "learning_result": student["learning_result"], "conduct": student["conduct"],
        "days_absent": student["days_absent"], "promotion": student["promotion"],
        "teacher_comment": student["teacher_comment"], "homeroom_teacher": demo["homeroom_teacher"],
        "principal": demo["principal"],
    }
    return {"format": "sogoc.credential/2", "id": document_id, "kind": "transcript",
            "issuer": demo["school"]["code"], "issued_on": demo["issued_on"], "fields": fields}


SIGNATURES = [
    {"field": "GVCN", "signer": "Trần Thị Thu Hương", "organization": "Trường THPT Nguyễn Thị Minh Khai",
     "certificate_sha256": "0x" + "01" * 32, "intact": True, "trusted": True, "covers_document": True,
     "timestamped": True, "signing_time": "2026-06-05T02:15:00+00:00", "problem": None},
    {"field": "HieuTruong", "signer": "Nguyễn Văn Đức", "organization": "Trường THPT Nguyễn Thị Minh Khai",
     "certificate_sha256": "0x" + "02" * 32, "intact": True, "trusted": True, "covers_document": True,
     "timestamped": True, "signing_time": "2026-06-05T03:40:00+00:00", "problem": None},
]

ANCHOR = {"leaf": LEAF, "root": ROOT, "proof": PROOF, "block_number": 4242, "block_time": 1780630000,
          "time": "2026-06-05T03:26:40+00:00", "issuer_id": "0x" + "aa" * 32, "authority_id": "0x" + "bb" * 32,
          "issuer_account": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "tx_hash": TX, "chain_id": 31337,
          "contract": CONTRACT}


def good_checks(document_id: str) -> list[Check]:
    return [
        Check("credential", PASSED, C.CREDENTIAL_FOUND, f"The file carries credential {document_id}."),
        *[Check("signature", PASSED, C.SIGNATURE_VALID, f"Signed by {s['signer']}.", details={"signer": s["signer"]})
          for s in SIGNATURES],
        Check("anchor", PASSED, C.ANCHORED, "Anchored.", details={"root": ROOT}),
        *[Check("signer_registered", PASSED, C.SIGNATURE_VALID, "Registered.", details={"signer": s["signer"]})
          for s in SIGNATURES],
    ]


ACCREDITATION = [
    {"level": "ministry", "id": "0x" + "00" * 32, "name": "Bộ Giáo dục và Đào tạo", "account": "0x" + "33" * 20,
     "registered": True, "valid_from": None, "valid_until": None, "valid_at_issue": True, "suspended_now": False},
    {"level": "authority", "id": "0x" + "bb" * 32, "name": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
     "account": "0x" + "22" * 20, "registered": True, "valid_from": "2026-01-10T00:00:00+00:00",
     "valid_until": None, "valid_at_issue": True, "suspended_now": False},
    {"level": "issuer", "id": "0x" + "aa" * 32, "name": "Trường THPT Nguyễn Thị Minh Khai",
     "account": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "registered": True,
     "valid_from": "2026-01-15T00:00:00+00:00", "valid_until": "2030-12-31T00:00:00+00:00",
     "valid_at_issue": True, "suspended_now": True},
]


def valid_report() -> Report:
    return Report(Verdict.VALID, VALID_ID,
                  good_checks(VALID_ID) + [Check("status", PASSED, C.IN_FORCE, "Not revoked and not replaced.")],
                  document=transcript_document(VALID_ID), signatures=SIGNATURES, anchor=ANCHOR,
                  accreditation=ACCREDITATION)


def revoked_report() -> Report:
    revocation = {"reason": 1, "reason_name": "fraud", "reason_label": REASON_LABELS[RevocationReason.FRAUD],
                  "decision": DECISION, "decision_hash": "0x" + "99" * 32, "revoked_at": 1783000000,
                  "time": "2026-07-02T12:26:40+00:00", "revoked_by": "0x" + "bb" * 32}
    checks = good_checks(REVOKED_ID) + [Check("status", FAILED, C.REVOKED, "Revoked.", Verdict.REVOKED, revocation)]
    return Report(Verdict.REVOKED, REVOKED_ID, checks, document=transcript_document(REVOKED_ID),
                  signatures=SIGNATURES, anchor=ANCHOR, revocation=revocation)


def tampered_report() -> Report:
    broken = [{**SIGNATURES[0], "intact": False, "problem": "digest mismatch"}, SIGNATURES[1]]
    checks = [
        Check("credential", PASSED, C.CREDENTIAL_FOUND, f"The file carries credential {VALID_ID}."),
        Check("signature", FAILED, C.SIGNATURE_BROKEN, "Altered.", Verdict.TAMPERED,
              {"signer": SIGNATURES[0]["signer"]}),
        Check("signature", PASSED, C.SIGNATURE_VALID, "Signed.", details={"signer": SIGNATURES[1]["signer"]}),
        Check("anchor", FAILED, C.PROOF_MISMATCH, "Not in batch.", Verdict.NOT_ANCHORED, {"leaf": LEAF}),
        Check("status", SKIPPED, C.NO_EVIDENCE, "Not checked."),
    ]
    return Report(Verdict.TAMPERED, VALID_ID, checks, document=transcript_document(VALID_ID), signatures=broken)


def unknown_report() -> Report:
    return Report(Verdict.UNKNOWN, None, [
        Check("credential", FAILED, C.NO_CREDENTIAL, "No credential.", Verdict.UNKNOWN),
        Check("signature", FAILED, C.UNSIGNED, "No signature.", Verdict.TAMPERED)])


class FakeService:
    reads_in_process = True

    def __init__(self, chain_down: bool = False) -> None:
        self.chain_down = chain_down
        self.asked: list[str] = []
        self.reports = {VALID_ID: valid_report(), REVOKED_ID: revoked_report(), UNKNOWN_REPORT_ID: unknown_report()}

    def lookup(self, document_id: str) -> PublishedReport | None:
        return None  # nothing stored: every look-up takes the full path

    def lookup_page(self, document_id: str, lang: str) -> None:
        return None

    def verify_document(self, document_id: str) -> PublishedReport | None:
        self.asked.append(document_id)
        if self.chain_down:
            raise ChainError("cannot reach the chain node at http://127.0.0.1:8545")
        report = self.reports.get(document_id)
        return None if report is None else PublishedReport.of(report)

    def verify_upload(self, pdf: bytes) -> Report:
        if not pdf.startswith(b"%PDF-"):
            raise InvalidInput("the file is not a PDF", code="not_a_pdf")
        if self.chain_down:
            raise ChainError("cannot reach the chain node")
        return tampered_report() if b"tampered" in pdf else unknown_report() if b"plain" in pdf else valid_report()


def make_client(service: FakeService | None = None, *, lookups: int = 0, uploads: int = 0,
                proxies: tuple[str, ...] = (), hsts: bool = False, **kwargs) -> TestClient:
    """The pages as the composition root serves them: router plus edge (limits off unless asked)."""
    app = FastAPI()
    install(app, lookups_per_minute=lookups, uploads_per_minute=uploads, trusted_proxies=proxies, hsts=hsts)
    app.include_router(create_router(service or FakeService(), **kwargs))
    return TestClient(app)


@pytest.fixture
def client() -> TestClient:
    return make_client()


def upload(client: TestClient, path: str, data: bytes, name: str = "hocba.pdf"):
    return client.post(path, files={"file": (name, data, "application/pdf")})


# -- the QR landing page


def test_valid_page_shows_verdict_document_signers_and_evidence(client):
    r = client.get(f"/v/{VALID_ID}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "Văn bản hợp lệ" in html
    for text in ("Trường THPT Nguyễn Thị Minh Khai", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
                 "Nguyễn Thị Ánh Tuyết", "14/03/2008", "12A1", "2025-2026", "Học bạ",
                 "Trần Thị Thu Hương", "Nguyễn Văn Đức", "Giáo dục quốc phòng và an ninh", "9.3",
                 TX, "4242", ROOT, LEAF, *PROOF, CONTRACT, "31337", "credentialStatus"):
        assert text in html, text
    # signing and anchoring times in Vietnam time
    assert "09:15 ngày 05/06/2026" in html and "10:26 ngày 05/06/2026" in html
    # the personal id number stays off a public page
    assert "079308001234" not in html
    assert "không được xác thực" not in html
    # the QR page is not the upload page: no list of checks
    assert "Các bước kiểm tra" not in html
    # the code printed beside the QR, as printed; each signer registered for the school on chain
    assert verification_code(VALID_ID) in html
    assert html.count("✓ Đã đăng ký cho trường trên chuỗi khối") == 2


def test_valid_page_shows_the_accreditation_chain_ministry_first(client):
    html = client.get(f"/v/{VALID_ID}").text
    chain = html[html.index("Cơ sở cấp và chuỗi công nhận"):html.index("Chữ ký số")]
    ministry, authority, school = (chain.index(name) for name in (
        "Bộ Giáo dục và Đào tạo", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh", "Trường THPT Nguyễn Thị Minh Khai"))
    assert ministry < authority < school
    assert chain.count("Có hiệu lực khi cấp") == 2 and "Thời hạn: 15/01/2026 – 31/12/2030" in chain
    assert "Hiện đang bị đình chỉ" in chain  # a present suspension is said, next to "in force at issue"


def test_evidence_says_how_to_recheck_it_against_any_node(client):
    html = client.get(f"/v/{VALID_ID}").text
    assert f"credentialStatus(gốc, lá) của hợp đồng {CONTRACT} trên chuỗi có mã 31337" in html
    assert f'cast call {CONTRACT} "credentialStatus(bytes32,bytes32)" {ROOT} {LEAF}' in html
    assert f"SOGOC_CHAIN_ID=31337 SOGOC_CONTRACT_ADDRESS={CONTRACT} sogoc verify hoc-ba.pdf" in html


@pytest.mark.parametrize("verdict", list(Verdict))
def test_every_verdict_has_a_plain_title_and_what_to_do_next(verdict):
    from verifier.examples import reports

    service = FakeService()
    report = reports()[verdict]
    service.reports[VALID_ID] = report
    for lang, next_label in (("vi", "Nên làm gì"), ("en", "What to do")):
        html = make_client(service).get(f"/v/{VALID_ID}?lang={lang}").text
        t = i18n.translator(lang)
        head = unescape(html[:html.index("</section>")])  # the verdict comes first, before anything else
        assert t(f"verdict.{verdict.value}.title") in head and t(f"verdict.{verdict.value}.next") in head
        assert next_label in head


def test_valid_page_in_english(client):
    html = client.get(f"/v/{VALID_ID}?lang=en").text
    assert '<html lang="en">' in html
    assert "Valid document" in html and "Văn bản hợp lệ" not in html
    assert "14 Mar 2008" in html and "Supervising authority" in html
    # links keep the language; the switch goes back to Vietnamese
    assert 'href="/?lang=en"' in html and 'href="?lang=vi"' in html


def test_revoked_page_shows_reason_and_decision(client):
    html = client.get(f"/v/{REVOKED_ID}").text
    assert "Văn bản đã bị thu hồi" in html
    assert "Gian lận trong học tập, thi cử, tuyển sinh" in html
    assert DECISION in html and "19:26 ngày 02/07/2026" in html
    assert "Văn bản hợp lệ" not in html
    english = client.get(f"/v/{REVOKED_ID}?lang=en").text
    assert "This document has been revoked" in english and "Fraud in admission, study or exams" in english


def test_unknown_and_malformed_ids_get_the_same_404(client):
    unknown = client.get(f"/v/{MISSING_ID}")
    malformed = client.get("/v/not-a-document-id")
    too_long = client.get(f"/v/{VALID_ID}a")
    assert unknown.status_code == malformed.status_code == too_long.status_code == 404
    assert unknown.text == malformed.text == too_long.text
    assert "Không tìm thấy văn bản" in unknown.text
    assert MISSING_ID not in unknown.text


def test_malformed_ids_never_reach_the_service():
    service = FakeService()
    client = make_client(service)
    client.get("/v/ABC%2F..%2Fetc")
    client.get("/api/v1/verify/xyz")
    assert service.asked == []


def test_report_with_unknown_verdict_is_shown_plainly(client):
    html = client.get(f"/v/{UNKNOWN_REPORT_ID}").text
    assert "Không tìm thấy văn bản" in html and "Văn bản hợp lệ" not in html


def test_lookup_form_sends_the_code_to_its_qr_address(client):
    r = client.get("/v", params={"id": f"  {VALID_ID.upper()} "}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/v/{VALID_ID}"
    r = client.get("/v", params={"id": f"https://sogoc.example.vn/v/{VALID_ID}", "lang": "en"},
                   follow_redirects=False)
    assert r.headers["location"] == f"/v/{VALID_ID}?lang=en"
    assert client.get("/v", params={"id": "a/b"}).status_code == 404


def test_chain_down_gives_a_503_page_not_a_traceback():
    client = make_client(FakeService(chain_down=True))
    r = client.get(f"/v/{VALID_ID}")
    assert r.status_code == 503
    assert "Tạm thời không kiểm tra được" in r.text and "chain_error" in r.text
    assert "127.0.0.1" not in r.text  # the detail, meant for operators, stays off the page
    api = client.get(f"/api/v1/verify/{VALID_ID}")
    assert api.status_code == 503 and api.json()["code"] == "chain_error" and api.headers["retry-after"] == "60"


# -- the home page and uploads


def test_home_explains_and_offers_both_ways(client):
    html = client.get("/").text
    assert "Sổ Gốc" in html and "Tra cứu, xác thực văn bằng, học bạ" in html
    assert 'action="/v"' in html and 'name="id"' in html
    assert 'action="/verify"' in html and 'name="file"' in html and 'enctype="multipart/form-data"' in html
    english = client.get("/?lang=en").text
    assert 'action="/verify?lang=en"' in english and 'name="lang" value="en"' in english


def test_upload_shows_every_check(client):
    r = upload(client, "/verify", b"%PDF-1.7 tampered")
    assert r.status_code == 200
    html = r.text
    assert "Văn bản đã bị sửa đổi" in html and "Các bước kiểm tra" in html
    assert "Chữ ký không khớp với tệp: tệp đã bị sửa." in html
    assert "Tệp này không nằm trong lô đã ghi nhận" in html
    assert "Chưa kiểm tra vì bước trước không đạt." in html
    assert html.count('class="check check--') == 5
    assert "Đã bị sửa" in html  # the broken signer's badge
    assert "không được xác thực: đừng dựa vào nó" in html  # the file's claims are not proof
    english = upload(client, "/verify?lang=en", b"%PDF-1.7 tampered").text
    assert "The document has been altered" in english and "The file was changed" not in english
    assert "The signature does not match the file" in english


def test_upload_of_a_valid_file(client):
    html = upload(client, "/verify", b"%PDF-1.7 good").text
    assert "Văn bản hợp lệ" in html and "Trường THPT Nguyễn Thị Minh Khai" in html
    assert "Chứng thư số của người ký đã được đăng ký cho nhà trường" in html


def test_upload_without_sogoc_data(client):
    html = upload(client, "/verify", b"%PDF-1.7 plain").text
    assert "Không tìm thấy văn bản" in html
    assert "Tệp không mang dữ liệu Sổ Gốc" in html and "Tệp không có chữ ký số." in html


def test_non_pdf_upload_is_a_400_page(client):
    r = upload(client, "/verify", b"GIF89a...", name="anh.gif")
    assert r.status_code == 400
    assert "Tệp không phải PDF" in r.text and "not_a_pdf" in r.text


def test_missing_file_is_a_400_page(client):
    r = client.post("/verify", data={"other": "x"})
    assert r.status_code == 400 and "Chưa chọn tệp" in r.text


def test_oversize_upload_is_a_413_page():
    client = make_client(max_upload=1024)
    r = upload(client, "/verify", b"%PDF-" + b"0" * 2000)
    assert r.status_code == 413 and "Tệp quá lớn" in r.text
    api = upload(client, "/api/v1/verify", b"%PDF-" + b"0" * 2000)
    assert api.status_code == 413 and api.json()["code"] == "too_large"


def test_oversize_request_refused_by_content_length_before_parsing():
    client = make_client(max_upload=1024)
    body = b"x" * (1024 + 70 * 1024)
    r = client.post("/api/v1/verify", content=body,
                    headers={"content-type": "multipart/form-data; boundary=zzz"})
    assert r.status_code == 413 and r.json()["code"] == "too_large"


def test_default_limit_is_20_mib(client):
    exactly = b"%PDF-" + b"0" * (20 * 1024 * 1024 - 5)
    assert upload(client, "/api/v1/verify", exactly).status_code == 200
    assert upload(client, "/api/v1/verify", exactly + b"0").status_code == 413


# -- the JSON API


def test_api_returns_the_report(client):
    r = client.get(f"/api/v1/verify/{VALID_ID}")
    assert r.status_code == 200
    assert r.json() == json.loads(json.dumps(valid_report().to_json(withhold_private=True)))
    assert r.json()["status"] == "valid" and r.json()["anchor"]["tx_hash"] == TX
    student = r.json()["document"]["fields"]["student"]
    assert student["full_name"] and "personal_id" not in student and "place_of_birth" not in student


def test_api_unknown_and_malformed_ids(client):
    for path in (f"/api/v1/verify/{MISSING_ID}", "/api/v1/verify/nope"):
        r = client.get(path)
        assert r.status_code == 404
        assert r.json() == {"code": "unknown_document", "detail": "no document with this id"}


def test_api_upload(client):
    r = upload(client, "/api/v1/verify", b"%PDF-1.7 tampered")
    assert r.status_code == 200 and r.json()["status"] == "tampered"
    assert [c["code"] for c in r.json()["checks"]][:2] == ["credential_found", "signature_broken"]
    bad = upload(client, "/api/v1/verify", b"hello")
    assert bad.status_code == 400 and bad.json() == {"code": "not_a_pdf", "detail": "the file is not a PDF"}
    missing = client.post("/api/v1/verify")
    assert missing.status_code == 400 and missing.json()["code"] == "no_file"


def test_the_upload_answer_is_the_report_as_json_with_vietnamese_text_intact(client):
    r = upload(client, "/api/v1/verify", b"%PDF-1.7 a valid file")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    expected = valid_report().to_json()
    assert r.json() == json.loads(json.dumps(expected, ensure_ascii=False))
    assert r.content.decode("utf-8").count(expected["document"]["fields"]["student"]["full_name"]) == 1  # not escaped
    for check in [*valid_report().checks, *tampered_report().checks, *revoked_report().checks]:
        old = dataclasses.asdict(check)  # what each check's JSON was built from before (a deep copy)
        old["status"], old["code"] = check.status.value, check.code.value
        del old["verdict"]
        assert list(check.to_json().items()) == list(old.items())


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    get = spec["paths"]["/api/v1/verify/{document_id}"]["get"]
    post = spec["paths"]["/api/v1/verify"]["post"]
    assert get["summary"] and "404" in get["responses"] and "503" in get["responses"]
    assert get["responses"]["404"]["content"]["application/json"]["examples"]["unknown_document"]["value"]["code"] == "unknown_document"
    assert "multipart/form-data" in post["requestBody"]["content"] and "413" in post["responses"]
    assert "/v/{document_id}" not in spec["paths"]  # pages are not API


# -- headers, stylesheet, catalogue


@pytest.mark.parametrize("path", ["/", f"/v/{VALID_ID}", f"/v/{MISSING_ID}", f"/api/v1/verify/{VALID_ID}"])
def test_security_headers(client, path):
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"


def test_upload_result_is_not_stored(client):
    assert upload(client, "/verify", b"%PDF-1.7 good").headers["cache-control"] == "no-store"


def test_pages_need_nothing_from_elsewhere(client):
    for html in (client.get("/").text, client.get(f"/v/{VALID_ID}").text):
        assert "<script" not in html and "style=" not in html and "http://" not in html and "https://" not in html
        assert "/static/site.css?v=" in html


def test_stylesheet_is_served_and_cached(client):
    r = client.get("/static/site.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert "max-age=31536000" in r.headers["cache-control"] and ".verdict--ok" in r.text


def test_catalogue_covers_every_verdict_and_check_code_in_both_languages():
    assert set(i18n.VI) == set(i18n.EN)
    for lang in i18n.LANGUAGES:
        for verdict in Verdict:
            for part in ("title", "lead", "next"):
                assert i18n.has(lang, f"verdict.{verdict.value}.{part}")
        for code in CheckCode:
            assert i18n.has(lang, f"check.{code.value}")


@pytest.mark.parametrize("verdict, words", [
    (Verdict.SUPERSEDED, "Đã được đính chính — xem bản hiện hành"),
    (Verdict.NOT_ANCHORED, "Chưa được ghi nhận trên chuỗi khối"),
    (Verdict.UNTRUSTED_SIGNER, "Người ký không được tin cậy"),
])
def test_other_verdict_banners(verdict, words):
    service = FakeService()
    supersession = {"superseded_by": "0x" + "77" * 32, "in_root": ROOT, "decision_hash": "0x" + "66" * 32,
                    "time": "2026-07-01T00:00:00+00:00"} if verdict is Verdict.SUPERSEDED else None
    base = valid_report()
    service.reports[VALID_ID] = Report(verdict, VALID_ID, base.checks, base.document, base.signatures,
                                       base.anchor, supersession=supersession)
    html = make_client(service).get(f"/v/{VALID_ID}").text
    assert words in html and "Văn bản hợp lệ" not in html


def test_a_report_survives_the_store_round_trip_whole():
    """What the by-id pages render comes back from stored JSON: nothing may be lost on the way."""
    from verifier.examples import reports

    for report in reports().values():
        again = Report.from_json(json.loads(json.dumps(report.to_json())))
        assert again.to_json() == report.to_json()


def test_an_unreachable_chain_never_shows_its_address_to_the_public():
    """An RPC URL may carry an API key: it goes to the server's log, not into the answer."""
    client = make_client(FakeService(chain_down=True))
    r = client.get(f"/api/v1/verify/{VALID_ID}")
    assert r.status_code == 503 and r.json()["code"] == "chain_error"
    assert "127.0.0.1" not in r.text and "8545" not in r.text


def test_an_upload_without_a_length_is_refused_before_it_is_read(client):
    """A chunked body would be spooled whole before any size check: the length comes first."""
    def chunks():
        yield b"%PDF-1.7 "
        yield b"x" * 1000

    r = client.post("/api/v1/verify", content=chunks(), headers={"Content-Type": "application/pdf"})
    assert r.status_code == 411 and r.json()["code"] == "length_required"
