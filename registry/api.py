"""The registry's HTTP API. Routes translate HTTP to use cases and back; the use cases commit
(the read-only routes commit only their audit line).

Every institution request is authenticated (``Authorization: Bearer sgk_...``), acts as exactly
one institution, and leaves one line in the audit log, refusals included. The public evidence
route needs no key: it serves what the chain can confirm anyway.
"""

from __future__ import annotations

import logging

from datetime import datetime
from typing import Any, Awaitable, Callable, TypeVar

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from core.credential import is_document_id
from core.errors import ERROR_BODY_SCHEMA, InvalidInput, SogocError, UnknownDocument
from core.hashes import Hash32
from core.status import RevocationReason
from registry import audit, auth, intake, register, service
from registry.audit import Acting
from registry.errors import PayloadTooLarge
from registry.ledger import Ledger
from registry.models import Document, Institution
from registry.openapi import (AUDIT_RESPONSES, BULK_BODY, ENTRIES_BODY, ENTRIES_RESPONSES, REPLACEMENT_BODY,
                              REPLACEMENT_RESPONSES, REVOCATION_BODY, REVOCATION_RESPONSES, STATUS_RESPONSES,
                              SUBMIT_BODY, SUBMIT_RESPONSES, BULK_RESPONSES)
from registry.permissions import may_act_on_documents_of

T = TypeVar("T")
Sessions = Callable[[], Session]



log = logging.getLogger("sogoc.registry.api")

class RequestIds:
    """ASGI middleware: every /api/ request has an id, the client's ``X-Request-ID`` if well-formed,
    else a new one; it is echoed in the response and written in the audit line."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope.get("headers") or () if k == b"x-request-id"), None)
        rid = audit.request_id(given)
        scope.setdefault("state", {})["request_id"] = rid
        header = (b"x-request-id", rid.encode("ascii"))

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append(header)
            await send(message)

        await self.app(scope, receive, send_with_id)


async def error_response(_request: Request, exc: Exception) -> JSONResponse:
    """The one answer to a SogocError: ``{"code", "detail"}`` (plus what the error adds) and its status."""
    assert isinstance(exc, SogocError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    body = exc.to_json()
    if exc.http_status >= 500:  # the node's URL (it may carry an API key), paths: the server's log only
        log.warning("%s: %s", exc.code, exc.detail)
        body = {"code": exc.code, "detail": UNAVAILABLE_DETAIL if exc.http_status == 503 else INTERNAL_DETAIL}
    return JSONResponse(body, status_code=exc.http_status, headers=headers)


#: What a client is told of a server-side failure (the details stay in the server's log).
UNAVAILABLE_DETAIL = "the chain or the database cannot be reached right now; try again in a minute"
INTERNAL_DETAIL = "the registry could not complete this request; it is logged"


class UnsupportedMediaType(InvalidInput):
    code = "unsupported_media_type"
    http_status = 415


async def read_json(request: Request, limit: int) -> Any:
    """The JSON body, refused beyond ``limit`` bytes (413) before it is read whole."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(f"the request body exceeds {limit} bytes")
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body exceeds {limit} bytes")
        chunks.append(chunk)
    try:
        return orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError as e:
        raise InvalidInput(f"the body is not JSON: {e}", code="malformed_json") from None


def create_router(sessions: Sessions, chain: service.ChainInfo, *, issuers: intake.IssuerLookup | None = None,
                  ledger: Callable[[], Ledger] | None = None, on_revoked: Callable[[str], Any] | None = None,
                  on_entered: Callable[[list[str]], Any] | None = None,
                  max_body: int = 256 * 1024 * 1024, max_bulk: int = 10_000) -> APIRouter:
    """``issuers`` reads an issuer's record from the contract (None: intake does not check the
    chain); ``ledger`` gives the chain writer for revocations (built on first use: it unlocks
    the keystore); ``on_revoked`` is told the id of each document revoked, cancelled or replaced,
    ``on_entered`` the ids of the documents whose history a new register entry lengthened (the
    public reports; neither may fail the act, which is done)."""
    router = APIRouter(prefix="/api/v1", tags=["registry"])

    def session():
        with sessions() as s:
            yield s

    async def guarded(request: Request, action: str, work: Callable[[auth.Caller, Acting], Awaitable[T]],
                      target: str | None = None) -> T:
        """Authenticate, run ``work`` as the caller, and audit a refusal in a transaction of its own."""
        rid = getattr(request.state, "request_id", None) or audit.request_id(None)
        header = request.headers.get("authorization")
        if target is not None and not is_document_id(target):
            target = None  # a malformed id names nothing, and must not overflow the audit line's column

        def login() -> auth.Caller:
            with sessions() as s:
                return auth.authenticate(s, header)

        try:
            caller = await run_in_threadpool(login)
        except SogocError as e:
            await run_in_threadpool(audit.record_refusal, sessions, Acting(None, auth.key_id_of(header), rid),
                                    action, e, target=target)
            raise
        acting = Acting(caller.code, caller.key_id, rid)
        try:
            return await work(caller, acting)
        except SogocError as e:
            await run_in_threadpool(audit.record_refusal, sessions, acting, action, e, target=target)
            raise

    def store(caller: auth.Caller, acting: Acting, submissions: list[intake.Submission],
              action: str) -> list[intake.Accepted]:
        with sessions() as s:
            actor = s.get(Institution, caller.code)
            return intake.submit(s, actor, submissions, acting, issuers=issuers, action=action)

    @router.post("/documents", summary="Submit one signed document", status_code=201,
                 openapi_extra=SUBMIT_BODY, responses=SUBMIT_RESPONSES)
    async def submit_one(request: Request) -> JSONResponse:
        """Store one document for anchoring, as the calling institution (its own issuer code only).

        Answers 201 with state `pending`; the same document sent again answers 200 with its
        current state and stores nothing (`created: false`)."""
        async def work(caller: auth.Caller, acting: Acting) -> JSONResponse:
            submission = intake.parse_submission(await read_json(request, max_body))
            [accepted] = await run_in_threadpool(store, caller, acting, [submission], "document.submit")
            return JSONResponse(_accepted(accepted), status_code=201 if accepted.created else 200)
        return await guarded(request, "document.submit", work)

    @router.post("/documents/bulk", summary="Submit many signed documents, all or nothing",
                 openapi_extra=BULK_BODY, responses=BULK_RESPONSES)
    async def submit_many(request: Request) -> JSONResponse:
        """Store every document or none: one bad item refuses the whole request, and the answer
        lists every bad item with its index and code (`bulk_rejected`). Documents already stored
        with the same content are answered with `created: false` and not stored again."""
        async def work(caller: auth.Caller, acting: Acting) -> JSONResponse:
            body = await read_json(request, max_body)
            if not isinstance(body, dict) or body.keys() != {"documents"}:
                raise InvalidInput('the body is {"documents": [...]}', code="bad_document")
            submissions = intake.parse_items(body["documents"], max_bulk)
            accepted = await run_in_threadpool(store, caller, acting, submissions, "document.submit_bulk")
            created = sum(a.created for a in accepted)
            return JSONResponse({"accepted": len(accepted), "created": created, "existing": len(accepted) - created,
                                 "documents": [_accepted(a) for a in accepted]})
        return await guarded(request, "document.submit_bulk", work)

    def visible_document(s: Session, caller: auth.Caller, document_id: str) -> Document:
        """The document if the caller may act on it; otherwise the same 404 as an unknown id."""
        doc = s.get(Document, document_id) if is_document_id(document_id) else None
        if doc is None or not may_act_on_documents_of(caller.institution, s.get(Institution, doc.issuer_code)):
            raise UnknownDocument("no document with this id")
        return doc

    @router.get("/documents/{document_id}", summary="Where one of your documents stands",
                responses=STATUS_RESPONSES)
    async def status(document_id: str, request: Request) -> JSONResponse:
        """`pending` (stored, waiting for a batch), `anchoring` (in a sealed batch whose transaction is
        not confirmed yet) or `anchored` (with its batch and transaction). For the document's issuer
        and the issuer's authority; anyone else gets the same 404 as an unknown id."""
        def read(caller: auth.Caller, acting: Acting) -> dict[str, Any]:
            with sessions() as s:
                doc = visible_document(s, caller, document_id)
                answer = _status(doc)
                s.add(acting.line("document.status", target=document_id, subject=doc.issuer_code))
                s.commit()
                return answer

        async def work(caller: auth.Caller, acting: Acting) -> JSONResponse:
            return JSONResponse(await run_in_threadpool(read, caller, acting))
        return await guarded(request, "document.status", work, target=document_id)

    async def revoke_or_cancel(document_id: str, request: Request, cancel: bool) -> JSONResponse:
        action = "document.cancel" if cancel else "document.revoke"

        async def work(caller: auth.Caller, acting: Acting) -> JSONResponse:
            body = await read_json(request, 64 * 1024)
            if not isinstance(body, dict) or body.keys() != {"reason", "decision"} \
                    or not isinstance(body["decision"], str) or not isinstance(body["reason"], (str, int)):
                raise InvalidInput('the body is {"reason": "issuer_error" or 1-6, "decision": "..."}',
                                   code="bad_revocation")
            reason = RevocationReason.parse(str(body["reason"]))

            def act() -> dict[str, Any]:
                with sessions() as s:
                    visible_document(s, caller, document_id)
                    revocation = service.revoke_document(s, writer(), document_id=document_id,
                                                         actor_code=caller.code, reason=reason,
                                                         decision=body["decision"], acting=acting, cancel=cancel)
                    return {"document_id": document_id, "reason": revocation.reason, "cancelled": revocation.cancelled,
                            "decision_hash": Hash32(revocation.decision_hash).hex0x, "revoked_by": revocation.revoked_by,
                            "tx_hash": Hash32(revocation.tx_hash).hex0x if revocation.tx_hash else None,
                            "block_number": revocation.block_number}

            answer = await run_in_threadpool(act)
            await changed(document_id)
            return JSONResponse(answer)
        return await guarded(request, action, work, target=document_id)

    def writer() -> Ledger:
        if ledger is None:
            raise SogocError("this registry does not write to the chain", code="read_only")
        return ledger()

    async def changed(document_id: str) -> None:
        """Tell the public reports: every version and copy of the diploma shows the whole history."""
        if on_revoked is None:
            return

        def related() -> list[str]:
            with sessions() as s:
                return [v["document_id"] for v in register.lineage(s, document_id) or []] or [document_id]
        for each in await run_in_threadpool(related):
            await run_in_threadpool(on_revoked, each)

    @router.post("/documents/{document_id}/revocation", summary="Revoke (thu hồi) one of your documents by a decision",
                 openapi_extra=REVOCATION_BODY, responses=REVOCATION_RESPONSES)
    async def revoke(document_id: str, request: Request) -> JSONResponse:
        """Revoke (thu hồi) an anchored document, on one of the six grounds of Thông tư 21/2019,
        citing the decision. The issuer or its authority only; the contract checks the same."""
        return await revoke_or_cancel(document_id, request, cancel=False)

    @router.post("/documents/{document_id}/cancellation", summary="Cancel (hủy bỏ) one of your documents by a decision",
                 openapi_extra=REVOCATION_BODY, responses=REVOCATION_RESPONSES)
    async def cancel(document_id: str, request: Request) -> JSONResponse:
        """Cancel (hủy bỏ: void from the start) an anchored document, on the same six grounds and with
        the same permissions as a revocation; verifiers say `cancelled` instead of `revoked`."""
        return await revoke_or_cancel(document_id, request, cancel=True)

    async def replace(document_id: str, request: Request, reissue: bool) -> JSONResponse:
        action = "register.reissue" if reissue else "register.correct"

        async def work(caller: auth.Caller, acting: Acting) -> JSONResponse:
            body = await read_json(request, 64 * 1024)
            if not isinstance(body, dict) or body.keys() != {"replacement", "decision"} \
                    or not all(isinstance(body[k], str) for k in body):
                raise InvalidInput('the body is {"replacement": "<document id>", "decision": "..."}',
                                   code="bad_replacement")

            def act() -> dict[str, Any]:
                with sessions() as s:
                    visible_document(s, caller, document_id)
                    visible_document(s, caller, body["replacement"])
                    if reissue:
                        entry = register.reissue(s, old_id=document_id, new_id=body["replacement"],
                                                 decision=body["decision"], actor_code=caller.code, acting=acting)
                    else:
                        entry = register.correct(s, writer(), old_id=document_id, new_id=body["replacement"],
                                                 decision=body["decision"], actor_code=caller.code, acting=acting)
                    return {"document_id": document_id, "replacement": entry.document_id,
                            "entry": {"year": entry.year, "number": entry.number, "kind": entry.kind}}

            answer = await run_in_threadpool(act)
            await changed(document_id)
            return JSONResponse(answer)
        return await guarded(request, action, work, target=document_id)

    @router.post("/documents/{document_id}/correction", summary="Replace a diploma by a corrected one",
                 openapi_extra=REPLACEMENT_BODY, responses=REPLACEMENT_RESPONSES)
    async def correct(document_id: str, request: Request) -> JSONResponse:
        """Record that the anchored diploma `replacement` corrects this one (chỉnh sửa, by a decision):
        `supersede` on chain, a new register entry naming the old one. The authority of the entry only."""
        return await replace(document_id, request, reissue=False)

    @router.post("/documents/{document_id}/reissue", summary="Re-issue a diploma revoked for the authority's error",
                 openapi_extra=REPLACEMENT_BODY, responses=REPLACEMENT_RESPONSES)
    async def reissue(document_id: str, request: Request) -> JSONResponse:
        """Record that the anchored diploma `replacement` re-issues this one (cấp lại), which was revoked
        or cancelled for the issuing body's error (reason 6)."""
        return await replace(document_id, request, reissue=True)

    @router.post("/register/entries", summary="Enter anchored diplomas and copies in your master register",
                 openapi_extra=ENTRIES_BODY, responses=ENTRIES_RESPONSES)
    async def enter(request: Request) -> JSONResponse:
        """Number anchored diplomas (original or legacy) and certified copies into the register of their
        year, in the order given, all or nothing; documents entered before are answered as they are."""
        async def work(caller: auth.Caller, acting: Acting) -> JSONResponse:
            body = await read_json(request, 256 * 1024)
            if not isinstance(body, dict) or body.keys() != {"documents"} or not isinstance(body["documents"], list) \
                    or not 0 < len(body["documents"]) <= 1000 or not all(isinstance(d, str) for d in body["documents"]):
                raise InvalidInput('the body is {"documents": ["<document id>", ...]}', code="bad_entries")

            def act() -> dict[str, Any]:
                with sessions() as s:
                    for document_id in body["documents"]:
                        visible_document(s, caller, document_id)
                    found = register.enter(s, body["documents"], actor_code=caller.code, acting=acting)
                    return {"entries": [{"document_id": e.document_id, "authority": e.authority_code, "year": e.year,
                                         "number": e.number, "kind": e.kind} for e in found]}
            answer = await run_in_threadpool(act)
            if on_entered is not None:  # each version's and copy's public report now has a longer history

                def lineages() -> list[str]:
                    with sessions() as s:
                        return sorted({v["document_id"] for e in answer["entries"]
                                       for v in register.lineage(s, e["document_id"]) or [{"document_id": e["document_id"]}]})
                await run_in_threadpool(on_entered, await run_in_threadpool(lineages))
            return JSONResponse(answer)
        return await guarded(request, "register.enter", work)

    @router.get("/audit", summary="The audit log", responses=AUDIT_RESPONSES)
    async def audit_log(request: Request, action: str | None = None, outcome: str | None = None,
                        actor: str | None = None, target: str | None = None, since: datetime | None = None,
                        until: datetime | None = None, before: int | None = None, limit: int = 100) -> JSONResponse:
        """Newest first. An authority reads the lines where it or one of its schools acted or was
        acted upon; the Ministry reads all; a school none. Page with `before` = the `next_before`
        of the previous page."""
        query = audit.AuditQuery(action, outcome, actor, target, since, until, before, limit)

        def read(caller: auth.Caller, acting: Acting) -> dict[str, Any]:
            with sessions() as s:
                found = audit.entries(s, caller.institution, query)
                s.add(acting.line("audit.read", subject=caller.code, count=len(found)))
                s.commit()
                return {"entries": [audit.to_json(e) for e in found],
                        "next_before": found[-1].id if len(found) == query.limit else None}

        async def work(caller: auth.Caller, acting: Acting) -> JSONResponse:
            return JSONResponse(await run_in_threadpool(read, caller, acting))
        return await guarded(request, "audit.read", work)

    @router.get(
        "/documents/{document_id}/evidence",
        summary="Anchoring evidence of one document",
        tags=["verification"],
        description=(
            "The Merkle proof and anchor of a document, for verifiers that check it against the chain "
            "themselves. Nothing here needs to be trusted: the proof leads from the leaf recomputed from "
            "the file to a root that the chain must confirm. The document id (from the QR code) is the "
            "only key; unknown and malformed ids get the same 404. No API key needed."),
        responses={404: {"description": "`unknown_document`: no document with this id",
                         "content": {"application/json": {"schema": ERROR_BODY_SCHEMA}}}},
    )
    def evidence(document_id: str, s: Session = Depends(session)) -> dict[str, Any]:
        if not is_document_id(document_id):
            raise UnknownDocument("no document with this id")
        found = register.evidence_by_id(s, document_id, chain)
        if found is None:
            raise UnknownDocument("no document with this id")
        return found

    return router


def _accepted(a: intake.Accepted) -> dict[str, Any]:
    return {"document_id": a.document_id, "state": a.state, "created": a.created}


def _status(doc: Document) -> dict[str, Any]:
    batch = doc.batch
    anchored = doc.state == "anchored" and batch is not None
    revocation = doc.revocation
    return {
        "document_id": doc.id, "issuer": doc.issuer_code, "state": doc.state,
        "submitted_at": doc.created_at.isoformat() + "Z",
        "leaf": Hash32(doc.leaf).hex0x,
        "batch": None if not anchored else {
            "id": batch.id, "root": Hash32(batch.root).hex0x, "leaf_count": batch.leaf_count,
            "tx_hash": Hash32(batch.tx_hash).hex0x if batch.tx_hash else None,
            "block_number": batch.block_number, "block_time": batch.block_time},
        "revocation": None if revocation is None else {
            "reason": revocation.reason, "decision_hash": Hash32(revocation.decision_hash).hex0x,
            "revoked_by": revocation.revoked_by,
            "tx_hash": Hash32(revocation.tx_hash).hex0x if revocation.tx_hash else None},
    }
