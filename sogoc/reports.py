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
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, unquote

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import (BigInteger, Boolean, Column, LargeBinary, MetaData, String, Table, bindparam, delete, insert,
                        select, text, update)
from sqlalchemy.engine import Connection, Engine

from core.hashes import Hash32
from verifier.report import PublishedReport, Report

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
)

cursors = Table(
    "chain_cursors", metadata,
    Column("name", String(32), primary_key=True),
    Column("block", BigInteger, nullable=False),
    Column("at", BigInteger, nullable=False),  # unix seconds at which that block was the head
)

FOLLOWER = "follower"
#: How long a worker reuses the follower's cursor before reading it again.
CURSOR_TTL = 1.0


@dataclass(frozen=True)
class Cursor:
    block: int
    at: int


def row_of(document_id: str, report: Report, *, checked_block: int, checked_at: int) -> dict:
    """The stored row of one report."""
    published = PublishedReport.of(report)
    leaf = (report.anchor or {}).get("leaf")
    return {"document_id": document_id, "body": published.body, "verdict": report.status.value,
            "private_withheld": published.private_withheld,
            "leaf": bytes(Hash32.from_hex(leaf)) if isinstance(leaf, str) else None,
            "checked_block": checked_block, "checked_at": checked_at}


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
            metadata.create_all(c)

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

    Used from the event loop of one worker process: a SQLite primary-key read of a few KB takes
    tens of microseconds, less than handing it to a thread.
    """

    _SQL = ("SELECT body, checked_block, checked_at, private_withheld FROM verification_reports "
            "WHERE document_id = ?")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite_path = _sqlite_path(engine)
        self._local = threading.local()
        self._cursor: Cursor | None = None
        self._cursor_read = float("-inf")
        self._statement = select(reports.c.body, reports.c.checked_block, reports.c.checked_at,
                                 reports.c.private_withheld).where(reports.c.document_id == bindparam("id"))

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


def _sqlite_path(engine: Engine) -> str | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return unquote(url.database)
