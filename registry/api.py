"""The registry's HTTP API. Routes translate HTTP to use cases and back; they never commit."""

from __future__ import annotations

from typing import Any, Callable

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from core.credential import is_document_id
from core.errors import ERROR_BODY_SCHEMA, UnknownDocument
from registry import service


def create_router(sessions: Callable[[], Session], chain: service.ChainInfo) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["registry"])

    def session():
        with sessions() as s:
            yield s

    @router.get(
        "/documents/{document_id}/evidence",
        summary="Anchoring evidence of one document",
        description=(
            "The Merkle proof and anchor of a document, for verifiers that check it against the chain "
            "themselves. Nothing here needs to be trusted: the proof leads from the leaf recomputed from "
            "the file to a root that the chain must confirm. The document id (from the QR code) is the "
            "only key; unknown and malformed ids get the same 404."),
        responses={404: {"description": "`unknown_document`: no document with this id",
                         "content": {"application/json": {"schema": ERROR_BODY_SCHEMA}}}},
    )
    def evidence(document_id: str, s: Session = Depends(session)) -> dict[str, Any]:
        if not is_document_id(document_id):
            raise UnknownDocument("no document with this id")
        return service.evidence(service.document(s, document_id), chain)

    return router
