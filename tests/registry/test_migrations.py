"""The schema under migrations, on SQLite and PostgreSQL: models and revisions agree, a database
made before migrations is adopted, an upgrade keeps every row, production refuses to run behind."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import create_engine, func, inspect, insert, select, text
from sqlalchemy.pool import NullPool

import baseline_tables as old
from registry import schema
from registry.db import make_engine
from registry.errors import DatabaseNotMigrated, SchemaError
from sogoc.cli import main as sogoc
from sogoc.reports import ReportStore

NOW = datetime(2026, 6, 5, 2, 0, 0, 123456)
#: Rows of every baseline table, with what a careless backend would mangle: NUL and high bytes,
#: Vietnamese text, JSON with nested values, microseconds.
ROWS = {
    old.institutions: [
        dict(code="SGD-79", name="Sở Giáo dục và Đào tạo TP. Hồ Chí Minh", kind="authority", parent_code=None,
             chain_address="0x" + "11" * 20, created_at=NOW),
        dict(code="THPT-79-NTMK", name="Trường THPT Nguyễn Thị Minh Khai", kind="issuer", parent_code="SGD-79",
             chain_address="0x" + "22" * 20, created_at=NOW),
    ],
    old.batches: [
        dict(id=1, issuer_code="THPT-79-NTMK", kind=1, root=bytes(range(32)), leaf_count=2, state="anchored",
             tx_hash=b"\xff" * 32, block_number=42, block_time=1_780_000_000, sealed_at=NOW, anchored_at=NOW),
    ],
    old.documents: [
        dict(id=f"mfrggzdfmztwq2lknnwg23tpo{i}", kind=1, issuer_code="THPT-79-NTMK",
             credential='{"họ_tên":"Nguyễn Thị Ánh Tuyết"}'.encode(), pdf=b"%PDF-1.7\n\x00\x01\xfe\xff%%EOF",
             pdf_sha256=bytes([i]) * 32, data_hash=bytes([i + 2]) * 32, leaf=bytes([i + 4]) * 32,
             state="anchored", batch_id=1, proof=bytes([9]) * 32, created_at=NOW)
        for i in (0, 1)
    ],
    old.revocations: [
        dict(id=1, document_id="mfrggzdfmztwq2lknnwg23tpo1", reason=6, decision="Quyết định số 15/QĐ-SGDĐT",
             decision_hash=b"\x00" * 32, revoked_by="SGD-79", tx_hash=None, block_number=43, created_at=NOW),
    ],
    old.settings: [dict(key="contract", value={"address": "0x" + "33" * 20, "chain_id": 1337, "ví_dụ": [1, None]})],
}


def fill(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as c:
        for table, rows in ROWS.items():
            c.execute(insert(table), rows)
    engine.dispose()


def read_back(url: str) -> dict:
    """Every baseline column of every row, as the upgraded database returns it."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        found = {table: [dict(r._mapping) for r in c.execute(select(table).order_by(*table.primary_key))]
                 for table in ROWS}
    engine.dispose()
    return found


def revision_of(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        found = schema.current_revision(c)
    engine.dispose()
    return found


def test_the_migrations_have_one_head_and_make_exactly_the_models_schema(database_url):
    engine = make_engine(database_url)
    with engine.connect() as c:
        assert schema.current_revision(c) == schema.head()
        assert schema.differences(c) == []
    engine.dispose()


@pytest.mark.parametrize("made_by", ["create_all", "migrations"])
def test_a_populated_baseline_database_is_upgraded_with_every_row_kept(database_url, made_by):
    if made_by == "create_all":  # the code before migrations: tables, no alembic_version
        engine = create_engine(database_url, poolclass=NullPool)
        old.metadata.create_all(engine)
        engine.dispose()
    else:
        schema.upgrade(database_url, schema.BASELINE)
    fill(database_url)
    plain = create_engine(database_url, poolclass=NullPool)
    ReportStore(plain)  # the report cache's tables, made by their owner in the same database
    plain.dispose()

    done = schema.upgrade(database_url)

    assert done.adopted == (made_by == "create_all") and done.after == schema.head()
    assert read_back(database_url) == ROWS
    engine = make_engine(database_url)
    with engine.connect() as c:
        assert schema.differences(c) == []  # an adopted database is the baseline exactly
        assert "verification_reports" in inspect(c).get_table_names()  # another owner's table is left alone
        assert c.execute(select(func.count()).select_from(old.documents)).scalar() == 2
    engine.dispose()


def test_upgrading_twice_changes_nothing_and_concurrent_upgraders_wait_for_each_other(database_url):
    outcomes, errors = [], []

    def run():
        try:
            outcomes.append(schema.upgrade(database_url))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    workers = [threading.Thread(target=run) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert errors == []
    assert sorted(o.before is None for o in outcomes) == [False, False, True]  # one created, two found it done
    assert revision_of(database_url) == schema.head()
    again = schema.upgrade(database_url)
    assert again.before == again.after == schema.head() and not again.adopted


def test_production_refuses_a_database_that_is_behind_until_it_is_migrated(database_url, monkeypatch, capsys,
                                                                            tmp_path):
    with pytest.raises(DatabaseNotMigrated) as refused:
        make_engine(database_url, upgrade=False)
    assert refused.value.code == "database_not_migrated" and "sogoc registry migrate" in refused.value.detail
    monkeypatch.setenv("SOGOC_DATABASE_URL", database_url)
    monkeypatch.setenv("SOGOC_ENVIRONMENT", "production")
    monkeypatch.delenv("SOGOC_CONFIG", raising=False)

    assert sogoc(["--data-dir", str(tmp_path), "registry", "migrate", "--sql"]) == 0
    printed = capsys.readouterr().out
    assert "CREATE TABLE documents" in printed and "alembic_version" in printed
    assert revision_of(database_url) is None  # --sql printed, changed nothing

    assert sogoc(["--data-dir", str(tmp_path), "registry", "migrate"]) == 0
    assert f"to {schema.head()}" in capsys.readouterr().out
    make_engine(database_url, upgrade=False).dispose()  # now at head: accepted
    assert sogoc(["--data-dir", str(tmp_path), "registry", "migrate"]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_a_database_with_only_some_of_the_registrys_tables_is_refused_untouched(database_url):
    engine = create_engine(database_url, poolclass=NullPool)
    old.settings.create(engine)
    engine.dispose()
    with pytest.raises(SchemaError) as refused:
        schema.upgrade(database_url)
    assert "settings" in refused.value.detail
    assert revision_of(database_url) is None


def test_a_database_migrated_by_a_newer_registry_is_refused(database_url):
    schema.upgrade(database_url)
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(DatabaseNotMigrated):
        make_engine(database_url, upgrade=False)
    with pytest.raises(SchemaError) as refused:
        schema.upgrade(database_url)
    assert "9999" in refused.value.detail


def test_the_app_upgrades_on_start_in_development_and_refuses_to_start_behind_in_production(database_url, tmp_path):
    from core.config import Settings
    from registry.db import engine_for

    engine = create_engine(database_url, poolclass=NullPool)
    old.metadata.create_all(engine)  # a database of the code before migrations
    engine.dispose()
    fill(database_url)
    production = Settings.load(environ={}, data_dir=tmp_path, database_url=database_url, environment="production")
    with pytest.raises(DatabaseNotMigrated):
        engine_for(production)
    assert revision_of(database_url) is None  # production changed nothing

    engine_for(Settings.load(environ={}, data_dir=tmp_path, database_url=database_url)).dispose()  # development
    assert revision_of(database_url) == schema.head()
    assert read_back(database_url) == ROWS
    engine_for(production).dispose()  # now current: production starts
