"""What every response of the public service goes through: rate limits, security and cache
headers, one error shape, and access logs without personal data.

A plain ASGI middleware (not Starlette's ``BaseHTTPMiddleware``, which costs a task and a
queue per request): the look-up endpoint must stay fast. Installed by :func:`install` from
the composition root, because exception handlers and middleware belong to the app.

Cache policy: pages and API answers are ``no-store``. A verdict can change at any moment (a
revocation), and a page carries a name and a birth date that have no business in a shared or
a browser cache; a look-up costs about a millisecond, so caching would save nothing worth that
risk. The stylesheet and scripts are ``immutable`` for a year under a content-hash version.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from core.errors import ERROR_BODY_SCHEMA
from verifier.limits import TokenBucket, client_address, retry_after

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

#: No scripts, no camera: the pages work without JavaScript. The two pages that need scripts set
#: their own policy, which this one does not override: the camera scan page (verifier.web
#: SCAN_HEADERS) and the API documentation (verifier.docs).
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
#: Every response carries these (a route may set its own Cache-Control; the rest are fixed).
BASE_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    # no camera, microphone or location; the scan page sets its own policy allowing the camera
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
}
HSTS = "max-age=31536000; includeSubDomains"

#: Stable codes for the errors Starlette raises itself (unknown path, wrong method...).
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
              415: "unsupported_media_type", 422: "invalid_request", 429: "rate_limited"}


@dataclass(frozen=True)
class EdgeSettings:
    lookups_per_minute: int = 120
    uploads_per_minute: int = 12
    disclosure_searches_per_minute: int = 10
    trusted_proxies: tuple[str, ...] = ()
    hsts: bool = False


def wants_json(path: str) -> bool:
    return path.startswith("/api/") or path == "/openapi.json"


def budget_of(method: str, path: str) -> str | None:
    """Which budget a request spends: ``upload``, ``search`` (a disclosure search: by name and
    birth date it is the costliest to abuse, so it has the smallest budget), ``lookup``
    (anything naming a document id, and the disclosure feed) or none."""
    if method == "POST" and path in ("/verify", "/api/v1/verify"):
        return "upload"
    if (method == "POST" and path.startswith("/cong-khai/") and path.endswith("/tra-cuu")) or (
            method in ("GET", "HEAD") and path.startswith("/api/v1/disclosure/") and path.endswith("/search")):
        return "search"
    if method in ("GET", "HEAD") and path.startswith("/api/v1/disclosure/"):
        return "lookup"
    if method in ("GET", "HEAD") and (path == "/v" or path.startswith(("/v/", "/api/v1/verify/"))
                                      or (path.startswith("/api/v1/documents/") and path.endswith("/evidence"))):
        return "lookup"  # an institution's own status reads (with its API key) are not public look-ups
    return None


#: The institutions' routes (an API key opens them): public look-ups aside, a call without a key is
#: refused and written to the append-only audit log, so such calls spend the look-up budget too.
INSTITUTION_ROUTES = ("/api/v1/documents", "/api/v1/register/", "/api/v1/audit")


def _anonymous_institution_call(scope: Scope) -> str | None:
    if not scope["path"].startswith(INSTITUTION_ROUTES):
        return None
    if any(name == b"authorization" for name, _value in scope.get("headers") or ()):
        return None
    return "lookup"


def error_json(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "detail": detail}, status_code=status,
                        headers={"Cache-Control": "no-store", **(headers or {})})


class PublicEdge:
    """Rate limits first, then the app; security headers on whatever comes back."""

    def __init__(self, app: ASGIApp, settings: EdgeSettings,
                 too_many_page: Callable[[str | None, int], Response]) -> None:
        self.app = app
        self.settings = settings
        self.buckets = {"lookup": TokenBucket(settings.lookups_per_minute),
                        "upload": TokenBucket(settings.uploads_per_minute),
                        "search": TokenBucket(settings.disclosure_searches_per_minute)}
        self.too_many_page = too_many_page
        headers = dict(BASE_HEADERS)
        if settings.hsts:
            headers["strict-transport-security"] = HSTS
        self.headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = self.headers

        async def send_secured(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                raw = message.setdefault("headers", [])
                present = {k.lower() for k, _ in raw}
                raw.extend(h for h in headers if h[0] not in present)
                if b"cache-control" not in present:
                    raw.append((b"cache-control", b"no-store"))
            await send(message)

        budget = budget_of(scope["method"], scope["path"]) or _anonymous_institution_call(scope)
        if budget is not None:
            wait = self.buckets[budget].take(self._client(scope))
            if wait:
                await self._refuse(scope, retry_after(wait), budget)(scope, receive, send_secured)
                return
        if scope["method"] == "HEAD":  # FastAPI routes answer GET only; uptime monitors send HEAD
            scope = {**scope, "method": "GET"}
            send_secured = _without_body(send_secured)
        await self.app(scope, receive, send_secured)

    def _client(self, scope: Scope) -> str:
        peer = (scope.get("client") or (None,))[0]
        forwarded = None
        if self.settings.trusted_proxies:
            for name, value in scope.get("headers") or ():
                if name == b"x-forwarded-for":  # repeated header lines are one list (RFC 9110)
                    line = value.decode("latin-1")
                    forwarded = line if forwarded is None else f"{forwarded},{line}"
        return client_address(peer, forwarded, self.settings.trusted_proxies)

    def _refuse(self, scope: Scope, seconds: int, budget: str) -> Response:
        what = {"upload": "uploads", "search": "searches"}.get(budget, "look-ups")
        if wants_json(scope["path"]):
            return error_json(429, "rate_limited", f"too many {what} from this client; retry after {seconds} s",
                              {"Retry-After": str(seconds)})
        lang = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[0]
        response = self.too_many_page(lang, seconds)
        response.headers["Retry-After"] = str(seconds)
        return response


def _without_body(send: Callable[[dict[str, Any]], Awaitable[None]]) -> Callable[[dict[str, Any]], Awaitable[None]]:
    async def send_head(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_head


# -- one error shape


def install_error_handlers(app: FastAPI, error_page: Callable[[int, str, str | None], Response]) -> None:
    """``{"code", "detail"}`` for every API error, a Vietnamese page for every page error.

    FastAPI's own validation errors (a list under ``detail``) never reach a client.
    """

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = HTTP_CODES.get(exc.status_code, "http_error")
        extra = dict(exc.headers or {})
        if wants_json(request.url.path):
            detail = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
            return error_json(exc.status_code, code, detail, extra)
        response = error_page(exc.status_code, code, request.query_params.get("lang"))
        response.headers.update(extra)
        return response

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
                             for e in exc.errors())
        if wants_json(request.url.path):
            return error_json(422, "invalid_request", problems or "invalid request")
        return error_page(422, "invalid_request", request.query_params.get("lang"))

    async def internal_error(request: Request, exc: Exception) -> Response:
        # Starlette answers an unhandled exception from its outermost layer, outside PublicEdge:
        # the security headers are set here (HSTS too would need the settings; the others suffice).
        if wants_json(request.url.path):
            response = error_json(500, "internal_error", "the server failed; the error is logged")
        else:
            response = error_page(500, "internal_error", request.query_params.get("lang"))
        for name, value in BASE_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers["cache-control"] = "no-store"
        return response

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, internal_error)
    _document_edge_answers(app)


def _document_edge_answers(app: FastAPI) -> None:
    """Make /openapi.json say what the edge answers on every operation, whoever wrote the route:
    422 ``invalid_request`` as ``{"code", "detail"}`` (FastAPI documents its own list, which no
    client ever gets) and 429 ``rate_limited`` wherever a budget applies."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = build()
        if fresh:
            for path, operations in schema.get("paths", {}).items():
                for method, operation in operations.items():
                    responses = operation.setdefault("responses", {})
                    if "422" in responses:
                        responses["422"] = _error_response("`invalid_request`: a parameter or the body is malformed")
                    if budget_of(method.upper(), path) and "429" not in responses:
                        responses["429"] = _error_response("`rate_limited`: too many requests from this client",
                                                           retry_after=True)
            for unused in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(unused, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _error_response(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description,
                                "content": {"application/json": {"schema": ERROR_BODY_SCHEMA}}}
    if retry_after:
        response["headers"] = {"Retry-After": {"description": "Seconds to wait before trying again",
                                               "schema": {"type": "integer"}}}
    return response


# -- logs without personal data

_DOCUMENT_PATH = re.compile(r"(/v/|/api/v1/verify/|/api/v1/documents/)[^/?\s\"]+")
_QUERY = re.compile(r"\?[^\s\"]*")


def redact(path: str) -> str:
    """A request line fit for a log: no document id, no query string (``/v?id=...``)."""
    return _QUERY.sub("?…", _DOCUMENT_PATH.sub(r"\1…", path))


class RedactAccessLog(logging.Filter):
    """uvicorn's access log, without the client's address and without document ids.

    uvicorn logs ``'%s - "%s %s HTTP/%s" %d'`` with (client, method, path, version, status);
    a document id in a path is a key to a person's transcript, an address is personal data.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            _client, method, path, version, status = args
            record.args = ("-", method, redact(str(path)), version, status)
        return True


def install_log_filter() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactAccessLog) for f in logger.filters):
        logger.addFilter(RedactAccessLog())
