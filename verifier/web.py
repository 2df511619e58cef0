"""The public verification pages and API: what a QR code opens, and what anyone can upload to.

Routes translate HTTP to the :class:`VerificationService` and back; the verdict is the
report's, never this module's. Errors of the service (:class:`~core.errors.SogocError`)
become an error page or ``{"code", "detail"}`` with the error's status. Unknown and malformed
document ids get the same 404, so the pages cannot be used to find out which ids exist.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Protocol
from urllib.parse import quote

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from core.credential import document_id_from_code, is_document_id
from core.errors import ERROR_BODY_SCHEMA, InvalidInput, SogocError, UnknownDocument
from verifier import edge, examples, i18n, pages
from verifier.pages import MAX_UPLOAD
from verifier.report import PublishedReport, Report, StoredPage

HERE = Path(__file__).parent
log = logging.getLogger("sogoc.verifier")
#: Room for the multipart envelope around the file when judging a request by its Content-Length.
FORM_OVERHEAD = 64 * 1024

#: Pages and answers are never cached (why: verifier.edge); security headers come from verifier.edge.
NO_STORE = {"Cache-Control": "no-store"}
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


API_DESCRIPTION = """\
Registry and public verifier of Vietnamese school transcripts (học bạ) and diplomas (văn bằng).

**Verifying a document.** `GET /api/v1/verify/{document_id}` for the document behind a QR code, or
`POST /api/v1/verify` with the PDF. Both answer with the report `sogoc verify --json` prints: `status`
is the verdict, `checks` lists every check with a stable `code`.

| `status` | meaning | what to do |
| --- | --- | --- |
| `valid` | signed by the school, intact, anchored on chain, in force | compare name and birth date with an identity document |
| `revoked` | revoked by a decision (thu hồi; reason in `revocation`) | do not accept |
| `cancelled` | cancelled by a decision, void from the start (hủy bỏ; reason in `revocation`) | do not accept |
| `superseded` | replaced by a corrected version (`supersession`; for a diploma `history` names the current one) | ask for the current version |
| `tampered` | the file does not match its signatures | do not accept; ask for the original file |
| `not_anchored` | no proof that the school published this file on chain | retry later if just issued; otherwise do not accept yet |
| `untrusted_signer` | a signer not trusted or not registered for the school | do not accept until the school confirms |
| `unknown` | not a document of this registry | check the code or the file |

**Document ids** are 26 characters of base32 (a-z, 2-7; 128 random bits), printed beside the QR code in
groups (`mfrg-gzdf-mztw-q2lk-nnwg-23t-poa`); send them without dashes, in lower case.

**Errors** always have the shape `{"code": "...", "detail": "..."}`, with stable codes: `unknown_document`
(404), `not_a_pdf`, `broken_pdf`, `no_file`, `bad_upload` (400), `too_large` (413), `unsupported_media_type` (415),
`invalid_request` (422), `length_required` (411: send uploads with a Content-Length), `rate_limited` (429, with `Retry-After`), `chain_error`, `evidence_unavailable`
(503, with `Retry-After`), `not_found` (404), `method_not_allowed` (405).

**Limits.** Per client, on two budgets: look-ups (anything that names a document id) and uploads. Answers
are `Cache-Control: no-store`: a verdict can change at any moment.
"""
#: The camera scan page is the one public page that runs scripts (its own and the vendored QR
#: decoder, both from this origin) and shows the camera's picture; only it may ask for the camera.
#: (verifier.edge gives every other response a CSP without scripts and no camera.)
SCAN_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; media-src 'self' blob:; "
                               "style-src 'self'; img-src 'self' data: blob:; form-action 'self'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
}
#: Scripts of the scan page: URL path under /static/ -> file (the decoder is copied from npm `jsqr` at setup).
SCRIPTS = {"scan.js": HERE / "static" / "scan.js", "vendor/jsQR.js": HERE / "static" / "vendor" / "jsQR.js"}


class VerificationService(Protocol):
    """What the pages need; the composition root provides it (the verifier plus its evidence)."""

    #: True when :meth:`lookup` and :meth:`lookup_page` read a database in this process (SQLite:
    #: tens of microseconds, less than handing the call to a thread), so they run on the event
    #: loop. False for a database over the network (PostgreSQL): they run in the thread pool, and
    #: a round trip never holds up the other requests of the worker.
    reads_in_process: bool

    def lookup(self, document_id: str) -> PublishedReport | None:
        """The stored report of a document: one cheap read, no PDF and no chain call. None when
        nothing is stored for this id (unknown, or not verified yet)."""

    def lookup_page(self, document_id: str, lang: str) -> StoredPage | None:
        """The stored landing page of a document in ``lang`` (rendered with its report), or None:
        the page is then rendered from :meth:`lookup`'s report."""

    def verify_document(self, document_id: str) -> PublishedReport | None:
        """Verify a registered document in full (and keep the result for :meth:`lookup`); None for
        an unknown id. Slow (signatures, chain): called in a worker thread, on a look-up miss only."""

    def verify_upload(self, pdf: bytes) -> Report:
        """The report of an uploaded file; may raise InvalidInput (``not_a_pdf``, ``too_large``)."""


class LengthRequired(InvalidInput):
    code = "length_required"
    http_status = 411


class UploadTooLarge(InvalidInput):
    code = "too_large"
    http_status = 413


class UnsupportedUpload(InvalidInput):
    code = "unsupported_media_type"
    http_status = 415


UNKNOWN = UnknownDocument("no document with this id")


def _landing(html: bytes, checked_at: int, lang: str) -> Response:
    """A landing page (:func:`verifier.pages.render_landing`) with its "checked at" filled in."""
    return Response(pages.fill_checked_at(html, checked_at, lang), media_type="text/html; charset=utf-8",
                    headers=NO_STORE)


def _status_of(error: SogocError) -> int:
    return {"too_large": 413, "unsupported_media_type": 415}.get(error.code, error.http_status)


def _page(template: str, lang: str | None, *, status: int = 200, switch: str | None = None,
          **context: Any) -> HTMLResponse:
    """One page as a response (never cached)."""
    html = pages.render(template, i18n.language(lang), switch=switch, **context)
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


#: What the public is told when the chain or the registry cannot be reached: their addresses
#: (an RPC URL may carry an API key) stay in the server's own log.
UNAVAILABLE_DETAIL = "the chain or the registry cannot be reached right now; try again in a minute"


def _error_json(error: SogocError) -> JSONResponse:
    status = _status_of(error)
    headers = {**NO_STORE, "Retry-After": "60"} if status == 503 else NO_STORE
    if status >= 500:
        log.warning("%s: %s", error.code, error.detail)
    detail = UNAVAILABLE_DETAIL if status >= 500 else error.detail
    return JSONResponse({"code": error.code, "detail": detail}, status_code=status, headers=headers)


async def _find(service: VerificationService, document_id: str) -> PublishedReport:
    """The stored report (one primary-key read); on a miss, a full verification in a thread."""
    if not is_document_id(document_id):
        raise UNKNOWN
    found = await _read(service, service.lookup, document_id)
    if found is None:
        found = await run_in_threadpool(service.verify_document, document_id)
    if found is None:
        raise UNKNOWN
    return found


async def _read(service: VerificationService, lookup: Callable[..., Any], *args: Any) -> Any:
    """A stored report or page: read on the event loop or in a thread (``reads_in_process``)."""
    if service.reads_in_process:
        return lookup(*args)
    return await run_in_threadpool(lookup, *args)


def _checked_headers(found: PublishedReport) -> dict[str, str]:
    """When the chain state behind a stored report was read: clients can judge its freshness."""
    headers = dict(NO_STORE)
    if found.checked_at:
        headers["Sogoc-Status-Checked-At"] = datetime.fromtimestamp(found.checked_at, timezone.utc).isoformat()
    if found.checked_block is not None:
        headers["Sogoc-Status-Checked-Block"] = str(found.checked_block)
    return headers


async def _read_upload(request: Request, limit: int) -> bytes:
    """The PDF sent as the multipart field ``file`` or as an ``application/pdf`` body, refusing
    more than ``limit`` bytes before reading them."""
    length = request.headers.get("content-length", "")
    if not length.isdigit():  # a chunked body would be spooled whole before any size check
        raise LengthRequired("send the upload with a Content-Length header")
    if int(length) > limit + FORM_OVERHEAD:
        raise UploadTooLarge(f"the upload exceeds {limit} bytes")
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "application/pdf":
        return await _read_body(request, limit)
    if not media_type:
        raise InvalidInput("send the PDF as the multipart field 'file' or as an application/pdf body",
                           code="no_file")
    if media_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):  # the latter: no file
        raise UnsupportedUpload(f"send the PDF as multipart/form-data (field 'file') or as application/pdf, "
                                f"not {media_type}")
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


async def _read_body(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge(f"the file exceeds {limit} bytes")
        chunks.append(chunk)
    if not size:
        raise InvalidInput("the body is empty", code="no_file")
    return b"".join(chunks)


async def _verify_upload(service: VerificationService, pdf: bytes) -> Report:
    """The service's report; a file that starts like a PDF but cannot be read is ``broken_pdf``,
    not ``not_a_pdf``: the person holds the right kind of file, damaged (often a partial download)."""
    try:
        return await run_in_threadpool(service.verify_upload, pdf)
    except InvalidInput as e:
        if e.code == "not_a_pdf" and b"%PDF-" in pdf[:1024]:
            raise InvalidInput(e.detail, code="broken_pdf") from None
        raise


def _lookup_id(text: str) -> str | None:
    """What someone typed into the look-up box: the printed code (any case, spaced, 0/1/8 for
    o/l/b, see :func:`core.credential.document_id_from_code`) or the whole QR URL."""
    text = text.strip().rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    return document_id_from_code(text)


class LandingPage:
    """``GET /v/{document_id}``, what a QR code opens: a plain ASGI endpoint.

    The busiest address of the service, and the page is stored ready to serve (one read), so
    FastAPI's per-request work (parameter models, dependency solving, a Request object) would be
    most of the cost of a scan; it is not needed for one path parameter and ``?lang=``.
    A stored page of the current version is served with its "checked at" filled in; otherwise
    the same page is rendered from the report (:func:`_find`: a miss verifies in full), and an
    unknown or malformed id gets the same 404 page.
    """

    def __init__(self, service: VerificationService) -> None:
        self.service = service

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        document_id = scope["path_params"]["document_id"]
        query = scope.get("query_string")
        lang = QueryParams(query).get("lang") if query else None
        await (await self.response(document_id, lang))(scope, receive, send)

    async def response(self, document_id: str, lang: str | None) -> Response:
        page_lang = i18n.language(lang)
        if is_document_id(document_id):
            page = await _read(self.service, self.service.lookup_page, document_id, page_lang)
            if page is not None and page.version == pages.page_version():
                return _landing(page.html, page.checked_at, page_lang)
        try:
            found = await _find(self.service, document_id)
        except SogocError as e:
            return _error_page(e, lang)
        # no stored page (or one of an older deployment): the same page, rendered from the report
        html = pages.render_landing(found.report(), page_lang, private_withheld=found.private_withheld)
        return _landing(html, found.checked_at or int(time.time()), page_lang)


class DocumentReport:
    """``GET /api/v1/verify/{document_id}``, an HR system's look-up: a plain ASGI endpoint, as
    :class:`LandingPage` and for the same reason (the stored report is one read, and FastAPI's
    per-request work was a quarter of the cost). The route is also declared with FastAPI, after
    this one, so that /openapi.json documents it; requests reach this one first."""

    def __init__(self, service: VerificationService) -> None:
        self.service = service

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await (await self.response(scope["path_params"]["document_id"]))(scope, receive, send)

    async def response(self, document_id: str) -> Response:
        try:
            found = await _find(self.service, document_id)
        except SogocError as e:
            return _error_json(e)
        return Response(found.body, media_type="application/json", headers=_checked_headers(found))


_UPLOAD_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": "The signed PDF"}}}},
    "application/pdf": {"schema": {"type": "string", "format": "binary", "description": "The signed PDF"}},
}}}

_ERROR_SCHEMA = ERROR_BODY_SCHEMA


def _responses(*errors: tuple[int, str, str], withhold_private: bool = False) -> dict[int | str, dict[str, Any]]:
    """The report (one example per verdict) and every error, all as ``{"code", "detail"}``."""
    out: dict[int | str, dict[str, Any]] = {200: {
        "description": "The verification report, as `sogoc verify --json` prints it. `status` is the verdict; "
                       "each entry of `checks` is one check with a stable `code`.",
        "content": {"application/json": {"examples": examples.openapi_examples(withhold_private=withhold_private)}}}}
    by_status: dict[int, list[tuple[str, str]]] = {}
    for status, code, detail in (*errors, _RATE_LIMITED, _UNAVAILABLE):
        by_status.setdefault(status, []).append((code, detail))
    for status, cases in by_status.items():
        out[status] = {"description": ", ".join(f"`{code}`" for code, _ in cases), "content": {"application/json": {
            "schema": _ERROR_SCHEMA,
            "examples": {code: {"value": {"code": code, "detail": detail}} for code, detail in cases}}}}
        if status in (429, 503):
            out[status]["headers"] = {"Retry-After": {"description": "Seconds to wait before trying again",
                                                      "schema": {"type": "integer"}}}
    return out


_RATE_LIMITED = (429, "rate_limited", "too many look-ups from this client; retry after 20 s")
_UNAVAILABLE = (503, "chain_error", "cannot reach the chain node")


def create_router(service: VerificationService, *, max_upload: int = MAX_UPLOAD,
                  public_base_url: str = "") -> APIRouter:
    """The public pages (``/``, ``/v/{id}``, ``/verify``, ``/scan``), the JSON API, stylesheet and scripts.

    ``public_base_url`` is the base of the URLs the QR codes carry: the scan page accepts those as
    well as its own origin's (the two differ behind a proxy or on a second host name).
    """
    router = APIRouter(tags=["verification"])
    css = (HERE / "static" / "site.css").read_bytes()
    scripts = {name: path.read_bytes() for name, path in SCRIPTS.items() if path.is_file()}
    script_versions = {name: hashlib.sha256(body).hexdigest()[:12] for name, body in scripts.items()}

    @router.get("/", include_in_schema=False)
    def home(lang: str | None = None) -> Response:
        return _page("home.html", lang)

    @router.get("/scan", include_in_schema=False)
    def scan(lang: str | None = None) -> Response:
        """Scan a printed QR code with the phone's camera; the look-up form for everyone else."""
        response = _page("scan.html", lang, public_base_url=public_base_url.rstrip("/"),
                         script_versions=script_versions)
        response.headers.update(SCAN_HEADERS)
        return response

    @router.get("/v", include_in_schema=False)
    def lookup(id: str = "", lang: str | None = None) -> Response:
        """The look-up form (no JavaScript): send the typed code on to its QR address."""
        q = "?lang=en" if i18n.language(lang) == "en" else ""
        if not id.strip():
            return RedirectResponse(f"/{q}", status_code=303, headers=NO_STORE)
        document_id = _lookup_id(id)
        if document_id is None:  # the same page as an unknown id: nothing to learn from the difference
            return _error_page(UNKNOWN, lang)
        return RedirectResponse(f"/v/{quote(document_id, safe='')}{q}", status_code=303, headers=NO_STORE)

    router.add_route("/v/{document_id}", LandingPage(service), methods=["GET"], include_in_schema=False)

    @router.post("/verify", include_in_schema=False)
    async def upload_page(request: Request, lang: str | None = None) -> Response:
        home_switch = "/?lang=" + ("vi" if i18n.language(lang) == "en" else "en")
        try:
            pdf = await _read_upload(request, max_upload)
            report = await _verify_upload(service, pdf)
        except SogocError as e:
            return _error_page(e, lang, switch=home_switch)
        return _page("result.html", lang, switch=home_switch, uploaded=True, **pages.result_context(report, lang))

    by_id = DocumentReport(service)
    router.add_route("/api/v1/verify/{document_id}", by_id, methods=["GET"], include_in_schema=False)

    @router.get(  # what /openapi.json says of the route above, which answers first (the same code)
        "/api/v1/verify/{document_id}",
        summary="Verify a registered document by its id",
        description=(
            "The verification report of the document behind a QR code (`/v/{document_id}`): every check, "
            "the verdict (`valid`, `revoked`, `cancelled`, `superseded`, `tampered`, `not_anchored`, `untrusted_signer`, "
            "`unknown`), the document's data, its signatures, its anchor (transaction, block, Merkle root, "
            "leaf, proof) and any revocation or correction. The id is the 26-character code printed beside "
            "the QR code, without its dashes, in lower case. Unknown and malformed ids get the same 404 "
            "`unknown_document`, so nothing can be learnt about which ids exist. The personal id number and "
            "the place of birth are withheld here (whoever holds the file sees them in the file). "
            "Look-ups are rate-limited per client (429 `rate_limited` with `Retry-After`). Every answer is "
            "`Cache-Control: no-store`: a verdict can change at any moment (a revocation)."),
        responses=_responses((404, "unknown_document", "no document with this id"), withhold_private=True),
    )
    async def api_document(document_id: str) -> Response:
        return await by_id.response(document_id)

    @router.post(
        "/api/v1/verify",
        summary="Verify an uploaded PDF",
        description=(
            f"Send the signed PDF (at most {max_upload // (1024 * 1024)} MiB) as the multipart field `file`, "
            "or as the whole body with `Content-Type: application/pdf`. The answer is the same report as "
            "`sogoc verify --json FILE.pdf` prints; the file is checked, never stored. A tampered, revoked "
            "or unknown document is still a 200 with its verdict in `status`: errors are only for requests "
            "that could not be checked. Uploads are rate-limited per client, on a smaller budget than look-ups."),
        responses=_responses((400, "not_a_pdf", "the file is not a PDF"),
                             (400, "broken_pdf", "not a readable PDF: EOF marker not found"),
                             (413, "too_large", f"the file exceeds {max_upload} bytes"),
                             (415, "unsupported_media_type",
                              "send the PDF as multipart/form-data (field 'file') or as application/pdf")),
        openapi_extra=_UPLOAD_BODY,
    )
    async def api_upload(request: Request) -> Response:
        try:
            pdf = await _read_upload(request, max_upload)
            report = await _verify_upload(service, pdf)
        except SogocError as e:
            return _error_json(e)
        # the same serialiser as the stored reports the by-id route serves (PublishedReport)
        return Response(orjson.dumps(report.to_json()), media_type="application/json", headers=NO_STORE)

    @router.get("/static/site.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(css, media_type="text/css; charset=utf-8", headers=IMMUTABLE)

    def script_route(name: str) -> None:
        @router.get(f"/static/{name}", include_in_schema=False)
        def script() -> Response:  # one route per script: other /static/ paths belong to other routers
            return Response(scripts[name], media_type="text/javascript; charset=utf-8", headers=IMMUTABLE)

    for name in scripts:
        script_route(name)

    return router


# -- the edge: limits, headers, errors (installed on the app by the composition root)


def too_many_page(lang: str | None, seconds: int) -> Response:
    """The 429 page: what happened, and when to try again, in plain words."""
    t = i18n.translator(i18n.language(lang))
    return _page("error.html", lang, status=429, code="rate_limited", title=t("error.rate_limited.title"),
                 text=t("error.rate_limited.text", seconds=seconds))


def http_error_page(status: int, code: str, lang: str | None) -> Response:
    """A page for an error Starlette raised itself (unknown address, wrong method...)."""
    t = i18n.translator(i18n.language(lang))
    known = i18n.has("vi", f"error.{code}.title")
    return _page("error.html", lang, status=status, code=code,
                 title=t(f"error.{code}.title") if known else t("error.title"),
                 text=t(f"error.{code}.text") if known else t("error.generic.text"))


def install(app: FastAPI, *, lookups_per_minute: int, uploads_per_minute: int, searches_per_minute: int = 10,
            trusted_proxies: tuple[str, ...] = (), hsts: bool = False) -> None:
    """Rate limits, security headers, one error shape and private access logs for ``app``."""
    edge.install_error_handlers(app, http_error_page)
    app.add_middleware(edge.PublicEdge, settings=edge.EdgeSettings(  # type: ignore[arg-type]
        lookups_per_minute=lookups_per_minute, uploads_per_minute=uploads_per_minute,
        disclosure_searches_per_minute=searches_per_minute,
        trusted_proxies=trusted_proxies, hsts=hsts), too_many_page=too_many_page)
    edge.install_log_filter()
