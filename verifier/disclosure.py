"""The public disclosure (công khai) of an authority's master register: the search page and the
JSON feed and search. docs/disclosure.md says what is shown and why.

The verifier does not know the registry: the composition root gives it a
:class:`DisclosureService`. Searches spend their own per-client budget (verifier.edge,
``disclosure``). The page's form is a POST so that a name and a birth date never travel in a
URL (browser history, a proxy's access log); the JSON search is a GET as APIs are, and the
edge's access log drops every query string. Every miss gets the same answer.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Protocol
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from core.disclosure import BadSearch, DisclosedDiploma, FeedLine, Search
from core.errors import ERROR_BODY_SCHEMA
from core.status import REASON_LABELS, RevocationReason
from verifier import i18n, pages

NO_STORE = {"Cache-Control": "no-store"}
#: Institution codes (SGD-79, PGD-760): anything else is an unknown authority, never a database query.
_AUTHORITY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
NO_ENTRY = {"code": "no_entry", "detail": "no entry of this authority's register matches the search"}
BAD_TONES = {"revoked", "cancelled"}


class DisclosureService(Protocol):
    """What the disclosure pages need from the register; the composition root provides it."""

    def authority_name(self, authority: str) -> str | None:
        """The name of the authority keeping a register under ``authority``, else None."""

    def search(self, authority: str, query: Search) -> list[DisclosedDiploma]:
        """The diplomas ``query`` names exactly in ``authority``'s register ([] for none, and for
        an unknown authority). Holder details only when ``query.identifies_holder``."""

    def feed(self, authority: str, after: int, limit: int) -> list[FeedLine] | None:
        """The authority's acts after ``after``, oldest first, nothing personal; None if unknown."""


def _json(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def _date(iso: str, lang: str) -> str:
    d = date.fromisoformat(iso[:10])
    return d.strftime("%d/%m/%Y") if lang == "vi" else d.isoformat()


def _view(d: DisclosedDiploma, lang: str) -> dict[str, Any]:
    """What the page shows of one diploma, in ``lang``."""
    en = lang == "en"
    acts = []
    for a in d.acts:
        label = None
        if a.reason is not None:
            vi_label, en_label = REASON_LABELS[RevocationReason(a.reason)]
            label = en_label if en else vi_label
        acts.append({**a.__dict__, "date": _date(a.at, lang), "reason_label": label,
                     "tone": "bad" if a.act in BAD_TONES else ("warn" if a.act == "corrected" else "ok")})
    return {**d.__dict__, "acts": acts,
            "birth_date_shown": _date(d.holder_birth_date, lang) if d.holder_birth_date else None}


_EXAMPLE_EVIDENCE = {"kind": "act", "tx_hash": "0x" + "ab" * 32, "block_number": 1042,
                     "root": "0x" + "cd" * 32, "leaf": "0x" + "ef" * 32}
_EXAMPLE_ACTS = [
    {"act": "issued", "at": "2026-07-20T02:00:00Z", "register_year": 2026, "register_line": 3,
     "register_number": "0044/THPT-2026", "reason": None, "decision": None, "related_line": None,
     "related_register_number": None, "evidence": {**_EXAMPLE_EVIDENCE, "kind": "anchor", "block_number": 1001}},
    {"act": "revoked", "at": "2026-09-01T03:00:00Z", "register_year": 2026, "register_line": 3,
     "register_number": "0044/THPT-2026", "reason": 1, "decision": "Quyết định số 90/QĐ-SGDĐT",
     "related_line": None, "related_register_number": None, "evidence": _EXAMPLE_EVIDENCE}]
_EXAMPLE_DIPLOMA = {"authority_code": "SGD-79", "authority_name": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
                    "diploma_type": "THPT", "graduation_year": 2026, "serial_number": "THPT 0123458",
                    "register_number": "0044/THPT-2026", "register_year": 2026, "register_line": 3,
                    "status": "revoked", "legacy": False, "document_id": None, "holder": None, "acts": _EXAMPLE_ACTS}
_SEARCH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The diplomas the search names (at most a few), each with its current register line, "
                         "status and every act with its on-chain evidence. `holder` and `document_id` are null "
                         "unless the search gave a matching date of birth.",
          "content": {"application/json": {"examples": {
              "by serial": {"value": {"diplomas": [_EXAMPLE_DIPLOMA]}},
              "by name and date of birth": {"value": {"diplomas": [{
                  **_EXAMPLE_DIPLOMA, "document_id": "mfrggzdfmztwq2lknnwg23tpoa",
                  "holder": {"full_name": "Thạch Thị Sa Rây", "date_of_birth": "2008-05-05"}}]}}}}}},
    400: {"description": "`bad_search`: neither a serial number nor a full name with a date of birth",
          "content": {"application/json": {"schema": ERROR_BODY_SCHEMA, "example": {
              "code": "bad_search", "detail": "a search by name needs the full name and the date of birth"}}}},
    404: {"description": "`no_entry`: nothing matches. The same answer for every miss (unknown serial, "
                         "another date of birth, another authority).",
          "content": {"application/json": {"schema": ERROR_BODY_SCHEMA, "example": NO_ENTRY}}},
}
_FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Acts oldest first. No names, birth dates or document ids. Next page: `?after=next_after`.",
          "content": {"application/json": {"example": {
              "authority": {"code": "SGD-79", "name": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"},
              "acts": [{"id": 17, "serial_number": "THPT 0123458", **{k: v for k, v in _EXAMPLE_ACTS[1].items()
                                                                      if k != "related_register_number"}}],
              "next_after": 17}}}},
    404: {"description": "`unknown_authority`", "content": {"application/json": {"schema": ERROR_BODY_SCHEMA,
          "example": {"code": "unknown_authority", "detail": "no authority keeps a register under this code"}}}},
}


def create_router(service: DisclosureService) -> APIRouter:
    """``/cong-khai/{authority}`` (the page, and its search by POST) and ``/api/v1/disclosure/...``."""
    router = APIRouter(tags=["disclosure"])

    def name_of(authority: str) -> str | None:
        return service.authority_name(authority) if _AUTHORITY.fullmatch(authority) else None

    def page(authority: str, name: str, lang: str | None, *, status: int = 200, **context: Any) -> HTMLResponse:
        page_lang = i18n.language(lang)
        q = "?lang=en" if page_lang == "en" else ""
        base = f"/cong-khai/{quote(authority, safe='')}"
        html = pages.render("disclosure.html", page_lang, authority_name=name, action=f"{base}/tra-cuu{q}",
                            feed_url=f"/api/v1/disclosure/{quote(authority, safe='')}",
                            switch=f"{base}?lang={'vi' if page_lang == 'en' else 'en'}",
                            **{"outcome": None, "diplomas": [], **context})
        return HTMLResponse(html, status_code=status, headers=NO_STORE)

    def unknown_page(lang: str | None) -> HTMLResponse:
        t = i18n.translator(i18n.language(lang))
        html = pages.render("error.html", i18n.language(lang), code="unknown_authority",
                            title=t["dis.unknown.title"], text=t["dis.unknown.text"])
        return HTMLResponse(html, status_code=404, headers=NO_STORE)

    @router.get("/cong-khai/{authority}", include_in_schema=False)
    def disclosure_page(authority: str, lang: str | None = None) -> Response:
        name = name_of(authority)
        return unknown_page(lang) if name is None else page(authority, name, lang)

    @router.post("/cong-khai/{authority}/tra-cuu", include_in_schema=False)
    async def search_page(authority: str, request: Request, lang: str | None = None) -> Response:
        name = await run_in_threadpool(name_of, authority)
        if name is None:
            return unknown_page(lang)
        form = await request.form(max_files=0, max_fields=8)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        try:
            query = Search.parse(fields.get("serial"), fields.get("name"), fields.get("birth_date"))
        except BadSearch:
            return page(authority, name, lang, status=400, outcome="bad")
        found = await run_in_threadpool(service.search, authority, query)
        if not found:
            return page(authority, name, lang, status=404, outcome="none")
        return page(authority, name, lang, outcome="found",
                    diplomas=[_view(d, i18n.language(lang)) for d in found])

    @router.get("/api/v1/disclosure/{authority}", summary="The disclosure feed of an authority's master register",
                description="Every act of the authority's master register (issued, legacy_entered, corrected, "
                            "revoked, cancelled, reissued, copied), oldest first, each with its decision, ground "
                            "(1-6 for a revocation or cancellation) and on-chain evidence: the act's own "
                            "transaction (`kind: act`) or the anchor of the document it brought in (`anchor`), "
                            "with root and leaf. Nothing personal: no names, birth dates or document ids.",
                responses=_FEED_RESPONSES)
    def feed(authority: str, after: int = Query(0, ge=0, le=2**31 - 1), limit: int = Query(100, ge=1, le=500)) -> Response:
        name = name_of(authority)
        lines = None if name is None else service.feed(authority, after, limit)
        if lines is None:
            return _json({"code": "unknown_authority", "detail": "no authority keeps a register under this code"},
                         404)
        return _json({"authority": {"code": authority, "name": name}, "acts": [line.to_json() for line in lines],
                      "next_after": lines[-1].id if lines else None})

    @router.get("/api/v1/disclosure/{authority}/search", summary="Search an authority's master register",
                description="Exactly one diploma by its serial number (`serial`; spaces and dashes ignored), or "
                            "a person's diplomas by full name and date of birth (`name` and `birth_date`, both "
                            "required; case, spacing and Unicode form ignored, accents not). Exact matches only, "
                            "never a prefix. A serial search shows the holder only with a matching `birth_date`. "
                            "Searches are rate-limited per client (429 `rate_limited`).",
                responses=_SEARCH_RESPONSES)
    def api_search(authority: str, serial: str | None = Query(None, max_length=60),
                   name: str | None = Query(None, max_length=200),
                   birth_date: str | None = Query(None, max_length=10, description="YYYY-MM-DD or DD/MM/YYYY")
                   ) -> Response:
        try:
            query = Search.parse(serial, name, birth_date)
        except BadSearch as e:
            return _json({"code": e.code, "detail": e.detail}, 400)
        found = service.search(authority, query) if _AUTHORITY.fullmatch(authority) else []
        if not found:
            return _json(NO_ENTRY, 404)
        return _json({"diplomas": [d.to_json() for d in found]})

    return router
