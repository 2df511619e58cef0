"""The by-id routes read a stored report: served as stored, never re-verified on a hit, with the
time its chain state was checked; a miss falls back to one full verification."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.status import CheckCode, CheckStatus, Verdict
from verifier.report import Check, PublishedReport, Report
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
    def __init__(self) -> None:
        self.stored = {STORED_ID: PublishedReport.of(report(STORED_ID), checked_at=int(CHECKED.timestamp()),
                                                     checked_block=4242)}
        self.verified: list[str] = []

    def lookup(self, document_id: str) -> PublishedReport | None:
        return self.stored.get(document_id)

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
