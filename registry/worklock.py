"""One anchoring process per database.

Two processes sealing or sending at once could put a document in two batches or sign two
transactions for one batch. Whoever runs the pipeline (``sogoc registry worker`` or one
``sogoc anchor``) first takes this lock and holds it until it stops:

- **SQLite**: an exclusive ``flock`` on a file next to the database (``<db>.anchoring.lock``).
  The kernel releases it when the process dies, even by SIGKILL, so a crash never leaves a
  stale lock. (SQLite has no row or advisory locks that outlive a transaction.)
- **PostgreSQL**: a session-level advisory lock (``pg_try_advisory_lock``) on a connection
  held open for the lock's lifetime; the server releases it when that connection ends,
  also when the process is killed.

Both are tried without waiting: a second process is told who holds the work, not queued.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from core.errors import ConfigurationError, Conflict

#: Advisory lock key (any fixed 64-bit number; this one belongs to Sổ Gốc's anchoring).
PG_LOCK_KEY = 0x3F1B7C55A0E2D914


class AnchoringBusy(Conflict):
    code = "anchoring_busy"


class AnchoringLock:
    """Held while this process runs the anchoring pipeline on ``engine``'s database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._fd: int | None = None
        self._connection: Connection | None = None

    def lock_file(self) -> Path | None:
        database = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        return Path(database + ".anchoring.lock")

    def acquire(self) -> "AnchoringLock":
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            path = self.lock_file()
            if path is not None:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    raise AnchoringBusy(f"another process is anchoring on this database (lock {path})") from None
                self._fd = fd
        elif dialect == "postgresql":
            connection = self.engine.connect()
            taken = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
            connection.commit()
            if not taken:
                connection.close()
                raise AnchoringBusy("another process is anchoring on this database (PostgreSQL advisory lock)")
            self._connection = connection
        else:
            raise ConfigurationError(f"no anchoring lock for database {dialect!r}: use SQLite or PostgreSQL")
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
            finally:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> "AnchoringLock":
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()
