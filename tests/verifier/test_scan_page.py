"""The camera scan page: what it serves, and that only it may run scripts and ask for the camera."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from verifier.web import SCRIPTS, create_router, install

BASE = "https://xacthuc.sogd.hcm.edu.vn"


class NoDocuments:
    reads_in_process = True

    def lookup(self, document_id):
        return None

    def lookup_page(self, document_id, lang):
        return None

    def verify_document(self, document_id):
        return None

    def verify_upload(self, pdf):
        raise AssertionError("not used")


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    install(app, lookups_per_minute=0, uploads_per_minute=0)  # the edge, as served: every response's headers
    app.include_router(create_router(NoDocuments(), public_base_url=BASE + "/"))
    return TestClient(app)


def test_the_scan_page_is_vietnamese_first_with_an_english_switch(client):
    vi, en = client.get("/scan"), client.get("/scan", params={"lang": "en"})
    assert vi.status_code == en.status_code == 200
    assert '<html lang="vi">' in vi.text and "Quét mã QR bằng camera" in vi.text
    assert '<html lang="en">' in en.text and "Scan a QR code with the camera" in en.text
    assert 'data-lang-query="?lang=en"' in en.text and 'name="lang" value="en"' in en.text


def test_the_scan_page_knows_the_public_base_url_and_offers_the_type_in_form(client):
    page = client.get("/scan").text
    assert f'data-base-url="{BASE}"' in page
    assert re.search(r'<form class="form" method="get" action="/v">', page)
    assert "<noscript>" in page and "JavaScript" in page


def test_only_the_scan_page_runs_scripts_and_may_use_the_camera(client):
    scan = client.get("/scan").headers
    csp = scan["content-security-policy"]
    assert "script-src 'self'" in csp and "media-src 'self'" in csp and "default-src 'none'" in csp
    assert scan["permissions-policy"].startswith("camera=(self),")
    for path in ("/", "/?lang=en", "/v/aaaaaaaaaaaaaaaaaaaaaaaaaa"):
        headers = client.get(path).headers
        assert "script-src" not in headers["content-security-policy"], path
        assert headers["content-security-policy"].startswith("default-src 'none'"), path
        assert headers["permissions-policy"].startswith("camera=(),"), path


def test_the_home_page_links_to_the_scan_page_in_its_language(client):
    assert 'href="/scan"' in client.get("/").text
    assert 'href="/scan?lang=en"' in client.get("/?lang=en").text


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_the_scripts_are_served_from_this_origin_with_long_caching(client, name):
    if not SCRIPTS[name].is_file():
        pytest.fail(f"{SCRIPTS[name]} is missing: run `make setup` (it copies the QR decoder from npm)")
    page = client.get("/scan").text
    src = re.search(rf'src="(/static/{re.escape(name)}\?v=[0-9a-f]{{12}})"', page)
    assert src, f"the scan page does not load {name}"
    response = client.get(src.group(1))
    assert response.status_code == 200 and response.content == SCRIPTS[name].read_bytes()
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]


def test_nothing_else_is_served_under_static(client):
    for path in ("/static/../web.py", "/static/vendor/other.js", "/static/scan.html"):
        assert client.get(path).status_code == 404, path
