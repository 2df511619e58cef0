"""What every response goes through: rate limits, one error shape, headers, private logs."""

from __future__ import annotations

import logging
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.credential import verification_code
from core.errors import InvalidInput
from verifier.edge import RedactAccessLog, redact
from verifier.limits import TokenBucket, client_address
from verifier.web import create_router, install

from test_web import MISSING_ID, VALID_ID, FakeService, make_client, upload


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- the token bucket


def test_bucket_allows_a_burst_then_refills_at_its_rate():
    clock = Clock()
    bucket = TokenBucket(60, clock=clock)  # one a second, bursts of 60
    assert all(bucket.take("a") == 0 for _ in range(60))
    assert bucket.take("a") == pytest.approx(1.0)
    assert bucket.take("b") == 0  # another client has its own budget
    clock.now += 2.5
    assert bucket.take("a") == 0 and bucket.take("a") == 0 and bucket.take("a") > 0


def test_bucket_of_zero_is_off():
    bucket = TokenBucket(0)
    assert not bucket.enabled and all(bucket.take("a") == 0 for _ in range(10_000))


def test_bucket_table_stays_bounded_under_a_flood_of_addresses():
    clock = Clock()
    bucket = TokenBucket(10, max_keys=100, clock=clock)
    for i in range(10_000):
        bucket.take(f"10.0.{i // 256}.{i % 256}")
    assert len(bucket._buckets) <= 100


def test_client_is_the_peer_unless_a_trusted_proxy_says_otherwise():
    assert client_address("203.0.113.9", "1.2.3.4", ()) == "203.0.113.9"  # forged header, no proxy trusted
    assert client_address("10.0.0.2", "198.51.100.7", ("10.0.0.2",)) == "198.51.100.7"
    # the client wrote the left part itself; the proxy appended what it saw
    assert client_address("10.0.0.2", "6.6.6.6, 198.51.100.7", ("10.0.0.2",)) == "198.51.100.7"
    assert client_address("203.0.113.9", "6.6.6.6", ("10.0.0.2",)) == "203.0.113.9"


# -- rate limits as a client meets them


def test_too_many_lookups_get_a_vietnamese_429_page_with_retry_after():
    client = make_client(lookups=3)
    for _ in range(3):
        assert client.get(f"/v/{VALID_ID}").status_code == 200
    r = client.get(f"/v/{VALID_ID}")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert '<html lang="vi">' in r.text and "Bạn tra cứu quá nhanh" in r.text
    assert f"{r.headers['retry-after']} giây" in r.text
    assert r.headers["content-security-policy"] and r.headers["cache-control"] == "no-store"
    en = client.get(f"/v/{VALID_ID}?lang=en")
    assert en.status_code == 429 and "Too many look-ups" in en.text


def test_the_api_gets_a_json_429_and_uploads_have_their_own_budget():
    client = make_client(lookups=2, uploads=1)
    for _ in range(2):
        client.get(f"/api/v1/verify/{VALID_ID}")
    r = client.get(f"/api/v1/verify/{MISSING_ID}")  # unknown ids spend the budget too: no free probing
    assert r.status_code == 429 and r.json()["code"] == "rate_limited" and set(r.json()) == {"code", "detail"}
    assert int(r.headers["retry-after"]) >= 1
    assert upload(client, "/api/v1/verify", b"%PDF-1.7 good").status_code == 200  # another budget
    assert upload(client, "/api/v1/verify", b"%PDF-1.7 good").status_code == 429
    assert client.get("/").status_code == 200  # the home page and the stylesheet are never limited
    assert client.get("/static/site.css").status_code == 200


def test_calls_to_the_institutions_routes_without_a_key_spend_the_lookup_budget():
    """Each is refused and audited (an append-only table): a flood of them is limited like look-ups."""
    client = make_client(lookups=2, uploads=1)
    for _ in range(2):
        client.get("/api/v1/audit")
    r = client.post("/api/v1/documents/bulk", json={"documents": []})
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    keyed = make_client(lookups=1, uploads=1)
    for _ in range(3):  # with a key (valid or not, the route judges it) the budget is not spent
        assert keyed.get("/api/v1/audit", headers={"Authorization": "Bearer x"}).status_code != 429


def test_forwarded_for_counts_only_behind_a_trusted_proxy():
    behind = make_client(lookups=1, proxies=("testclient",))
    assert behind.get(f"/v/{VALID_ID}", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    assert behind.get(f"/v/{VALID_ID}", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200
    assert behind.get(f"/v/{VALID_ID}", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    exposed = make_client(lookups=1)  # nobody trusted: a forged header buys nothing
    assert exposed.get(f"/v/{VALID_ID}", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    assert exposed.get(f"/v/{VALID_ID}", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 429


# -- one error shape


@pytest.fixture
def client() -> TestClient:
    return make_client()


def test_every_api_error_is_code_and_detail(client):
    cases = [
        (client.get("/api/v1/nothing-here"), 404, "not_found"),
        (client.delete(f"/api/v1/verify/{VALID_ID}"), 405, "method_not_allowed"),
        (client.post("/api/v1/verify", content=b"{}", headers={"Content-Type": "application/json"}),
         415, "unsupported_media_type"),
        (client.post("/api/v1/verify", content=b"%PDF-1.7 " + b"x" * 2000,
                     headers={"Content-Type": "application/pdf"}), 200, None),
    ]
    for r, status, code in cases:
        assert r.status_code == status, r.text
        if code:
            assert set(r.json()) == {"code", "detail"} and r.json()["code"] == code
            assert isinstance(r.json()["detail"], str)


def test_a_raw_pdf_body_is_verified_like_an_upload(client):
    r = client.post("/api/v1/verify", content=b"%PDF-1.7 tampered", headers={"Content-Type": "application/pdf"})
    assert r.status_code == 200 and r.json()["status"] == "tampered"
    big = make_client(max_upload=100)
    r = big.post("/api/v1/verify", content=b"%PDF-" + b"x" * 200, headers={"Content-Type": "application/pdf"})
    assert r.status_code == 413 and r.json()["code"] == "too_large"


def test_validation_errors_do_not_leak_fastapis_shape():
    app = FastAPI()
    install(app, lookups_per_minute=0, uploads_per_minute=0)

    @app.get("/api/v1/items/{n}")
    def item(n: int) -> dict:
        return {"n": n}

    r = TestClient(app).get("/api/v1/items/not-a-number")
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    assert set(r.json()) == {"code", "detail"} and isinstance(r.json()["detail"], str)


def test_page_errors_are_pages_in_vietnamese(client):
    r = client.get("/khong-co")
    assert r.status_code == 404 and "Không có trang này" in r.text and r.headers["content-type"].startswith("text/html")
    r = client.put("/verify")
    assert r.status_code == 405 and "Yêu cầu không hợp lệ" in r.text


def test_an_unexpected_failure_is_a_500_in_the_same_shape():
    class Broken(FakeService):
        def verify_document(self, document_id):
            raise RuntimeError("boom")

    app = FastAPI()
    install(app, lookups_per_minute=0, uploads_per_minute=0)
    app.include_router(create_router(Broken()))
    client = TestClient(app, raise_server_exceptions=False)
    r = client.get(f"/api/v1/verify/{VALID_ID}")
    assert r.status_code == 500 and r.json() == {"code": "internal_error",
                                                 "detail": "the server failed; the error is logged"}
    page = client.get(f"/v/{VALID_ID}")
    assert "boom" not in page.text
    for answer in (r, page):  # answered outside the edge middleware: the headers must still be there
        assert answer.headers["content-security-policy"].startswith("default-src 'none'")
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"


# -- the typed code


@pytest.mark.parametrize("typed", [
    verification_code(VALID_ID),
    verification_code(VALID_ID).upper(),
    verification_code(VALID_ID).upper().replace("-", " "),
    " MFRG GZDF MZTW Q2LK NNWG 23T P0A ",  # a zero for the O
    "mfrg–gzdf–mztw–q2lk–nnwg–23t–poa",  # en dashes from a word processor
    f"https://xacthuc.example.vn/v/{VALID_ID}",
])
def test_the_lookup_form_accepts_the_code_as_people_type_it(client, typed):
    r = client.get("/v", params={"id": typed}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/v/{VALID_ID}"


def test_confusable_digits_map_to_the_letters_they_look_like(client):
    # the alphabet has no 0, 1 or 8: "1" can only be an "l", "8" only a "b"
    from core.credential import document_id_from_code
    assert document_id_from_code("1" * 26) == "l" * 26 and document_id_from_code("8" * 26) == "b" * 26
    assert document_id_from_code("9" * 26) is None and document_id_from_code("abc") is None


def test_a_code_that_cannot_be_an_id_gets_the_unknown_page_without_a_redirect(client):
    r = client.get("/v", params={"id": "xin chao"}, follow_redirects=False)
    assert r.status_code == 404 and "Không tìm thấy văn bản" in r.text


# -- headers and logs


def test_security_headers_on_every_response_and_hsts_only_over_https(client):
    for path in ("/", f"/v/{VALID_ID}", "/openapi.json", "/nowhere", "/static/site.css"):
        r = client.get(path)
        assert "default-src 'none'" in r.headers["content-security-policy"], path
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in r.headers
    assert "max-age=31536000" in make_client(hsts=True).get("/").headers["strict-transport-security"]


def test_head_answers_like_get_without_a_body(client):
    r = client.head(f"/v/{VALID_ID}")
    assert r.status_code == 200 and r.content == b"" and r.headers["content-security-policy"]
    assert int(r.headers["content-length"]) > 1000  # the length GET would send
    assert client.head(f"/v/{MISSING_ID}").status_code == 404


def test_pages_are_never_cached_and_the_stylesheet_is_immutable(client):
    assert client.get(f"/v/{VALID_ID}").headers["cache-control"] == "no-store"
    assert client.get("/openapi.json").headers["cache-control"] == "no-store"
    assert "immutable" in client.get("/static/site.css").headers["cache-control"]


def test_access_log_keeps_neither_addresses_nor_document_ids():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("198.51.100.7:5123", "GET", f"/v/{VALID_ID}?lang=en", "1.1", 200), None)
    RedactAccessLog().filter(record)
    line = record.getMessage()
    assert VALID_ID not in line and "198.51.100.7" not in line and "/v/…" in line
    assert redact(f"/v?id={verification_code(VALID_ID)}") == "/v?…"
    assert redact(f"/api/v1/documents/{VALID_ID}/evidence") == "/api/v1/documents/…/evidence"


def test_openapi_shows_one_example_per_verdict_and_the_error_shape(client):
    spec = client.get("/openapi.json").json()
    get = spec["paths"]["/api/v1/verify/{document_id}"]["get"]
    post = spec["paths"]["/api/v1/verify"]["post"]
    examples = get["responses"]["200"]["content"]["application/json"]["examples"]
    assert set(examples) == {"valid", "revoked", "cancelled", "superseded", "tampered", "not_anchored", "untrusted_signer",
                             "unknown"}
    assert all(e["value"]["status"] == name for name, e in examples.items())
    assert "personal_id" not in str(examples)
    for status in ("400", "413", "415", "429", "503"):
        error = post["responses"][status]["content"]["application/json"]
        assert all(set(e["value"]) == {"code", "detail"} for e in error["examples"].values())
    assert set(post["responses"]["400"]["content"]["application/json"]["examples"]) == {"not_a_pdf", "broken_pdf"}
    assert "Retry-After" in post["responses"]["429"]["headers"]
    assert set(post["requestBody"]["content"]) == {"multipart/form-data", "application/pdf"}


def test_the_api_page_is_served_from_this_site():
    from verifier.docs import create_docs_router

    app = FastAPI(docs_url=None, redoc_url=None)
    install(app, lookups_per_minute=0, uploads_per_minute=0)
    app.include_router(create_docs_router("Sổ Gốc"))
    client = TestClient(app)
    page = client.get("/docs")
    assert page.status_code == 200 and "http://" not in page.text and "https://" not in page.text
    assert "<script>" not in page.text  # no inline script: the CSP allows none
    assert "script-src 'self';" in page.headers["content-security-policy"]
    scripts = [part.split('"')[0] for part in page.text.split('<script src="')[1:]]
    assert scripts and all(client.get(src).status_code == 200 for src in scripts)
    assert "immutable" in client.get(scripts[0]).headers["cache-control"]
    assert client.get("/static/swagger/0.0.0/swagger-ui.css").status_code == 404


def test_a_damaged_pdf_is_told_apart_from_a_file_that_is_not_a_pdf():
    class Strict(FakeService):
        def verify_upload(self, pdf):
            raise InvalidInput("not a readable PDF: EOF marker not found", code="not_a_pdf")

    client = make_client(Strict())
    broken = upload(client, "/api/v1/verify", b"%PDF-1.7\n1 0 obj")
    assert broken.status_code == 400 and broken.json()["code"] == "broken_pdf"
    assert upload(client, "/api/v1/verify", b"GIF89a").json()["code"] == "not_a_pdf"
    page = upload(client, "/verify", b"%PDF-1.7\n1 0 obj")
    assert page.status_code == 400 and "Tệp PDF bị hỏng" in page.text


# -- accessibility a screen reader or keyboard user notices


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.inputs: list[str] = []
        self.labels: list[str] = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        if tag == "input" and a.get("type") != "hidden":
            self.inputs.append(a.get("id") or "")
        if tag == "label":
            self.labels.append(a.get("for") or "")


@pytest.mark.parametrize("path", ["/", f"/v/{VALID_ID}", f"/v/{VALID_ID}?lang=en", f"/v/{MISSING_ID}", "/nowhere"])
def test_pages_have_a_language_one_h1_ordered_headings_and_labelled_inputs(client, path):
    outline = _Outline()
    outline.feed(client.get(path).text)
    assert outline.lang == ("en" if "lang=en" in path else "vi")
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:])), outline.headings
    assert all(i and i in outline.labels for i in outline.inputs)


def test_an_ipv6_client_is_its_slash_64_and_a_flood_of_keys_does_not_reset_everyone():
    from verifier.limits import TokenBucket, client_address

    assert client_address("2001:db8:1:2::5", None, ()) == client_address("2001:db8:1:2:ffff::9", None, ())
    assert client_address("2001:db8:1:3::5", None, ()) != client_address("2001:db8:1:2::5", None, ())
    assert client_address("203.0.113.7", None, ()) == "203.0.113.7"
    clock = [0.0]
    bucket = TokenBucket(2, max_keys=10, clock=lambda: clock[0])
    for i in range(9):
        bucket.take(f"idle-{i}")
    clock[0] = 1.0
    assert bucket.take("me") == 0 and bucket.take("me") == 0 and bucket.take("me") > 0
    for i in range(40):  # a flood of fresh addresses while "me" keeps asking
        clock[0] += 0.01
        bucket.take(f"flood-{i}")
        if i % 4 == 0:
            assert bucket.take("me") > 0, "the client being limited keeps its (empty) budget"
    assert len(bucket._buckets) <= 10
