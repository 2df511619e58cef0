"""The disclosure page and API as a visitor meets them, through the whole app (sogoc.app) over a
register built by the use cases, on SQLite and PostgreSQL: what a search shows, the one answer
for every miss, the search budget, nothing personal in the feed or in any log line."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from core.config import Settings
from core.status import RevocationReason
from register_book import RegisterBook, diploma  # tests/
from sogoc.app import create_app
from verifier.edge import redact

BAO = diploma("THPT 0123457", "0043/THPT-2026", "Trần Quốc Bảo", "2008-11-02")
SA_RAY = diploma("THPT 0123458", "0044/THPT-2026", "Thạch Thị Sa Rây", "2008-05-05")
PERSONAL = ("Trần", "Thạch", "Sa Rây", "2008-11-02", "2008-05-05", "02/11/2008")


@pytest.fixture
def site(database_url, tmp_path):
    book = RegisterBook(database_url)
    bao, sa_ray = book.issue(BAO, SA_RAY)
    book.revoke(sa_ray, RevocationReason.NOT_ELIGIBLE, "Quyết định số 91/QĐ-SGDĐT", cancel=True)
    settings = Settings.load(environ={}, data_dir=tmp_path, database_url=database_url,
                             contract_address="0x" + "11" * 20, rate_limit_disclosure=4)
    with TestClient(create_app(settings)) as client:
        client.ids = {"bao": bao, "sa_ray": sa_ray}
        yield client
    book.close()


def test_the_page_offers_both_searches_and_lists_nobody(site):
    page = site.get("/cong-khai/SGD-79")
    assert page.status_code == 200 and "Công khai thông tin cấp văn bằng" in page.text
    assert "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh" in page.text
    assert 'name="serial"' in page.text and 'name="name"' in page.text and 'method="post"' in page.text
    assert not any(p in page.text for p in PERSONAL)
    assert site.get("/cong-khai/SGD-79?lang=en").text.count("Look up by") == 2
    assert site.get("/cong-khai/NOPE").status_code == 404


def test_a_search_by_name_and_birth_date_shows_the_diploma_and_links_its_verification(site):
    page = site.post("/cong-khai/SGD-79/tra-cuu", data={"name": "trần quốc  bảo", "birth_date": "02/11/2008"})
    assert page.status_code == 200
    for shown in ("Trần Quốc Bảo", "02/11/2008", "THPT 0123457", "0043/THPT-2026", "Còn hiệu lực", "Cấp văn bằng",
                  f"/v/{site.ids['bao']}", "Gốc Merkle"):
        assert shown in page.text, shown


def test_a_serial_search_shows_the_cancellation_but_not_the_person(site):
    page = site.post("/cong-khai/SGD-79/tra-cuu?lang=en", data={"serial": "thpt-0123458", "birth_date": ""})
    assert page.status_code == 200
    for shown in ("Cancelled", "Quyết định số 91/QĐ-SGDĐT", "Holder was not eligible", "0044/THPT-2026"):
        assert shown in page.text, shown
    assert "Thạch" not in page.text and "/v/" not in page.text
    api = site.get("/api/v1/disclosure/SGD-79/search", params={"serial": "THPT 0123458"}).json()
    [d] = api["diplomas"]
    assert d["status"] == "cancelled" and d["holder"] is None and d["document_id"] is None
    assert [a["act"] for a in d["acts"]] == ["issued", "cancelled"] and d["acts"][1]["evidence"]["kind"] == "act"


@pytest.mark.parametrize("query", [{"serial": "THPT 012345"}, {"serial": "THPT 0123457", "birth_date": "2008-11-03"},
                                   {"name": "Trần Quốc", "birth_date": "2008-11-02"},
                                   {"name": "Trần Quốc Bảo", "birth_date": "2008-11-03"}])
def test_every_miss_gets_the_same_answer(site, query):
    api = site.get("/api/v1/disclosure/SGD-79/search", params=query)
    other = site.get("/api/v1/disclosure/SGD-01/search", params={"serial": "THPT 0123457"})
    unknown = site.get("/api/v1/disclosure/NOPE/search", params={"serial": "THPT 0123457"})
    assert api.status_code == other.status_code == unknown.status_code == 404
    assert api.content == other.content == unknown.content
    assert api.json()["code"] == "no_entry"
    page = site.post("/cong-khai/SGD-79/tra-cuu", data=query)
    assert page.status_code == 404 and "Không tìm thấy văn bằng" in page.text
    assert not any(p in page.text for p in PERSONAL)


def test_an_incomplete_search_is_told_what_is_missing(site):
    api = site.get("/api/v1/disclosure/SGD-79/search", params={"name": "Trần Quốc Bảo"})
    assert api.status_code == 400 and api.json()["code"] == "bad_search"
    page = site.post("/cong-khai/SGD-79/tra-cuu", data={"name": "Trần Quốc Bảo", "birth_date": ""})
    assert page.status_code == 400 and "Thông tin tra cứu chưa đủ" in page.text


def test_searches_are_rate_limited_per_client_on_their_own_budget(site):
    for _ in range(4):
        assert site.get("/api/v1/disclosure/SGD-79/search", params={"serial": "X1"}).status_code == 404
    refused = site.get("/api/v1/disclosure/SGD-79/search", params={"serial": "X1"})
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    page = site.post("/cong-khai/SGD-79/tra-cuu", data={"serial": "X1"})
    assert page.status_code == 429 and "Bạn tra cứu quá nhanh" in page.text
    assert site.get("/cong-khai/SGD-79").status_code == 200  # the form itself is not a search
    assert site.get("/api/v1/disclosure/SGD-79").status_code == 200  # the feed spends the look-up budget


def test_the_feed_pages_through_every_act_without_anything_personal(site):
    first = site.get("/api/v1/disclosure/SGD-79", params={"limit": 2}).json()
    assert [a["act"] for a in first["acts"]] == ["issued", "issued"]
    rest = site.get("/api/v1/disclosure/SGD-79", params={"after": first["next_after"]}).json()
    assert [a["act"] for a in rest["acts"]] == ["cancelled"] and rest["acts"][0]["reason"] == 2
    body = site.get("/api/v1/disclosure/SGD-79").text
    assert not any(p in body for p in (*PERSONAL, *site.ids.values()))
    assert all(a["evidence"]["tx_hash"] for a in first["acts"] + rest["acts"])
    assert site.get("/api/v1/disclosure/NOPE").json()["code"] == "unknown_authority"


def test_the_search_is_documented_with_examples(site):
    schema = site.get("/openapi.json").json()
    search = schema["paths"]["/api/v1/disclosure/{authority}/search"]["get"]
    assert {"200", "400", "404", "429"} <= set(search["responses"])
    assert "by name and date of birth" in search["responses"]["200"]["content"]["application/json"]["examples"]
    assert "/api/v1/disclosure/{authority}" in schema["paths"]


def test_no_log_line_carries_a_name_or_a_birth_date(site, caplog):
    caplog.set_level(logging.DEBUG)
    site.post("/cong-khai/SGD-79/tra-cuu", data={"name": "Trần Quốc Bảo", "birth_date": "02/11/2008"})
    site.get("/api/v1/disclosure/SGD-79/search", params={"name": "Trần Quốc Bảo", "birth_date": "2008-11-02"})
    server_side = [r for r in caplog.records if not r.name.startswith("httpx")]  # httpx: the test's own client
    assert not any(p in record.getMessage() for record in server_side for p in PERSONAL)
    logged = redact("/api/v1/disclosure/SGD-79/search?name=Tr%E1%BA%A7n&birth_date=2008-11-02")
    assert logged == "/api/v1/disclosure/SGD-79/search?…"
