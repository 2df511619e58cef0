"""The master register's rules held by the database itself, on SQLite and PostgreSQL: entries are
numbered without gaps per authority and year, and neither entries nor acts can be changed."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from registry import service
from registry.db import make_engine, make_sessionmaker
from registry.models import Document, utcnow


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as s:
        service.register_institution(s, code="BGDDT", name="Bộ", kind="ministry", parent_code=None,
                                     chain_address="0x" + "11" * 20)
        service.register_institution(s, code="SGD-79", name="Sở", kind="authority", parent_code="BGDDT",
                                     chain_address="0x" + "22" * 20)
        for i in range(4):
            s.add(Document(id=f"doc{i:023d}", kind=2, issuer_code="SGD-79", credential=b"{}", pdf=b"%PDF-",
                           pdf_sha256=b"\0" * 32, data_hash=b"\0" * 32, leaf=bytes([i]) * 32, state="anchored",
                           created_at=utcnow()))
        s.commit()
    yield engine
    engine.dispose()


def add_entry(engine, number: int, document: int, year: int = 2026) -> None:
    with engine.begin() as c:
        c.execute(text("INSERT INTO register_entries (authority_code, year, number, kind, document_id, "
                       "serial_number, register_number, holder_name, holder_birth_date, created_at) VALUES "
                       "('SGD-79', :year, :number, 'issued', :doc, :serial, :reg, 'Nguyễn Văn A', '2008-01-02', "
                       ":at)"), {"year": year, "number": number, "doc": f"doc{document:023d}",
                                 "serial": f"S{document}", "reg": f"R{document}", "at": utcnow()})


def test_entries_are_numbered_without_gaps_and_never_changed(engine):
    add_entry(engine, 1, 0)
    add_entry(engine, 2, 1)
    with pytest.raises((IntegrityError, DBAPIError)):
        add_entry(engine, 4, 2)  # a gap
    with pytest.raises((IntegrityError, DBAPIError)):
        add_entry(engine, 2, 2)  # a number taken
    add_entry(engine, 1, 3, year=2027)  # each year starts at 1
    statements = ["UPDATE register_entries SET holder_name = 'X'", "DELETE FROM register_entries"]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE register_entries CASCADE")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as c:
                c.execute(text(statement))
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM register_entries")).scalar() == 3
        first = c.execute(text("SELECT id FROM register_entries WHERE number = 1 AND year = 2026")).scalar()
    with engine.begin() as c:
        c.execute(text("INSERT INTO register_acts (authority_code, entry_id, act, actor_code, block_number, at) "
                       "VALUES ('SGD-79', :entry, 'issued', 'SGD-79', 5000000000, :at)"), {"entry": first, "at": utcnow()})
    for statement in ("UPDATE register_acts SET act = 'revoked'", "DELETE FROM register_acts"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as c:
                c.execute(text(statement))
    with engine.connect() as c:  # a block number past 32 bits (migration 0005)
        assert c.execute(text("SELECT block_number FROM register_acts")).scalar() == 5_000_000_000
