"""The composition root of the web service: one FastAPI app serving the registry's API and the
public verifier on the same port. The only place where registry and verifier meet."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from core.chain import RegistryReader
from core.config import Settings
from core.credential import is_document_id
from core.errors import SogocError
from registry import service
from registry.api import create_router as registry_router
from registry.db import make_engine, make_sessionmaker
from registry.models import Document
from verifier.docs import create_docs_router
from verifier.evidence import Evidence
from verifier.pdf import load_trust_roots
from verifier.report import Report
from verifier.verify import Verifier
from verifier.web import create_router as verifier_router
from verifier.web import API_DESCRIPTION
from verifier.web import install as install_public_edge


class RegistryEvidenceSource:
    """Evidence read in process from the registry's database (same data as its public API)."""

    def __init__(self, sessions: sessionmaker[Session], chain: service.ChainInfo) -> None:
        self.sessions, self.chain = sessions, chain

    def evidence(self, document_id: str) -> Evidence | None:
        with self.sessions() as s:
            doc = s.get(Document, document_id)
            return None if doc is None else Evidence.from_json(service.evidence(doc, self.chain))


class LocalVerificationService:
    """Verifies stored documents by re-checking their signed PDF against trust roots and chain."""

    def __init__(self, verifier: Verifier, sessions: sessionmaker[Session]) -> None:
        self.verifier, self.sessions = verifier, sessions

    def verify_document(self, document_id: str) -> Report | None:
        if not is_document_id(document_id):
            return None
        with self.sessions() as s:
            doc = s.get(Document, document_id)
            pdf = None if doc is None else doc.pdf
        return None if pdf is None else self.verifier.verify_pdf(pdf)

    def verify_upload(self, pdf: bytes) -> Report:
        return self.verifier.verify_pdf(pdf)  # the router already refused files over its limit


def build_verifier(settings: Settings, evidence_source) -> Verifier:
    return Verifier(RegistryReader.from_settings(settings), load_trust_roots(list(settings.trust_roots)),
                    evidence_source)


def create_app(settings: Settings) -> FastAPI:
    sessions = make_sessionmaker(make_engine(settings.database))
    chain = service.ChainInfo(chain_id=settings.chain_id, contract_address=settings.contract_address)
    verifier = build_verifier(settings, RegistryEvidenceSource(sessions, chain))

    app = FastAPI(title="Sổ Gốc", version="0.1.0", docs_url=None, redoc_url=None,  # /docs: verifier.docs
                  description=API_DESCRIPTION)

    @app.exception_handler(SogocError)
    async def sogoc_error(_request: Request, exc: SogocError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "detail": exc.detail}, status_code=exc.http_status)

    install_public_edge(app, lookups_per_minute=settings.rate_limit_lookups,
                        uploads_per_minute=settings.rate_limit_uploads,
                        trusted_proxies=settings.trusted_proxy_list,
                        hsts=settings.public_base_url.startswith("https://"))
    app.include_router(create_docs_router(app.title))
    app.include_router(registry_router(sessions, chain))
    app.include_router(verifier_router(LocalVerificationService(verifier, sessions),
                                       max_upload=settings.max_upload_mb * 1024 * 1024,
                                       public_base_url=settings.public_base_url))
    return app
