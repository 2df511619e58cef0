"""Errors with stable, machine-readable codes.

Every package derives its own errors from :class:`SogocError`; the HTTP layer maps a
code to a status and the body ``{"code": ..., "detail": ...}``; the CLI prints the
code and the message. A code never changes once released: clients match on it.
"""

from __future__ import annotations


#: JSON Schema of the body of every API error, as the OpenAPI documents name it.
ERROR_BODY_SCHEMA = {"type": "object", "required": ["code", "detail"], "properties": {
    "code": {"type": "string", "description": "Stable machine-readable code; never changes once released"},
    "detail": {"type": "string", "description": "One sentence in English for a developer"}}}


class SogocError(Exception):
    """Base of every error the project raises on purpose."""

    code: str = "error"
    #: HTTP status the API answers with when this error reaches it.
    http_status: int = 400

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"[{self.code}] {self.detail}"

    def to_json(self) -> dict[str, object]:
        """The API's error body; a subclass may add fields beside the two every client can rely on."""
        return {"code": self.code, "detail": self.detail}


class InvalidInput(SogocError):
    """Data that breaks the format: a clerk or a client can fix it."""

    code = "invalid_input"


class CanonicalFormError(InvalidInput):
    """A value that has no canonical JSON form (floats, huge integers, odd types)."""

    code = "canonical_form"


class NotFound(SogocError):
    code = "not_found"
    http_status = 404


class UnknownDocument(NotFound):
    """No document with this id; malformed and unknown ids get the same answer (no enumeration)."""

    code = "unknown_document"


class Forbidden(SogocError):
    code = "forbidden"
    http_status = 403


class Conflict(SogocError):
    code = "conflict"
    http_status = 409


class ChainError(SogocError):
    """The chain node is unreachable, answered oddly, or refused a transaction."""

    code = "chain_error"
    http_status = 503


class ConfigurationError(SogocError):
    code = "configuration"
    http_status = 500
