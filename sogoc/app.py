"""The composition root of the web service: one FastAPI app serving the registry's API and the
public verifier on the same port. The only place where registry and verifier meet.

By-id look-ups are served from the verification-report store (:mod:`sogoc.reports`): the full
verifier runs when a document is anchored, on a look-up miss and when the chain changes
(:mod:`sogoc.follower`), never per request. ``sogoc serve --workers N`` runs :func:`app_factory`
in N uvicorn worker processes.
"""

from __future__ import annotations

import gc
import logging
import time
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Callable

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from core.chain import InstitutionRecord, RegistryReader, connect
from core.config import Settings
from core.disclosure import DisclosedDiploma, FeedLine, Search
from core.errors import SogocError
from core.hashes import institution_id
from registry import disclosure, register, service
from registry.api import RequestIds, error_response
from registry.api import create_router as registry_router
from registry.chain import Web3Ledger
from registry.db import engine_for, make_sessionmaker
from registry.models import Document
from sogoc.follower import ChainFollower
from sogoc.setup_chain import keyring
from sogoc.reports import ReportReader, ReportStore
from verifier.disclosure import create_router as disclosure_router
from verifier.docs import create_docs_router
from verifier.evidence import Evidence
from verifier.pdf import load_trust_roots
from verifier.report import PublishedReport, Report, StoredPage
from verifier.verify import Verifier
from verifier.web import create_router as verifier_router
from verifier.web import API_DESCRIPTION
from verifier.web import install as install_public_edge

log = logging.getLogger("sogoc.app")


class RegistryEvidenceSource:
    """Evidence read in process from the registry's database (same data as its public API)."""

    def __init__(self, sessions: sessionmaker[Session], chain: service.ChainInfo) -> None:
        self.sessions, self.chain = sessions, chain

    def evidence(self, document_id: str) -> Evidence | None:
        with self.sessions() as s:
            found = register.evidence_by_id(s, document_id, self.chain)  # one query, no ORM objects
        return None if found is None else Evidence.from_json(found)


class LocalVerificationService:
    """Serves stored reports; verifies a stored document's PDF in full on a miss or a chain change."""

    def __init__(self, verifier: Verifier, sessions: sessionmaker[Session], store: ReportStore,
                 reader: ReportReader, head: Callable[[], int]) -> None:
        self.verifier, self.sessions, self.store, self.reader = verifier, sessions, store, reader
        self.head = head
        self.reads_in_process = reader.in_process

    def lookup(self, document_id: str) -> PublishedReport | None:
        return self.reader.get(document_id)

    def lookup_page(self, document_id: str, lang: str) -> StoredPage | None:
        return self.reader.get_page(document_id, lang)

    def verify_document(self, document_id: str) -> PublishedReport | None:
        """The full verification (the same as ``sogoc verify``), stored for later look-ups."""
        with self.sessions() as s:
            doc = s.get(Document, document_id)
            pdf = None if doc is None else doc.pdf
        if pdf is None:
            return None
        at = int(time.time())  # before the head: "current as of" must never claim a later moment
        block = self.head()  # read before the checks: the report holds at least as of this block
        report = self.verifier.verify_pdf(pdf)
        row, stored = self.store.put(document_id, report, checked_block=block, checked_at=at)
        if not stored:  # a later report is stored (it holds), or this one may have missed an event
            newer = self.reader.get(document_id)
            if newer is not None:
                return newer
        return PublishedReport(row["body"], row["checked_at"], row["checked_block"], row["private_withheld"])

    def refresh(self, document_id: str) -> None:
        """After an act on the document went through (revocation, cancellation, correction): its
        report verified again, or dropped if that fails now (the chain unreachable), so the next
        look-up verifies afresh. Never raises: the act is done whatever happens to its report."""
        try:
            self.verify_document(document_id)
        except Exception as e:  # noqa: BLE001 - a report is derived data; a stale one must not stay
            log.warning("report of %s dropped after a change (%s)", document_id[:6], type(e).__name__)
            self.store.drop([document_id])

    def forget(self, document_ids: list[str]) -> None:
        """Drop stored reports (their next look-up verifies afresh): cheap, for many documents."""
        self.store.drop(document_ids)

    def verify_upload(self, pdf: bytes) -> Report:
        return self.verifier.verify_pdf(pdf)  # the router already refused files over its limit


class RegisterDisclosure:
    """The public disclosure (verifier.disclosure.DisclosureService) over the master register:
    one short session per call, read only."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def authority_name(self, authority: str) -> str | None:
        with self.sessions() as s:
            return disclosure.authority_name(s, authority)

    def search(self, authority: str, query: Search) -> list[DisclosedDiploma]:
        with self.sessions() as s:
            return disclosure.search(s, authority, query)

    def feed(self, authority: str, after: int, limit: int) -> list[FeedLine] | None:
        with self.sessions() as s:
            return disclosure.feed(s, authority, after=after, limit=limit)


def chain_head(settings: Settings) -> Callable[[], int]:
    """The chain's latest block number; 0 when the node cannot be reached (the verification that
    follows then reports the unreachable chain itself)."""
    w3 = connect(settings.rpc_url, poa=settings.poa)

    def head() -> int:
        try:
            return int(w3.eth.block_number)
        except Exception as e:  # noqa: BLE001 - connection refused, timeouts, bad answers
            log.debug("block number not read: %s", e)
            return 0

    return head


def build_verifier(settings: Settings, evidence_source) -> Verifier:
    return Verifier(RegistryReader.from_settings(settings), load_trust_roots(list(settings.trust_roots)),
                    evidence_source)


def build_service(settings: Settings) -> LocalVerificationService:
    """The verification service over the registry's database, its report store and the chain."""
    engine = engine_for(settings)
    sessions = make_sessionmaker(engine)
    chain = service.ChainInfo(chain_id=settings.chain_id, contract_address=settings.contract_address)
    verifier = build_verifier(settings, RegistryEvidenceSource(sessions, chain))
    return LocalVerificationService(verifier, sessions, ReportStore(engine), ReportReader(engine),
                                    chain_head(settings))

def publish_reports(settings: Settings, document_ids: list[str]) -> int:
    """Verify and store the reports of documents just anchored (or revoked) through the registry."""
    verification = build_service(settings)
    for document_id in document_ids:
        verification.verify_document(document_id)
    return len(document_ids)


def create_app(settings: Settings, *, follow_chain: bool = False, follow_interval: float = 2.0) -> FastAPI:
    """The app. ``follow_chain`` runs the chain follower in a background thread of this process
    (guarded by a file lock, so one worker of several polls)."""
    verification = build_service(settings)
    sessions, store = verification.sessions, verification.store
    chain = service.ChainInfo(chain_id=settings.chain_id, contract_address=settings.contract_address)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        follower = None
        if follow_chain and settings.contract_address:
            follower = ChainFollower(connect(settings.rpc_url, poa=settings.poa), settings.contract_address, store,
                                     verification.verify_document, interval=follow_interval,
                                     lock_path=Path(settings.data_dir) / "follower.lock",
                                     from_block=settings.deployment_block).start()
        # Everything loaded at start-up lives as long as the process: keep it out of the
        # collector's generations, or each full collection walks it (long pauses, high p99).
        gc.collect()
        gc.freeze()
        # A verification allocates tens of thousands of short-lived objects (pyHanko, asn1crypto):
        # collecting the youngest generation every 700 allocations costs several ms per upload.
        gc.set_threshold(20_000, 20, 20)
        try:
            yield
        finally:
            if follower:
                follower.stop()

    app = FastAPI(title="Sổ Gốc", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,  # /docs: verifier.docs
                  description=API_DESCRIPTION)

    app.add_exception_handler(SogocError, error_response)

    install_public_edge(app, lookups_per_minute=settings.rate_limit_lookups,
                        uploads_per_minute=settings.rate_limit_uploads,
                        searches_per_minute=settings.rate_limit_disclosure,
                        trusted_proxies=settings.trusted_proxy_list,
                        hsts=settings.public_base_url.startswith("https://"))
    app.include_router(verifier_router(verification, max_upload=settings.max_upload_mb * 1024 * 1024,
                                       public_base_url=settings.public_base_url))  # first: by-id look-ups match first
    app.include_router(disclosure_router(RegisterDisclosure(sessions)))
    app.include_router(create_docs_router(app.title))
    app.include_router(registry_router(
        sessions, chain, issuers=_issuer_lookup(verification.verifier.chain) if settings.contract_address else None,
        ledger=cache(lambda: Web3Ledger(verification.verifier.chain, keyring(settings))),
        on_revoked=verification.refresh, on_entered=verification.forget, max_body=settings.api_max_body_mb * 1024 * 1024,
        max_bulk=settings.api_max_bulk_documents))
    app.add_middleware(RequestIds)
    return app


def _issuer_lookup(reader: RegistryReader) -> Callable[[str], InstitutionRecord]:
    """An issuer's record as the contract holds it, by institution code (intake refuses before anchoring)."""
    return lambda code: reader.institution(institution_id(code))


def app_factory() -> FastAPI:
    """What each ``sogoc serve`` worker process builds: settings from the environment (the CLI
    passes its data directory as ``SOGOC_DATA_DIR``), the chain follower on."""
    return create_app(Settings.load(), follow_chain=True)
