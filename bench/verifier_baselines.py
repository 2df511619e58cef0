"""The two yardsticks ``bench/verifier_load.py`` measures beside ``sogoc serve``, under the same
uvicorn (2 workers) and the same wrk run:

- ``orm_app``: what a plain FastAPI + SQLAlchemy ORM service does for a primary-key look-up of
  the same ``verification_reports`` table (a session per request, ``session.get``, a dict back);
- ``bare_app``: a bare async endpoint returning a small dict (no database at all).

Run as ``uvicorn verifier_baselines:orm_app --factory --app-dir bench``; the database path comes
from ``SOGOC_BENCH_DB``.
"""

from __future__ import annotations

import os

from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import Integer, LargeBinary, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class StoredReport(Base):
    __tablename__ = "verification_reports"

    document_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    verdict: Mapped[str] = mapped_column(String(24))
    checked_block: Mapped[int] = mapped_column(Integer)
    checked_at: Mapped[int] = mapped_column(Integer)


def orm_app() -> FastAPI:
    engine = create_engine(f"sqlite:///{os.environ['SOGOC_BENCH_DB']}")
    sessions = sessionmaker(engine)
    app = FastAPI()

    def db():
        with sessions() as s:
            yield s

    @app.get("/api/v1/verify/{document_id}")
    def lookup(document_id: str, s: Session = Depends(db)) -> dict:
        row = s.get(StoredReport, document_id)
        if row is None:
            raise HTTPException(404, "no document with this id")
        return {"document_id": row.document_id, "status": row.verdict, "checked_block": row.checked_block,
                "checked_at": row.checked_at, "report": row.body.decode()}

    return app


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/verify/{document_id}")
    async def lookup(document_id: str) -> dict:
        return {"document_id": document_id, "status": "valid"}

    return app
