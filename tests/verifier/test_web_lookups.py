"""The by-id routes read a stored report: served as stored, never re-verified on a hit, with the
time its chain state was checked; a miss falls back to one full verification."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.status import CheckCode, CheckStatus, Verdict
from verifier.report import Check, PublishedReport, Report, StoredPage
from verifier.pages import page_version, render_landing
from verifier.web import create_router

STORED_ID = "mfrggzdfmztwq2lknnwg23tpoa"
MISSED_ID = "nbswy3dpeb3w64tmmqqgc3tfmu"
CHECKED = datetime(2026, 11, 20, 2, 5, tzinfo=timezone.utc)  # 09:05 in Vietnam


def report(document_id: str) -> Report:
    return Report(Verdict.VALID, document_id,
                  [Check("status", CheckStatus.PASSED, CheckCode.IN_FORCE, "Not revoked and not replaced.")],
                  document={"id": document_id, "kind": "transcript", "issuer": "THPT-79-NTMK", "fields": {
                      "student": {"full_name": "Nguyễn Thị Ánh Tuyết", "personal_id": "079308001234"}}})


class StoreService:
    reads_in_process = True

    def __init__(self) -> None:
        self.stored = {STORED_ID: PublishedReport.of(report(STORED_ID), checked_at=int(CHECKED.timestamp()),
                                                     checked_block=4242)}
        self.verified: list[str] = []
        self.store_pages = True
        self.pages: dict[str, StoredPage] = {}

    def lookup(self, document_id: str) -> PublishedReport | None:
        return self.stored.get(document_id)

    def lookup_page(self, document_id: str, lang: str) -> StoredPage | None:
        """Pages rendered from the stored report, as sogoc.reports stores them."""
        if document_id in self.pages:
            return self.pages[document_id]
        found = self.stored.get(document_id) if self.store_pages else None
        if found is None:
            return None
        html = render_landing(found.report(), lang, private_withheld=found.private_withheld)
        return StoredPage(html, found.checked_at or 0, page_version())

    def verify_document(self, document_id: str) -> PublishedReport | None:
        self.verified.append(document_id)
        if document_id != MISSED_ID:
            return None
        self.stored[document_id] = PublishedReport.of(report(document_id))
        return self.stored[document_id]

    def verify_upload(self, pdf: bytes) -> Report:
        raise AssertionError("not used here")


def client(service: StoreService) -> TestClient:
    app = FastAPI()
    app.include_router(create_router(service))
    return TestClient(app)


def test_a_stored_report_is_served_as_stored_with_when_it_was_checked():
    service = StoreService()
    c = client(service)
    api = c.get(f"/api/v1/verify/{STORED_ID}")
    assert api.status_code == 200 and api.content == service.stored[STORED_ID].body
    assert api.headers["content-type"] == "application/json"
    assert api.headers["sogoc-status-checked-block"] == "4242"
    assert api.headers["sogoc-status-checked-at"] == "2026-11-20T02:05:00+00:00"
    page = c.get(f"/v/{STORED_ID}").text
    assert "Nguyễn Thị Ánh Tuyết" in page and "09:05 ngày 20/11/2026" in page
    assert "079308001234" not in page and "079308001234" not in api.text
    assert service.verified == []  # a hit verifies nothing


def test_a_miss_is_verified_once_then_served_from_the_store():
    service = StoreService()
    c = client(service)
    first = c.get(f"/api/v1/verify/{MISSED_ID}")
    second = c.get(f"/api/v1/verify/{MISSED_ID}")
    assert first.status_code == second.status_code == 200 and first.content == second.content
    assert service.verified == [MISSED_ID]


def test_an_unknown_id_is_the_same_404_as_a_malformed_one():
    service = StoreService()
    c = client(service)
    unknown, malformed = c.get("/api/v1/verify/" + "a" * 26), c.get("/api/v1/verify/not-an-id")
    assert unknown.status_code == malformed.status_code == 404 and unknown.content == malformed.content
    assert service.verified == ["a" * 26]  # a malformed id never reaches the service


def test_a_stored_page_is_the_page_rendered_from_its_report():
    """What a QR scan gets from the stored page is byte for byte what rendering the stored report
    gives, in both languages, with the time of its chain state filled in."""
    stored, live = StoreService(), StoreService()
    live.store_pages = False
    for query in ("", "?lang=en"):
        from_store = client(stored).get(f"/v/{STORED_ID}{query}")
        rendered = client(live).get(f"/v/{STORED_ID}{query}")
        assert from_store.status_code == rendered.status_code == 200
        assert from_store.content == rendered.content
        assert from_store.headers["cache-control"] == "no-store"
        assert from_store.headers["content-type"] == "text/html; charset=utf-8"
    assert "09:05 ngày 20/11/2026" in client(stored).get(f"/v/{STORED_ID}").text
    assert "sogoc:checked-at" not in client(stored).get(f"/v/{STORED_ID}").text


def test_a_page_stored_by_other_code_is_rendered_afresh():
    """After a deployment changes a template or a text, stored pages of the old version are not served."""
    service = StoreService()
    service.pages[STORED_ID] = StoredPage(b"<p>old page</p><!--sogoc:checked-at-->", 0, "0123456789abcdef")
    page = client(service).get(f"/v/{STORED_ID}").text
    assert "old page" not in page and "Nguyễn Thị Ánh Tuyết" in page


def test_stored_pages_stay_current_when_only_another_pages_text_changes(tmp_path, monkeypatch):
    """A deployment that changes a text of the home page leaves stored landing pages current;
    one that changes a text a landing page shows makes them stale (they are rendered again)."""
    import shutil

    from verifier import pages

    here = tmp_path / "verifier"
    shutil.copytree(pages.HERE, here, ignore=shutil.ignore_patterns("vendor", "__pycache__"))
    monkeypatch.setattr(pages, "HERE", here)
    before = pages.page_version.__wrapped__()
    assert before == page_version()
    source = (here / "i18n.py").read_text()
    home = next(line for line in source.splitlines() if line.lstrip().startswith('"home.'))
    changed = source.replace(home, home.replace('": "', '": "Mới: ', 1))
    assert changed != source
    (here / "i18n.py").write_text(changed)
    assert pages.page_version.__wrapped__() == before
    verdict = next(line for line in source.splitlines() if line.lstrip().startswith('"verdict.'))
    (here / "i18n.py").write_text(source.replace(verdict, verdict.replace('": "', '": "Mới: ', 1)))
    assert pages.page_version.__wrapped__() != before



class Recording(StoreService):
    """Notes, for each read of the store, whether it ran on the event loop."""

    def __init__(self, reads_in_process: bool) -> None:
        super().__init__()
        self.reads_in_process, self.on_loop = reads_in_process, []

    def _note(self) -> None:
        try:
            asyncio.get_running_loop()
            self.on_loop.append(True)
        except RuntimeError:  # a worker thread: no loop runs there
            self.on_loop.append(False)

    def lookup(self, document_id):
        self._note()
        return super().lookup(document_id)

    def lookup_page(self, document_id, lang):
        self._note()
        return super().lookup_page(document_id, lang)


@pytest.mark.parametrize("in_process", [True, False], ids=["sqlite", "network"])
def test_the_store_is_read_on_the_event_loop_only_when_it_is_in_process(in_process):
    """SQLite: a read takes tens of microseconds, less than a thread hop. PostgreSQL: a round
    trip on the loop would hold up every other request of the worker, so it runs in a thread."""
    service = Recording(in_process)
    c = client(service)
    assert c.get(f"/v/{STORED_ID}").status_code == 200
    assert c.get(f"/api/v1/verify/{STORED_ID}").status_code == 200
    assert service.on_loop == [in_process, in_process]
