"""The report store on a real database (SQLite and PostgreSQL), and the follower's lock between worker processes."""

from __future__ import annotations

import json
import threading
import zlib

import pytest
from sqlalchemy import Column, LargeBinary, MetaData, String, Table, text

from registry.db import make_engine
from core.status import CheckCode, CheckStatus, Verdict
from sogoc.follower import ChainFollower
from sogoc.reports import Cursor, ReportReader, ReportStore
from verifier.report import Check, Report
from verifier.pages import CHECKED_AT_MARK, page_version

DOC = "mfrggzdfmztwq2lknnwg23tpoa"
LEAF = "0x" + "ef" * 32


def report(status: Verdict = Verdict.VALID) -> Report:
    return Report(status, DOC, [Check("status", CheckStatus.PASSED, CheckCode.IN_FORCE, "In force.")],
                  document={"id": DOC, "issuer": "THPT-A", "fields": {"student": {
                      "full_name": "Nguyễn Thị Ánh Tuyết", "personal_id": "079308001234",
                      "place_of_birth": "Thành phố Hồ Chí Minh"}}},
                  anchor={"leaf": LEAF, "root": "0x" + "cd" * 32, "block_number": 7})


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_a_stored_report_is_served_as_public_json_with_when_it_was_checked(engine):
    store, reader = ReportStore(engine), ReportReader(engine)
    assert reader.get(DOC) is None
    store.put(DOC, report(), checked_block=12, checked_at=1_780_000_000)
    found = reader.get(DOC)
    public = json.loads(found.body)
    assert public["status"] == "valid" and public["document_id"] == DOC
    assert public["document"]["fields"]["student"] == {"full_name": "Nguyễn Thị Ánh Tuyết"}
    assert found.private_withheld and (found.checked_block, found.checked_at) == (12, 1_780_000_000)
    assert found.report().to_json() == public  # the page renders the same report
    assert store.ids_by_leaf(bytes.fromhex(LEAF[2:])) == [DOC]


def test_its_landing_pages_are_stored_with_it_without_the_withheld_fields(engine):
    store, reader = ReportStore(engine), ReportReader(engine)
    store.put(DOC, report(), checked_block=12, checked_at=1_780_000_000)
    vi, en = reader.get_page(DOC, "vi"), reader.get_page(DOC, "en")
    assert vi.version == en.version == page_version() and vi.checked_at == 1_780_000_000
    assert b'<html lang="vi">' in vi.html and b'<html lang="en">' in en.html
    for page in (vi, en):
        text = page.html.decode()
        assert "Nguyễn Thị Ánh Tuyết" in text and CHECKED_AT_MARK in text
        assert "079308001234" not in text and "Thành phố Hồ Chí Minh" not in text
    assert reader.get_page(DOC, "fr") is None and reader.get_page("a" * 26, "vi") is None
    store.set_cursor(Cursor(30, 1_780_000_600))
    assert ReportReader(engine).get_page(DOC, "vi").checked_at == 1_780_000_600


def test_a_report_table_of_an_older_shape_is_made_again(engine):
    """Reports are derived data: a store started on an older table (no pages) rebuilds it, and the
    documents are verified afresh on their next look-up."""
    old = Table("verification_reports", MetaData(), Column("document_id", String(26), primary_key=True),
                Column("body", LargeBinary))
    with engine.begin() as c:
        old.create(c)
        c.execute(old.insert().values(document_id=DOC, body=b"{}"))
    store = ReportStore(engine)
    assert ReportReader(engine).get(DOC) is None
    store.put(DOC, report(), checked_block=12)
    assert ReportReader(engine).get_page(DOC, "vi") is not None


def test_a_report_read_from_an_older_block_never_replaces_a_newer_one(engine):
    store, reader = ReportStore(engine), ReportReader(engine)
    store.put(DOC, report(Verdict.REVOKED), checked_block=20)
    store.put(DOC, report(Verdict.VALID), checked_block=19)  # a slow verification finishing late
    assert json.loads(reader.get(DOC).body)["status"] == "revoked"


def test_the_followers_cursor_moves_the_checked_time_of_reports_it_covers(engine):
    store = ReportStore(engine)
    store.put(DOC, report(), checked_block=12, checked_at=1_000)
    store.set_cursor(Cursor(30, 2_000))
    found = ReportReader(engine).get(DOC)
    assert (found.checked_block, found.checked_at) == (30, 2_000)
    store.set_cursor(Cursor(31, 2_002))
    assert store.cursor() == Cursor(31, 2_002)


def test_chain_events_drop_only_the_verdicts_they_can_change(engine):
    store, reader = ReportStore(engine), ReportReader(engine)
    store.put(DOC, report(Verdict.NOT_ANCHORED), checked_block=1)
    other = "nbswy3dpeb3w64tmmqqgc3tfmu"
    store.put(other, report(Verdict.VALID), checked_block=1)
    assert store.drop_verdicts(["not_anchored"]) == 1
    assert reader.get(DOC) is None and reader.get(other) is not None


def test_of_several_workers_one_follower_polls(tmp_path, engine):
    lock = tmp_path / "follower.lock"
    store = ReportStore(engine)
    first, second = (ChainFollower(None, "0x" + "11" * 20, store, lambda _id: None, lock_path=lock)
                     for _ in range(2))
    assert first._holds_lock() and not second._holds_lock()
    first.stop()  # the holder goes away: another worker takes over
    assert second._holds_lock()
    second.stop()


def test_the_follower_starts_at_the_contracts_deployment_block_then_at_its_cursor(engine):
    """A production chain may be millions of blocks older than the contract: the first poll reads
    events from the deployment block, not from genesis; the next one from after its cursor."""

    class Eth:
        block_number, asked = 12_345, []

        def get_logs(self, query):
            self.asked.append((query["fromBlock"], query["toBlock"]))
            return []

    w3 = type("W3", (), {"eth": Eth()})()
    follower = ChainFollower(w3, "0x" + "11" * 20, ReportStore(engine), lambda _id: None, from_block=12_000)
    follower.poll_once()
    assert w3.eth.asked == [(12_000, 12_345)]
    w3.eth.block_number = 12_400
    follower.poll_once()
    assert w3.eth.asked[-1] == (12_346, 12_400)


def test_a_verification_the_follower_has_overtaken_is_served_but_not_stored(engine):
    """Read at block 100; the follower has applied events up to 101 (perhaps this document's
    revocation, which it could not refresh: there was no row). Storing it would show a stale
    verdict as current until the next event about this leaf."""
    from sogoc.reports import Cursor

    store, reader = ReportStore(engine), ReportReader(engine)
    store.set_cursor(Cursor(101, 1_780_000_000))
    row, stored = store.put(DOC, report(Verdict.VALID), checked_block=100)
    assert not stored and row["verdict"] == "valid" and reader.get(DOC) is None
    row, stored = store.put(DOC, report(Verdict.REVOKED), checked_block=102)
    assert stored and json.loads(reader.get(DOC).body)["status"] == "revoked"


def test_a_schools_suspension_on_chain_drops_every_stored_report(engine):
    """A suspension is shown in each report's accreditation chain: no stored page may keep the old fact."""
    from sogoc.follower import topics

    store, reader = ReportStore(engine), ReportReader(engine)
    other = "nbswy3dpeb3w64tmmqqgc3tfmu"
    for doc in (DOC, other):
        store.put(doc, report(Verdict.VALID), checked_block=1)
    follower = ChainFollower(None, "0x" + "11" * 20, store, lambda _id: None)
    suspended = next(topic for topic, name in follower._topics.items() if name == "IssuerSuspended")
    assert "IssuerReinstated" in topics().values()
    follower._apply({"topics": [suspended, b"\0" * 32, b"\0" * 32]})
    assert reader.get(DOC) is None and reader.get(other) is None


def test_pages_made_by_other_code_are_rendered_again(engine):
    store, reader = ReportStore(engine), ReportReader(engine)
    store.put(DOC, report(), checked_block=12)
    with engine.begin() as c:
        c.execute(text("UPDATE verification_reports SET page_vi = :page, page_version = 'old'"),
                  {"page": zlib.compress(b"<p>old</p>")})
    assert reader.get_page(DOC, "vi") is None  # not served: the route renders afresh (tests/verifier)
    assert store.render_stale_pages() == 1 and store.render_stale_pages() == 0
    page = reader.get_page(DOC, "vi")
    assert page.version == page_version() and "Nguyễn Thị Ánh Tuyết" in page.html.decode()


def test_a_stored_page_that_cannot_be_read_is_rendered_from_its_report_not_an_error(engine):
    """A page stored against another compression dictionary (or damaged) under the current
    version: the reader answers "no page" (the route renders it from the report), never a 500."""
    store, reader = ReportStore(engine), ReportReader(engine)
    store.put(DOC, report(), checked_block=12)
    other = zlib.compressobj(6, zdict=b"<html>another dictionary</html>")
    with engine.begin() as c:
        c.execute(text("UPDATE verification_reports SET page_vi = :page"),
                  {"page": other.compress(b"<p>page</p>") + other.flush()})
    assert reader.get_page(DOC, "vi") is None
    assert "Nguyễn Thị Ánh Tuyết" in reader.get_page(DOC, "en").html.decode()  # the other language is intact


def test_the_page_version_covers_the_compression_dictionary(monkeypatch):
    """The dictionary is rendered by code outside the files the version digests (the report
    model, the template engine): a change there must make stored pages stale, not unreadable."""
    import verifier.pages as pages

    before = pages.page_version()
    pages.page_version.cache_clear()
    pages.page_dictionary.cache_clear()
    monkeypatch.setattr(pages, "render_landing", lambda *a, **k: b"<html>rendered by other code</html>")
    try:
        assert pages.page_version() != before
    finally:
        monkeypatch.undo()
        pages.page_version.cache_clear()
        pages.page_dictionary.cache_clear()
    assert pages.page_version() == before


def test_verifications_of_one_document_finishing_together_store_the_latest_without_error(engine):
    """Several workers verifying one document at once (a look-up miss on each): on PostgreSQL two
    inserts of the same id would collide without the store's write lock."""
    store, reader = ReportStore(engine), ReportReader(engine)
    errors: list[Exception] = []

    def put(block: int) -> None:
        try:
            store.put(DOC, report(), checked_block=block)
        except Exception as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    workers = [threading.Thread(target=put, args=(block,)) for block in range(100, 116)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert errors == []
    assert reader.get(DOC).checked_block == 115


def test_the_app_serves_a_stored_page_from_either_database(database_url, tmp_path):
    """Through the whole app: SQLite is read on the event loop, PostgreSQL in the thread pool
    (``reads_in_process``); the visitor gets the same stored page and report either way."""
    from fastapi.testclient import TestClient

    from core.config import Settings
    from sogoc.app import create_app

    settings = Settings.load(environ={}, data_dir=tmp_path, database_url=database_url,
                             contract_address="0x" + "11" * 20)
    with TestClient(create_app(settings)) as client:
        engine = make_engine(database_url)
        ReportStore(engine).put(DOC, report(), checked_block=12, checked_at=1_780_000_000)
        assert ReportReader(engine).in_process == database_url.startswith("sqlite")
        engine.dispose()
        page = client.get(f"/v/{DOC}")
        assert page.status_code == 200 and "Nguyễn Thị Ánh Tuyết" in page.text
        assert client.get(f"/api/v1/verify/{DOC}").json()["status"] == "valid"
