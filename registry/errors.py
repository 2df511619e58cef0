"""Registry errors: each a stable code a clerk's software can match on."""

from core.errors import Conflict, Forbidden, InvalidInput, NotFound, SogocError


class UnknownInstitution(NotFound):
    code = "unknown_institution"


class NotYourDocument(Forbidden):
    code = "not_your_document"


class DocumentConflict(Conflict):
    code = "document_conflict"


class NotAnchoredYet(Conflict):
    code = "not_anchored_yet"


class AlreadyRevoked(Conflict):
    code = "already_revoked"


class AlreadySuperseded(Conflict):
    """The document was replaced by a correction or a re-issue: act on the current version."""

    code = "already_superseded"


class RegisterError(Conflict):
    """A master-register act that the register's state does not allow: ``not_current`` (copying
    a replaced, revoked or cancelled entry), ``unknown_entry``, ``not_reissuable``, or a write
    that met another one for the same number (``register_busy``)."""

    code = "register_busy"


class SchemaError(SogocError):
    """The database's schema cannot be brought to the one this registry needs."""

    code = "schema_error"
    http_status = 500


class DatabaseNotMigrated(SchemaError):
    """The database is not at the newest revision, and this process may not upgrade it (production)."""

    code = "database_not_migrated"


class Unauthenticated(SogocError):
    """No credentials, or credentials that do not open any door. Codes: ``missing_credentials``,
    ``invalid_credentials``, ``revoked_credentials``, ``expired_credentials``."""

    code = "invalid_credentials"
    http_status = 401


class NotAnAuthority(Forbidden):
    """An action of authorities (or the Ministry) asked by a school."""

    code = "not_an_authority"


class NotYourIssuer(Forbidden):
    """A document submitted under another institution's issuer code."""

    code = "not_your_issuer"


class UnknownIssuer(InvalidInput):
    """A credential names an issuer this registry does not know."""

    code = "unknown_issuer"


class IssuerInactive(Forbidden):
    """The contract would refuse the anchor: ``issuer_not_on_chain``, ``issuer_suspended``,
    ``issuer_not_yet_valid``, ``issuer_expired``. Refused at intake, before an anchor is wasted."""

    code = "issuer_inactive"


class PayloadTooLarge(InvalidInput):
    code = "too_large"
    http_status = 413


class BulkRejected(InvalidInput):
    """A bulk submission with bad items: nothing of it is stored; ``errors`` lists every bad item."""

    code = "bulk_rejected"
    http_status = 422

    def __init__(self, detail: str, errors: list[dict[str, object]]) -> None:
        super().__init__(detail)
        self.errors = errors

    def to_json(self) -> dict[str, object]:
        return {**super().to_json(), "errors": self.errors}
