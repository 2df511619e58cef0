"""The registry API on a real SQLite database, with the chain's issuer records and ledger faked."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from fastapi import FastAPI

from core.chain import InstitutionRecord
from core.credential import Credential
from core.errors import SogocError
from core.hashes import ZERO, keccak256
from core.transcript import cohort_from_json
from registry import auth, service
from registry.api import RequestIds, create_router, error_response
from registry.audit import Acting

EXAMPLE = Path(__file__).parents[2] / "examples" / "demo-transcripts.json"
#: Ministry -> two authorities -> schools A, B under SGD-79 and C under SGD-01.
INSTITUTIONS = (("BGDDT", "ministry", None), ("SGD-79", "authority", "BGDDT"), ("SGD-01", "authority", "BGDDT"),
                ("THPT-A", "issuer", "SGD-79"), ("THPT-B", "issuer", "SGD-79"), ("THPT-C", "issuer", "SGD-01"))


def register_all(sessions) -> dict[str, str]:
    """The institutions and one API key each: code -> token."""
    tokens = {}
    with sessions() as s:
        for code, kind, parent in INSTITUTIONS:
            service.register_institution(s, code=code, name=code, kind=kind, parent_code=parent,
                                         chain_address="0x" + keccak256(code.encode()).hex()[:40])
        for code, _kind, _parent in INSTITUTIONS:
            tokens[code] = auth.create_key(s, code, Acting.cli()).token
    return tokens


def active(code: str) -> InstitutionRecord:
    return InstitutionRecord(2, "0x" + "00" * 20, ZERO, 0, 0, False, True)


def make_app(sessions, *, issuers=active, ledger=None, max_body=1024 * 1024, max_bulk=50) -> FastAPI:
    app = FastAPI()
    app.add_exception_handler(SogocError, error_response)
    app.include_router(create_router(sessions, service.ChainInfo(1337, "0x" + "00" * 20), issuers=issuers,
                                     ledger=ledger, max_body=max_body, max_bulk=max_bulk))
    app.add_middleware(RequestIds)
    return app


def credentials(n: int, issuer: str) -> list[Credential]:
    """n fresh credentials (new ids and salts) with the demo students' content, issued by ``issuer``."""
    transcripts = cohort_from_json(json.loads(EXAMPLE.read_text("utf-8")))
    out = []
    for i in range(n):
        c = transcripts[i % len(transcripts)].to_credential("2026-06-05")
        out.append(Credential.new(c.kind, issuer, c.issued_on, c.fields))
    return out


def item(credential, pdf: bytes | None = None, sha: str | None = None) -> dict:
    pdf = pdf if pdf is not None else b"%PDF-1.7\n% " + credential.id.encode() + b"\n"
    return {"credential": json.loads(credential.to_json()), "pdf_base64": base64.b64encode(pdf).decode(),
            "pdf_sha256": sha or hashlib.sha256(pdf).hexdigest()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
