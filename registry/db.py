"""Engine and sessions. The schema is the migrations' (:mod:`registry.schema`), never ``create_all``.

Every part that opens the registry's database goes through :func:`engine_for`: in development
it upgrades the database to the newest revision on the spot; in production it refuses a
database that is behind, because upgrading a system of record is a deliberate step
(``sogoc registry migrate``, after a backup), not a side effect of a worker starting.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from registry import schema
from registry.errors import DatabaseNotMigrated


def engine_for(settings: Settings) -> Engine:
    """The registry's database as the settings name it, at the newest revision (see the module)."""
    return make_engine(settings.database, upgrade=settings.environment == "development")


def make_engine(url: str, *, upgrade: bool = True) -> Engine:
    """An engine on ``url`` whose schema is at :func:`registry.schema.head`: upgraded there
    (``upgrade``), or checked to be there (:class:`registry.errors.DatabaseNotMigrated` if not)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=parsed.get_backend_name() != "sqlite")
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):  # durable and concurrent enough for one host
            cur = conn.cursor()
            # one writer at a time: intake and the anchoring worker wait for each other's commits
            # (sealing a batch of 10,000 takes a second or two) rather than fail after 5 s
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    try:
        schema.ensure_current(engine)
    except DatabaseNotMigrated:
        if not upgrade:
            engine.dispose()
            raise
        schema.upgrade(url)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
