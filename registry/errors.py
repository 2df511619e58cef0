"""Registry errors: each a stable code a clerk's software can match on."""

from core.errors import Conflict, Forbidden, NotFound


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
