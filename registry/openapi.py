"""OpenAPI descriptions of the registry API's bodies and answers, with examples.

The routes read their bodies themselves (a bulk body is parsed in one pass with orjson, see
registry.intake), so the schemas are written here rather than derived from models.
"""

from __future__ import annotations

from typing import Any

_HASH = {"type": "string", "pattern": "^(0x)?[0-9a-fA-F]{64}$"}
_ID = "mfrggzdfmztwq2lknnwg23tpoa"
_CREDENTIAL_EXAMPLE = {"format": "sogoc.credential/2", "id": _ID, "kind": "transcript", "issuer": "THPT-79-NTMK",
                       "issued_on": "2026-06-05", "salt": "5f0c" * 8, "fields": {"...": "the transcript's content"}}
_ITEM = {"type": "object", "required": ["credential", "pdf_base64", "pdf_sha256"], "additionalProperties": False,
         "properties": {
             "credential": {"type": "object", "description": "The credential embedded in the PDF "
                            "(sogoc.credential/2, docs/credential-format.md); its issuer must be the caller."},
             "pdf_base64": {"type": "string", "format": "byte", "description": "The signed PDF, base64"},
             "pdf_sha256": {**_HASH, "description": "SHA-256 of the PDF as the client computed it; "
                            "a different one is refused (hash_mismatch)"}}}
_ITEM_EXAMPLE = {"credential": _CREDENTIAL_EXAMPLE, "pdf_base64": "JVBERi0xLjcK...",
                 "pdf_sha256": "3b1f" * 16}

SUBMIT_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": _ITEM, "examples": {"transcript": {"value": _ITEM_EXAMPLE}}}}}}
BULK_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "required": ["documents"], "additionalProperties": False,
               "properties": {"documents": {"type": "array", "minItems": 1, "items": _ITEM}}},
    "examples": {"two": {"value": {"documents": [_ITEM_EXAMPLE, {**_ITEM_EXAMPLE, "pdf_sha256": "9a2c" * 16}]}}}}}}}
REVOCATION_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "required": ["reason", "decision"], "additionalProperties": False, "properties": {
        "reason": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 6}, {"type": "string"}],
                   "description": "1 fraud, 2 not_eligible, 3 unauthorized_issuer, 4 altered, 5 lent, 6 issuer_error"},
        "decision": {"type": "string", "minLength": 1, "description": "Reference of the decision, as written"}}},
    "examples": {"issuer_error": {"value": {"reason": "issuer_error", "decision": "Quyết định số 15/QĐ-SGDĐT"}}}}}}}

_ERROR_SCHEMA = {"type": "object", "required": ["code", "detail"], "properties": {
    "code": {"type": "string", "description": "Stable machine-readable code; never changes once released"},
    "detail": {"type": "string", "description": "One sentence in English for a developer"}}}

_AUTH = [(401, "missing_credentials", "send an API key: Authorization: Bearer sgk_..."),
         (401, "invalid_credentials", "this API key is not valid"),
         (401, "revoked_credentials", "this API key was revoked"),
         (401, "expired_credentials", "this API key expired (it was rotated)")]
_INPUT = [(400, "malformed_json", "the body is not JSON"),
          (400, "bad_document", "a document is an object with exactly credential, pdf_base64 and pdf_sha256"),
          (400, "bad_credential", "credential lacks 'salt' (or has an unknown kind)"),
          (400, "bad_base64", "pdf_base64 is not base64"),
          (400, "not_a_pdf", "the file is not a PDF"),
          (400, "bad_hash", "a hash is 64 hex digits"),
          (400, "hash_mismatch", "the PDF's SHA-256 is ..., not the stated ..."),
          (400, "unknown_issuer", "no issuer with code 'THPT-00-X'"),
          (400, "not_an_issuer", "BGDDT does not issue documents"),
          (403, "not_your_issuer", "THPT-79-LHP may not submit documents of THPT-79-NTMK"),
          (403, "issuer_suspended", "THPT-79-NTMK is suspended on the chain"),
          (403, "issuer_not_on_chain", "THPT-79-NTMK is not registered on the chain"),
          (403, "issuer_not_yet_valid", "THPT-79-NTMK may anchor from 1790000000 (unix time) on"),
          (403, "issuer_expired", "THPT-79-NTMK's period ended at 1790000000 (unix time)"),
          (409, "document_conflict", f"document {_ID} was already submitted with other content"),
          (413, "too_large", "the request body exceeds 268435456 bytes"),
          (415, "unsupported_media_type", "send the body as application/json")]
_ACCEPTED = {"document_id": _ID, "state": "pending", "created": True}


def _responses(ok: dict[str, Any], *errors: tuple[int, str, str], ok_status: int = 200,
               extra: dict[int, dict[str, Any]] | None = None) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {ok_status: {"description": "Done", "content": {"application/json": {
        "example": ok}}}}
    by_status: dict[int, list[tuple[str, str]]] = {}
    for status, code, detail in errors:
        by_status.setdefault(status, []).append((code, detail))
    for status, cases in by_status.items():
        out[status] = {"description": ", ".join(f"`{code}`" for code, _ in cases), "content": {"application/json": {
            "schema": _ERROR_SCHEMA,
            "examples": {code: {"value": {"code": code, "detail": detail}} for code, detail in cases}}}}
    for status, value in (extra or {}).items():
        out[status] = value
    return out


SUBMIT_RESPONSES = _responses(_ACCEPTED, *_AUTH, *_INPUT, ok_status=201,
                              extra={200: {"description": "Already stored with the same content (a replay): "
                                           "nothing new written", "content": {"application/json": {
                                               "example": {**_ACCEPTED, "state": "anchored", "created": False}}}}})
BULK_RESPONSES = _responses(
    {"accepted": 2, "created": 1, "existing": 1, "documents": [_ACCEPTED, {**_ACCEPTED, "created": False}]},
    *_AUTH, *[e for e in _INPUT if e[1] in ("malformed_json", "bad_document", "not_an_issuer", "issuer_suspended",
                                           "issuer_not_on_chain", "issuer_not_yet_valid", "issuer_expired",
                                           "too_large", "unsupported_media_type")],
    extra={422: {"description": "`bulk_rejected`: nothing was stored; every bad item is listed",
                 "content": {"application/json": {"example": {
                     "code": "bulk_rejected", "detail": "2 document(s) refused; nothing was stored",
                     "errors": [{"index": 3, "code": "hash_mismatch", "detail": "the PDF's SHA-256 is ..."},
                                {"index": 17, "code": "not_your_issuer", "detail": "..."}]}}}}})
_UNKNOWN = (404, "unknown_document", "no document with this id")
STATUS_RESPONSES = _responses(
    {"document_id": _ID, "issuer": "THPT-79-NTMK", "state": "anchored", "submitted_at": "2026-06-05T02:00:00Z",
     "leaf": "0x" + "ab" * 32, "batch": {"id": 12, "root": "0x" + "cd" * 32, "leaf_count": 420,
                                         "tx_hash": "0x" + "ef" * 32, "block_number": 1234,
                                         "block_time": 1780624800}, "revocation": None},
    *_AUTH, _UNKNOWN)
REVOCATION_RESPONSES = _responses(
    {"document_id": _ID, "reason": 6, "decision_hash": "0x" + "12" * 32, "revoked_by": "SGD-79",
     "tx_hash": "0x" + "34" * 32, "block_number": 1240},
    *_AUTH, _UNKNOWN, (400, "bad_reason", "unknown reason 'x'; one of 1=fraud, ..."),
    (400, "bad_revocation", 'the body is {"reason": ..., "decision": "..."}'),
    (400, "missing_decision", "a revocation needs the reference of its decision"),
    (409, "not_anchored_yet", "revoke it once it is anchored"), (409, "already_revoked", "already revoked"),
    (403, "contract_revert", "the contract refused: RegistryIssuerInactive"),
    (503, "chain_error", "the chain node did not accept the transaction"))
AUDIT_RESPONSES = _responses(
    {"entries": [{"id": 41, "at": "2026-06-05T02:00:00Z", "request_id": "3f2a9c0e", "actor": "THPT-79-LHP",
                  "key_id": "abcdefghijklm", "action": "document.status", "target": _ID, "subject": None,
                  "outcome": "refused", "code": "unknown_document", "count": None}], "next_before": None},
    *_AUTH, (403, "not_an_authority", "THPT-79-NTMK is a school: the audit log is read by authorities"),
    (400, "bad_limit", "limit is between 1 and 500"))

REPLACEMENT_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "required": ["replacement", "decision"], "additionalProperties": False, "properties": {
        "replacement": {"type": "string", "minLength": 26, "maxLength": 26,
                        "description": "Id of the new diploma, submitted and anchored before"},
        "decision": {"type": "string", "minLength": 1, "description": "Reference of the decision, as written"}}},
    "examples": {"correction": {"value": {"replacement": _ID, "decision": "Quyết định số 88/QĐ-SGDĐT"}}}}}}}
REPLACEMENT_RESPONSES = _responses(
    {"document_id": _ID, "replacement": _ID, "entry": {"year": 2026, "number": 7},
     "tx_hash": "0x" + "34" * 32, "block_number": 1250},
    *_AUTH, _UNKNOWN, (400, "bad_replacement", 'the body is {"replacement": "...", "decision": "..."}'),
    (400, "missing_decision", "a correction needs the reference of its decision"),
    (409, "not_anchored_yet", "enter it once it is anchored"), (409, "already_superseded", "already replaced"),
    (409, "not_reissuable", "re-issued only once revoked or cancelled for the issuing body's error"),
    (403, "not_your_document", "the replacement is issued by the entry's authority"),
    (403, "contract_revert", "the contract refused: RegistryUnauthorized"),
    (503, "chain_error", "the chain node did not accept the transaction"))
ENTRIES_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "required": ["documents"], "additionalProperties": False, "properties": {
        "documents": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": "string"},
                      "description": "Anchored diplomas and certified copies, in the order to number them"}}},
    "examples": {"one": {"value": {"documents": [_ID]}}}}}}}
ENTRIES_RESPONSES = _responses(
    {"entries": [{"document_id": _ID, "authority": "SGD-79", "year": 2026, "number": 1, "kind": "original"}]},
    *_AUTH, _UNKNOWN, (400, "bad_entries", 'the body is {"documents": ["..."]}'),
    (409, "not_anchored_yet", "enter it once it is anchored"), (409, "not_current", "no copy of a replaced entry"),
    (403, "not_your_document", "another authority's document"))
