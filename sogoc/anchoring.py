"""Anchoring wired to the real parts: the database, the chain, the report store.

The registry's pipeline (:mod:`registry.anchoring`) says which documents changed state; this
module keeps the public verification reports true to it: a document just anchored gets its
report (verified in full, as ``sogoc verify`` would), a document that a reorganisation took off
the chain loses its stored report (the next look-up verifies afresh and says "not anchored").
"""

from __future__ import annotations

import logging

from core.chain import RegistryReader
from core.config import Settings
from core.errors import SogocError
from registry.anchoring import AnchoringRules, PassResult
from registry.chain import Web3Ledger
from registry.db import engine_for, make_sessionmaker
from registry.worker import AnchoringWorker, Settled, anchor_until_settled
from sogoc.reports import ReportStore
from sogoc.setup_chain import keyring

log = logging.getLogger("sogoc.anchoring")

#: A full verification costs tens of milliseconds: above this many documents in one pass the
#: reports are dropped instead (look-ups verify on a miss), so a big batch never stalls the worker.
PUBLISH_LIMIT = 1_000
#: Ids per DELETE (SQLite caps the number of bound parameters of one statement).
CHUNK = 5_000


class ReportKeeper:
    """The ``on_change`` of the anchoring pipeline: publish or drop stored reports."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._service = None
        self.published = 0  # reports verified and stored by this keeper
        self.store = ReportStore(engine_for(settings))

    def __call__(self, result: PassResult) -> None:
        self.drop(result.unanchored_documents)
        anchored = result.anchored_documents
        if len(anchored) > PUBLISH_LIMIT:
            self.drop(anchored)  # a stale "not anchored" report must not outlive the anchor
            return
        if anchored:
            from sogoc.app import build_service

            self._service = self._service or build_service(self.settings)
            for document_id in anchored:
                try:
                    self._service.verify_document(document_id)
                    self.published += 1
                except SogocError as e:  # a report is derived data: never let it stop anchoring
                    log.warning("report of document %s not stored (%s); look-ups verify it afresh", document_id,
                                e.code)
                    self.drop([document_id])

    def drop(self, document_ids: list[str]) -> None:
        for start in range(0, len(document_ids), CHUNK):
            self.store.drop(document_ids[start:start + CHUNK])


def ledger_of(settings: Settings) -> Web3Ledger:
    return Web3Ledger(RegistryReader.from_settings(settings), keyring(settings))


def anchor_once(settings: Settings, *, timeout: float = 300, keeper: ReportKeeper | None = None) -> Settled:
    """Seal everything pending and wait until it is anchored and confirmed (``sogoc anchor``,
    the demo, ``sogoc transcripts issue``); ``keeper`` (default: none) keeps the reports."""
    sessions = make_sessionmaker(engine_for(settings))
    return anchor_until_settled(sessions, ledger_of(settings), AnchoringRules.from_settings(settings),
                                on_change=keeper or (lambda _result: None), timeout=timeout)


def worker(settings: Settings) -> AnchoringWorker:
    """``sogoc registry worker``'s loop (call ``run()``; ``stop()`` from a signal handler)."""
    sessions = make_sessionmaker(engine_for(settings))
    return AnchoringWorker(sessions, ledger_of(settings), AnchoringRules.from_settings(settings),
                           on_change=ReportKeeper(settings), interval=settings.anchoring_interval_seconds)
