"""Registry errors: each a stable code a clerk's software can match on."""

from core.errors import Conflict, Forbidden, NotFound, SogocError


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


class SchemaError(SogocError):
    """The database's schema cannot be brought to the one this registry needs."""

    code = "schema_error"
    http_status = 500


class DatabaseNotMigrated(SchemaError):
    """The database is not at the newest revision, and this process may not upgrade it (production)."""

    code = "database_not_migrated"
