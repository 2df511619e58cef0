"""The verification-report store: what the by-id routes serve, one primary-key read per request.

Re-verifying a stored PDF on every QR scan costs pyHanko (20-30 ms) and chain calls; the answer
changes only when the chain state of the document changes (a revocation, a correction, an
anchor, a signing certificate added). So the full verifier runs when a document is anchored,
on a look-up miss and when the chain says something changed (:mod:`sogoc.follower`); its
public report is stored here, in the registry's database, as the JSON bytes the API serves.

Each row says when the chain state behind it was read (block, time). The follower's cursor
(the last block whose events were applied) is kept here too: a row read at or before the
cursor is known to be current up to the cursor's time, which the page shows.

Reads go through :class:`ReportReader`: on SQLite, plain ``sqlite3`` with one prepared
statement (the ORM costs more than the whole rest of a request); elsewhere SQLAlchemy Core.

These two tables are a cache, derivable from the registry and the chain: they are not in the
registry's migrations (:mod:`registry.schema` leaves them alone). Their owner creates them here;
a change of their shape may drop them (the follower then starts again from block 0, and look-ups
verify afresh) instead of migrating them.
"""

from __future__ import annotations

import sqlite3
import logging
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import quote, unquote

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import (BigInteger, Boolean, Column, LargeBinary, MetaData, String, Table, bindparam, delete, insert,
                        inspect, or_, select, text, update)
from sqlalchemy.engine import Connection, Engine

from core.hashes import Hash32
from verifier.i18n import LANGUAGES
from verifier.report import PublishedReport, Report, StoredPage
from verifier.pages import page_dictionary, page_version, render_landing

logger = logging.getLogger(__name__)
metadata = MetaData()

reports = Table(
    "verification_reports", metadata,
    Column("document_id", String(26), primary_key=True),
    Column("body", LargeBinary, nullable=False),  # Report.to_json(withhold_private=True), as served
    Column("verdict", String(24), nullable=False, index=True),
    Column("private_withheld", Boolean, nullable=False),
    Column("leaf", LargeBinary(32), index=True),  # to find the row of a leaf named by a chain event
    Column("checked_block", BigInteger, nullable=False),
    Column("checked_at", BigInteger, nullable=False),  # unix seconds (past 2038: 64 bits)
    # The QR landing page in each language, rendered with the report (verifier.pages.render_landing),
    # zlib-compressed against verifier.pages.page_dictionary of its page_version
    Column("page_vi", LargeBinary),
    Column("page_en", LargeBinary),
    Column("page_version", String(16)),  # verifier.pages.page_version() of the code that rendered them
)

cursors = Table(
    "chain_cursors", metadata,
    Column("name", String(32), primary_key=True),
    Column("block", BigInteger, nullable=False),
    Column("at", BigInteger, nullable=False),  # unix seconds at which that block was the head
)

FOLLOWER = "follower"
#: Stale pages the follower renders again per poll (about 1.5 ms each).
PAGES_PER_PASS = 200
#: How long a worker reuses the follower's cursor before reading it again.
CURSOR_TTL = 1.0


@dataclass(frozen=True)
class Cursor:
    block: int
    at: int


def row_of(document_id: str, report: Report, *, checked_block: int, checked_at: int) -> dict:
    """The stored row of one report, with its landing pages."""
    published = PublishedReport.of(report)
    leaf = (report.anchor or {}).get("leaf")
    return {"document_id": document_id, "body": published.body, "verdict": report.status.value,
            "private_withheld": published.private_withheld,
            "leaf": bytes(Hash32.from_hex(leaf)) if isinstance(leaf, str) else None,
            "checked_block": checked_block, "checked_at": checked_at,
            **pages_of(published.report(), private_withheld=published.private_withheld)}


def pages_of(public: Report, *, private_withheld: bool) -> dict:
    """The landing pages of a public report (what the page of a stored report shows), compressed:
    about 13 KB of HTML each, about 1.7 KB stored."""
    return {f"page_{lang}": compress_page(render_landing(public, lang, private_withheld=private_withheld), lang)
            for lang in LANGUAGES} | {"page_version": page_version()}


def compress_page(html: bytes, lang: str) -> bytes:
    """A landing page as stored: zlib against a page of the same version (the preset dictionary
    holds the markup and texts every page shares)."""
    packer = zlib.compressobj(6, zdict=page_dictionary(lang))
    return packer.compress(html) + packer.flush()


def decompress_page(stored: bytes, lang: str) -> bytes:
    """The page :func:`compress_page` stored, by code of the same :func:`page_version` (zlib
    refuses a stream made against another dictionary: it carries the dictionary's checksum)."""
    unpacker = zlib.decompressobj(zdict=page_dictionary(lang))
    html = unpacker.decompress(stored)
    if not unpacker.eof:
        raise zlib.error("truncated stored page")
    return html


#: PostgreSQL advisory lock held while the tables are created (workers starting at once).
_CREATE_LOCK = 0x736F676F6372  # "sogocr"


class ReportStore:
    """Writes (verifier, follower) and the follower's cursor, through SQLAlchemy Core.

    Writes are serialised: :meth:`put` checks, then inserts, and must not interleave with another
    write. SQLite's first write takes the database's write lock; on PostgreSQL every write
    transaction here takes a table lock that only other writers wait for (readers never do).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.begin() as c:
            if c.dialect.name == "postgresql":
                c.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATE_LOCK})
            _create_or_rebuild(c)

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self.engine.begin() as c:
            if c.dialect.name == "postgresql":
                c.execute(text("LOCK TABLE verification_reports IN SHARE ROW EXCLUSIVE MODE"))
            yield c

    def put(self, document_id: str, report: Report, *, checked_block: int,
            checked_at: int | None = None) -> tuple[dict, bool]:
        """Store a report read from the chain at ``checked_block``: returns (its row, stored?).

        Not stored if the stored row was read from a later block (the follower refreshed it
        meanwhile: that one holds), nor if the follower's cursor has passed ``checked_block``:
        the follower may have applied an event about this document in between, which the
        caller's verification did not see, and a stored row is only refreshed by later events.
        The checks and the insert run under the store's write lock (see the class).
        """
        row = row_of(document_id, report, checked_block=checked_block, checked_at=checked_at or int(time.time()))
        with self._writing() as c:
            c.execute(delete(reports).where(reports.c.document_id == document_id)
                      .where(reports.c.checked_block <= checked_block))
            newer = c.execute(select(reports.c.checked_block).where(reports.c.document_id == document_id)).first()
            passed = c.execute(select(cursors.c.block).where(cursors.c.name == FOLLOWER)
                               .where(cursors.c.block > checked_block)).first()
            if newer is not None or passed is not None:
                return row, False
            c.execute(insert(reports), [row])
        return row, True

    def drop(self, document_ids: list[str]) -> None:
        if document_ids:
            with self._writing() as c:
                c.execute(delete(reports).where(reports.c.document_id.in_(document_ids)))

    def ids_by_leaf(self, leaf: bytes) -> list[str]:
        with self.engine.connect() as c:
            return list(c.scalars(select(reports.c.document_id).where(reports.c.leaf == leaf)))

    def drop_all(self) -> int:
        with self._writing() as c:
            return c.execute(delete(reports)).rowcount

    def drop_verdicts(self, verdicts: list[str]) -> int:
        """Drop reports with these verdicts: a later look-up verifies them afresh."""
        with self._writing() as c:
            return c.execute(delete(reports).where(reports.c.verdict.in_(verdicts))).rowcount

    def render_stale_pages(self, limit: int = PAGES_PER_PASS) -> int:
        """Render again up to ``limit`` stored pages made by other code (before a deployment that
        changed a template or a text); returns how many. Until then those pages are rendered per
        request from their report. A row replaced meanwhile keeps its own pages."""
        version = page_version()
        with self.engine.connect() as c:
            rows = c.execute(select(reports.c.document_id, reports.c.body, reports.c.private_withheld)
                             .where(or_(reports.c.page_version.is_(None), reports.c.page_version != version))
                             .limit(limit)).all()
        updates = [{"id": row.document_id, "old_body": row.body,
                    **pages_of(PublishedReport(bytes(row.body)).report(), private_withheld=bool(row.private_withheld))}
                   for row in rows]
        if updates:
            with self._writing() as c:
                c.execute(update(reports).where(reports.c.document_id == bindparam("id"))
                          .where(reports.c.body == bindparam("old_body"))
                          .values(page_vi=bindparam("page_vi"), page_en=bindparam("page_en"),
                                  page_version=bindparam("page_version")), updates)
        return len(updates)

    def cursor(self, name: str = FOLLOWER) -> Cursor | None:
        with self.engine.connect() as c:
            row = c.execute(select(cursors.c.block, cursors.c.at).where(cursors.c.name == name)).first()
        return None if row is None else Cursor(row.block, row.at)

    def set_cursor(self, cursor: Cursor, name: str = FOLLOWER) -> None:
        with self._writing() as c:
            if c.execute(update(cursors).where(cursors.c.name == name)
                         .values(block=cursor.block, at=cursor.at)).rowcount == 0:
                c.execute(insert(cursors).values(name=name, block=cursor.block, at=cursor.at))


class ReportReader:
    """The hot path: one stored report by primary key, plus the follower's cursor (cached for a second).

    On SQLite it is read from the event loop of one worker process (a primary-key read of a few
    KB takes tens of microseconds, less than handing it to a thread); over the network
    (PostgreSQL) from the worker's thread pool (:attr:`in_process`, ``verifier.web._read``).
    """

    _SQL = ("SELECT body, checked_block, checked_at, private_withheld FROM verification_reports "
            "WHERE document_id = ?")
    _PAGE_SQL = {lang: f"SELECT page_{lang}, page_version, checked_block, checked_at FROM verification_reports "
                       "WHERE document_id = ?" for lang in LANGUAGES}

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite_path = _sqlite_path(engine)
        self._local = threading.local()
        self._cursor: Cursor | None = None
        self._cursor_read = float("-inf")
        self._statement = select(reports.c.body, reports.c.checked_block, reports.c.checked_at,
                                 reports.c.private_withheld).where(reports.c.document_id == bindparam("id"))
        self._page_statements = {
            lang: select(reports.c[f"page_{lang}"], reports.c.page_version, reports.c.checked_block,
                         reports.c.checked_at).where(reports.c.document_id == bindparam("id"))
            for lang in LANGUAGES}

    @property
    def in_process(self) -> bool:
        """True on SQLite (a read is a file access in this process), False over the network."""
        return self._sqlite_path is not None

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{quote(self._sqlite_path)}?mode=ro", uri=True, check_same_thread=False)
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
        return conn

    def get(self, document_id: str) -> PublishedReport | None:
        if self._sqlite_path is not None:
            row = self._conn().execute(self._SQL, (document_id,)).fetchone()
        else:
            with self.engine.connect() as c:
                row = c.execute(self._statement, {"id": document_id}).first()
        if row is None:
            return None
        body, block, at, withheld = row
        cursor = self.follower_cursor()
        if cursor is not None and cursor.block >= block and cursor.at > at:
            block, at = cursor.block, cursor.at  # the follower has seen every event since the row was read
        return PublishedReport(bytes(body), at, block, bool(withheld))

    def get_page(self, document_id: str, lang: str) -> StoredPage | None:
        """The stored landing page in ``lang`` (see :meth:`get` for its "checked at"); None if
        there is none of the current :func:`page_version` (the route renders it from the report)."""
        if lang not in LANGUAGES:
            return None
        if self._sqlite_path is not None:
            row = self._conn().execute(self._PAGE_SQL[lang], (document_id,)).fetchone()
        else:
            with self.engine.connect() as c:
                row = c.execute(self._page_statements[lang], {"id": document_id}).first()
        if row is None or row[0] is None or row[1] != page_version():
            return None  # none stored, or by other code (another template, text or dictionary)
        page, version, block, at = row
        try:
            html = decompress_page(page, lang)
        except zlib.error:  # not a page this code stored (damaged, or another dictionary): render it again
            logger.warning("stored landing page unreadable; rendering it from its report")
            return None
        cursor = self.follower_cursor()
        if cursor is not None and cursor.block >= block and cursor.at > at:
            at = cursor.at
        return StoredPage(html, at, version)

    def follower_cursor(self) -> Cursor | None:
        now = time.monotonic()
        if now - self._cursor_read > CURSOR_TTL:
            if self._sqlite_path is not None:
                row = self._conn().execute("SELECT block, at FROM chain_cursors WHERE name = ?", (FOLLOWER,)).fetchone()
            else:
                with self.engine.connect() as c:
                    row = c.execute(select(cursors.c.block, cursors.c.at).where(cursors.c.name == FOLLOWER)).first()
            self._cursor = None if row is None else Cursor(row[0], row[1])
            self._cursor_read = now
        return self._cursor


def _create_or_rebuild(conn: Connection) -> None:
    """Create the store's tables; a report table of an older shape is dropped and made again.

    Every row is derived from the registry and the chain, so nothing is lost: a look-up that
    misses verifies the document afresh. The follower's cursor stays (it says which events were
    applied, and a missing row is never taken for a current one).
    """
    found = inspect(conn)
    columns = {c["name"] for c in found.get_columns(reports.name)} if found.has_table(reports.name) else None
    if columns is not None and columns != {c.name for c in reports.columns}:
        reports.drop(conn)
    metadata.create_all(conn)


def _sqlite_path(engine: Engine) -> str | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return unquote(url.database)
