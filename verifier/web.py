"""The public verification pages and API: what a QR code opens, and what anyone can upload to.

Routes translate HTTP to the :class:`VerificationService` and back; the verdict is the
report's, never this module's. Errors of the service (:class:`~core.errors.SogocError`)
become an error page or ``{"code", "detail"}`` with the error's status. Unknown and malformed
document ids get the same 404, so the pages cannot be used to find out which ids exist.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from core.credential import is_document_id
from core.errors import InvalidInput, SogocError, UnknownDocument
from verifier import i18n, view
from verifier.report import PublishedReport, Report

HERE = Path(__file__).parent
MAX_UPLOAD = 20 * 1024 * 1024
#: Room for the multipart envelope around the file when judging a request by its Content-Length.
FORM_OVERHEAD = 64 * 1024

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
NO_STORE = {**SECURITY_HEADERS, "Cache-Control": "no-store"}


class VerificationService(Protocol):
    """What the pages need; the composition root provides it (the verifier plus its evidence)."""

    def lookup(self, document_id: str) -> PublishedReport | None:
        """The stored report of a document: one cheap read, no PDF and no chain call (called on the
        event loop). None when nothing is stored for this id (unknown, or not verified yet)."""

    def verify_document(self, document_id: str) -> PublishedReport | None:
        """Verify a registered document in full (and keep the result for :meth:`lookup`); None for
        an unknown id. Slow (signatures, chain): called in a worker thread, on a look-up miss only."""

    def verify_upload(self, pdf: bytes) -> Report:
        """The report of an uploaded file; may raise InvalidInput (``not_a_pdf``, ``too_large``)."""


class UploadTooLarge(InvalidInput):
    code = "too_large"
    http_status = 413


UNKNOWN = UnknownDocument("no document with this id")


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    css = (HERE / "static" / "site.css").read_bytes()
    env.globals["css_version"] = hashlib.sha256(css).hexdigest()[:12]
    return env


def _status_of(error: SogocError) -> int:
    return 413 if error.code == "too_large" else error.http_status


def _page(template: str, lang: str | None, *, status: int = 200, switch: str | None = None,
          **context: Any) -> HTMLResponse:
    """Render one page; ``switch`` is where the language link goes (default: this page, other language)."""
    lang = i18n.language(lang)
    other = "en" if lang == "vi" else "vi"
    t = i18n.translator(lang)
    html = _templates().get_template(template).render(
        lang=lang, other_lang=other, t=t, q="?lang=en" if lang == "en" else "",
        switch_url=switch or f"?lang={other}", max_mb=MAX_UPLOAD // (1024 * 1024), **context)
    headers = dict(NO_STORE)
    if status == 503:
        headers["Retry-After"] = "60"
    return HTMLResponse(html, status_code=status, headers=headers)


def _error_page(error: SogocError, lang: str | None, *, switch: str | None = None) -> HTMLResponse:
    t = i18n.translator(i18n.language(lang))
    known = i18n.has("vi", f"error.{error.code}.title")
    return _page("error.html", lang, status=_status_of(error), switch=switch, code=error.code,
                 title=t(f"error.{error.code}.title") if known else t("error.title"),
                 text=t(f"error.{error.code}.text", limit=MAX_UPLOAD // (1024 * 1024)) if known
                 else t("error.generic.text"))


def _error_json(error: SogocError) -> JSONResponse:
    return JSONResponse({"code": error.code, "detail": error.detail}, status_code=_status_of(error),
                        headers=NO_STORE)


async def _find(service: VerificationService, document_id: str) -> PublishedReport:
    """The stored report (one primary-key read); on a miss, a full verification in a thread."""
    if not is_document_id(document_id):
        raise UNKNOWN
    found = service.lookup(document_id)
    if found is None:
        found = await run_in_threadpool(service.verify_document, document_id)
    if found is None:
        raise UNKNOWN
    return found


def _checked_headers(found: PublishedReport) -> dict[str, str]:
    """When the chain state behind a stored report was read: clients can judge its freshness."""
    headers = dict(NO_STORE)
    if found.checked_at:
        headers["Sogoc-Status-Checked-At"] = datetime.fromtimestamp(found.checked_at, timezone.utc).isoformat()
    if found.checked_block is not None:
        headers["Sogoc-Status-Checked-Block"] = str(found.checked_block)
    return headers


async def _read_upload(request: Request, limit: int) -> bytes:
    """The bytes of the multipart field ``file``, refusing more than ``limit`` bytes."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + FORM_OVERHEAD:
        raise UploadTooLarge(f"the upload exceeds {limit} bytes")
    try:
        form = await request.form(max_files=1, max_fields=8)
    except (HTTPException, MultiPartException) as e:
        raise InvalidInput(f"malformed upload: {getattr(e, 'detail', None) or e}", code="bad_upload") from None
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            raise InvalidInput("send the PDF in the multipart field 'file'", code="no_file")
        data = await file.read(limit + 1)
    finally:
        await form.close()
    if len(data) > limit:
        raise UploadTooLarge(f"the file exceeds {limit} bytes")
    if not data:
        raise InvalidInput("the file is empty", code="no_file")
    return data


def _lookup_id(text: str) -> str:
    """What someone typed into the look-up box: a code, spaced or upper-case, or the whole QR URL."""
    text = text.strip().rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    return "".join(text.split()).lower()


_MULTIPART_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "The signed PDF"}}}}}}}


def _report_example() -> dict[str, Any]:
    return {"format": "sogoc.verification/1", "status": "valid", "document_id": "mfrggzdfmztwq2lknnwg23tpoa",
            "checks": [{"name": "anchor", "status": "passed", "code": "anchored",
                        "message": "Anchored on chain in block 42 by THPT-79-NTMK.", "details": {}}],
            "document": {"kind": "transcript", "issuer": "THPT-79-NTMK", "fields": {"class_name": "12A1"}},
            "signatures": [], "anchor": {"block_number": 42, "root": "0x…", "leaf": "0x…", "proof": []},
            "revocation": None, "supersession": None}


def _responses(*errors: tuple[int, str, str]) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {
        200: {"description": "The verification report", "content": {"application/json": {"example": _report_example()}}}}
    for status, code, detail in errors:
        out[status] = {"description": f"`{code}`",
                       "content": {"application/json": {"example": {"code": code, "detail": detail}}}}
    return out


_UNAVAILABLE = (503, "chain_error", "cannot reach the chain node")


def create_router(service: VerificationService, *, max_upload: int = MAX_UPLOAD) -> APIRouter:
    """The public pages (``/``, ``/v/{id}``, ``/verify``), the JSON API and the stylesheet."""
    router = APIRouter(tags=["verification"])
    css = (HERE / "static" / "site.css").read_bytes()

    @router.get("/", include_in_schema=False)
    def home(lang: str | None = None) -> Response:
        return _page("home.html", lang)

    @router.get("/v", include_in_schema=False)
    def lookup(id: str = "", lang: str | None = None) -> Response:
        """The look-up form (no JavaScript): send the typed code on to its QR address."""
        q = "?lang=en" if i18n.language(lang) == "en" else ""
        document_id = _lookup_id(id)
        target = f"/v/{quote(document_id, safe='')}{q}" if document_id else f"/{q}"
        return RedirectResponse(target, status_code=303, headers=NO_STORE)

    @router.get("/v/{document_id}", include_in_schema=False)
    async def landing(document_id: str, lang: str | None = None) -> Response:
        try:
            found = await _find(service, document_id)
        except SogocError as e:
            return _error_page(e, lang)
        checked = datetime.fromtimestamp(found.checked_at, timezone.utc) if found.checked_at else None
        context = _result(found.report(), lang, now=checked)
        if found.private_withheld and context.get("doc"):
            context["doc"]["private_hidden"] = True  # the stored report no longer has the withheld fields
        return _page("result.html", lang, uploaded=False, **context)

    @router.post("/verify", include_in_schema=False)
    async def upload_page(request: Request, lang: str | None = None) -> Response:
        home_switch = "/?lang=" + ("vi" if i18n.language(lang) == "en" else "en")
        try:
            pdf = await _read_upload(request, max_upload)
            report = await run_in_threadpool(service.verify_upload, pdf)
        except SogocError as e:
            return _error_page(e, lang, switch=home_switch)
        return _page("result.html", lang, switch=home_switch, uploaded=True, **_result(report, lang))

    @router.get(
        "/api/v1/verify/{document_id}",
        summary="Verify a registered document by its id",
        description=(
            "The verification report of the document behind a QR code (`/v/{document_id}`): every check, "
            "the verdict (`valid`, `revoked`, `superseded`, `tampered`, `not_anchored`, `untrusted_signer`, "
            "`unknown`), the document's data, its signatures, its anchor (transaction, block, Merkle root, "
            "leaf, proof) and any revocation. Unknown and malformed ids get the same 404 `unknown_document`."),
        responses=_responses((404, "unknown_document", "no document with this id"), _UNAVAILABLE),
    )
    async def api_document(document_id: str) -> Response:
        try:
            found = await _find(service, document_id)
        except SogocError as e:
            return _error_json(e)
        return Response(found.body, media_type="application/json", headers=_checked_headers(found))

    @router.post(
        "/api/v1/verify",
        summary="Verify an uploaded PDF",
        description=(
            f"Send the signed PDF as the multipart field `file` (at most {max_upload // (1024 * 1024)} MiB). "
            "The answer is the same report as for a document id; the file is checked, never stored. "
            "A file that is not a PDF gets 400 `not_a_pdf`, a larger one 413 `too_large`."),
        responses=_responses((400, "not_a_pdf", "the file is not a PDF"),
                             (413, "too_large", f"the file exceeds {max_upload} bytes"), _UNAVAILABLE),
        openapi_extra=_MULTIPART_BODY,
    )
    async def api_upload(request: Request) -> Response:
        try:
            pdf = await _read_upload(request, max_upload)
            report = await run_in_threadpool(service.verify_upload, pdf)
        except SogocError as e:
            return _error_json(e)
        return JSONResponse(report.to_json(), headers=NO_STORE)

    @router.get("/static/site.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(css, media_type="text/css; charset=utf-8", headers={
            **SECURITY_HEADERS, "Cache-Control": "public, max-age=31536000, immutable"})

    return router


def _result(report: Report, lang: str | None, now: datetime | None = None) -> dict[str, Any]:
    lang = i18n.language(lang)
    return view.result_context(report, i18n.translator(lang), lambda key: i18n.has(lang, key), lang, now=now)
