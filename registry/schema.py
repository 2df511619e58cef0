"""The registry's schema under Alembic: bring a database to the newest revision, adopt one made
before migrations existed, print the SQL of an upgrade, write a new revision.

The Alembic configuration is built here, in code: the scripts live in ``registry/migrations``
inside the package (no ``alembic.ini``), so an installed registry upgrades its own database.

An upgrade is one transaction that also keeps other upgraders out (several ``sogoc serve``
workers starting at once): on SQLite it begins with ``BEGIN IMMEDIATE`` (the database's write
lock), on PostgreSQL it takes a transaction-level advisory lock. Either the database reaches
the newest revision with all its rows, or it stays as it was.
"""

from __future__ import annotations

import functools
import io
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, event, inspect, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from registry.errors import DatabaseNotMigrated, SchemaError
from registry.models import NAMING_CONVENTION, Base

MIGRATIONS = Path(__file__).with_name("migrations")
#: The first revision: the schema as ``create_all`` made it before migrations existed.
BASELINE = "0001"
#: A database holding these tables but no ``alembic_version`` was made by ``create_all``.
BASELINE_TABLES = frozenset({"institutions", "batches", "documents", "revocations", "settings"})
#: Key of PostgreSQL's advisory lock held by an upgrade ("sogoc" in ASCII).
UPGRADE_LOCK = 0x736F676F63


def alembic_config(connection: Connection | None = None, *, url: str | None = None,
                   output: io.StringIO | None = None) -> Config:
    """Alembic's configuration: the packaged scripts, and either an open connection (online:
    ``env.py`` runs the migrations on it, inside the caller's transaction) or a URL (``--sql``)."""
    config = Config(output_buffer=output)
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@functools.cache
def head() -> str:
    """The newest revision of the packaged scripts."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise SchemaError(f"the migrations have {len(heads)} heads ({', '.join(heads)}): merge them")
    return heads[0]


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database; None if it records none (empty, or made by ``create_all``)."""
    return MigrationContext.configure(connection).get_current_revision()


def include_name(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Only the registry's own tables are compared and migrated: the same database holds tables
    that other parts own and create themselves (the verification-report cache of :mod:`sogoc.reports`)."""
    return type_ != "table" or name in Base.metadata.tables


@dataclass(frozen=True)
class Upgrade:
    """What :func:`upgrade` did."""

    before: str | None  #: revision found (None: an empty database)
    after: str
    adopted: bool  #: the database predates migrations and was stamped at the baseline first


def upgrade(url: str, target: str = "head") -> Upgrade:
    """Bring the database at ``url`` to :func:`head` (or to ``target``, for a test of one revision),
    keeping its data. Idempotent.

    On SQLite, an upgrader that finds another one holding the database (switching its journal, or
    in the middle of its transaction) past the busy timeout starts again, for up to a minute: the
    upgrade is one transaction, so nothing of a failed attempt was kept."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return _upgrade_once(url, target)
        except OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _upgrade_once(url: str, target: str) -> Upgrade:
    engine = _migration_engine(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
            before = current_revision(conn)
            adopted = before is None and _made_by_create_all(conn)
            config = alembic_config(conn)
            try:
                if adopted:
                    _name_constraints(conn)
                    command.stamp(config, BASELINE)
                command.upgrade(config, target)
            except CommandError as e:  # a revision this code does not know: a newer registry migrated it
                raise SchemaError(f"cannot upgrade the database from revision {before}: {e}") from e
            _check_foreign_keys(conn)
            after = current_revision(conn)
    finally:
        engine.dispose()
    return Upgrade(before, after or "", adopted)


def ensure_current(engine: Engine) -> None:
    """Refuse a database that is not at :func:`head` (production: upgrading is a deliberate step)."""
    with engine.connect() as conn:
        found = current_revision(conn)
    if found != head():
        raise DatabaseNotMigrated(
            f"the database is at revision {found or 'none'} and this registry needs {head()}: "
            "run `sogoc registry migrate` (after a backup)")


def upgrade_sql(url: str) -> str:
    """The SQL :func:`upgrade` would run on the database at ``url``, for a reviewer or a DBA."""
    before, adopted = _inspect_without_creating(url)
    output = io.StringIO()
    config = alembic_config(url=url, output=output)
    if adopted:
        output.write(f"-- this database predates migrations: it is stamped at the baseline {BASELINE}\n")
        command.stamp(config, BASELINE, sql=True)
        before = BASELINE
    if before == head():
        output.write(f"-- the database is at {before}, the newest revision: nothing to do\n")
    else:
        command.upgrade(config, f"{before}:head" if before else "head", sql=True)
    return output.getvalue()


def differences(connection: Connection) -> list:
    """What autogenerate finds between the models and the database (empty: they agree)."""
    context = MigrationContext.configure(connection, opts={"include_name": include_name, "compare_type": True})
    return compare_metadata(context, Base.metadata)


def new_revision(message: str) -> Path:
    """Write a revision from the difference between the models and the newest revision (a
    developer's step after changing :mod:`registry.models`; read and edit what it wrote)."""
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40]
    if not slug:
        raise SchemaError("a revision needs a message saying what it changes")
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'head.db'}"
        upgrade(url)
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as conn:
                if not differences(conn):
                    raise SchemaError("the models and the newest revision agree: nothing to write")
                script = command.revision(alembic_config(conn), message=message, autogenerate=True,
                                          rev_id=f"{int(head()) + 1:04d}")
        finally:
            engine.dispose()
    return Path(script.path)  # type: ignore[union-attr]


def _made_by_create_all(conn: Connection) -> bool:
    found = set(inspect(conn).get_table_names()) & BASELINE_TABLES
    if found and found != BASELINE_TABLES:
        raise SchemaError(f"the database has some of the registry's tables ({', '.join(sorted(found))}) "
                          "but no record of migrations: it was not made by this registry")
    return bool(found)


def _name_constraints(conn: Connection) -> None:
    """Give a database made by ``create_all`` the baseline's constraint names (unnamed on SQLite,
    PostgreSQL's own names there), so that it is exactly the baseline and later revisions can name
    what they alter. SQLite cannot rename a constraint: each table is rebuilt, rows copied."""
    operations = Operations(MigrationContext.configure(conn))
    inspector = inspect(conn)
    for table in sorted(BASELINE_TABLES):
        if conn.dialect.name == "sqlite":
            with operations.batch_alter_table(table, recreate="always", naming_convention=NAMING_CONVENTION):
                pass
            continue
        found = [("pk", inspector.get_pk_constraint(table)),
                 *(("uq", c) for c in inspector.get_unique_constraints(table)),
                 *(("fk", c) for c in inspector.get_foreign_keys(table))]
        for kind, constraint in found:
            wanted = NAMING_CONVENTION[kind] % {
                "table_name": table, "column_0_N_name": "_".join(constraint["constrained_columns" if kind != "uq"
                                                                           else "column_names"]),
                "referred_table_name": constraint.get("referred_table")}
            if constraint["name"] and constraint["name"] != wanted:
                operations.execute(f'ALTER TABLE {table} RENAME CONSTRAINT "{constraint["name"]}" TO "{wanted}"')


def _check_foreign_keys(conn: Connection) -> None:
    """SQLite migrates with foreign keys off (a table rebuild must not cascade); check them before committing."""
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise SchemaError(f"the upgrade would break {len(broken)} foreign key(s), first: {broken[0]}")


def _inspect_without_creating(url: str) -> tuple[str | None, bool]:
    """(recorded revision, made by create_all?) without creating a SQLite file that is not there."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and (not parsed.database or not Path(parsed.database).exists()):
        return None, False
    # on SQLite, wait for an upgrader holding the write lock (the driver's default gives up after 5 s)
    engine = create_engine(url, poolclass=NullPool,
                           connect_args={"timeout": 60} if parsed.get_backend_name() == "sqlite" else {})
    try:
        with engine.connect() as conn:
            before = current_revision(conn)
            return before, before is None and _made_by_create_all(conn)
    finally:
        engine.dispose()


def _migration_engine(url: str) -> Engine:
    """An engine for one upgrade. On SQLite the driver's own transaction handling is off, so that
    DDL runs inside our transaction (pysqlite would commit around it), which begins IMMEDIATE."""
    engine = create_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None
            # the wait first: another upgrader may hold the write lock for a while (a table rebuild)
            for pragma in ("busy_timeout=60000", "journal_mode=WAL", "synchronous=FULL", "foreign_keys=OFF"):
                dbapi_conn.execute(f"PRAGMA {pragma}")

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    return engine
