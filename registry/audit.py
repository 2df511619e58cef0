"""The audit log: one append-only line per action, refused ones included.

A successful action writes its line in the same transaction as its effect, so neither exists
without the other. A refused action's work is rolled back and its line written afterwards in a
transaction of its own (:func:`record_refusal`). Lines hold ids and codes, never names, document
content or decision texts. The table refuses UPDATE and DELETE by triggers (registry.models).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, SogocError
from registry.errors import NotAnAuthority
from registry.models import AuditEntry, Document, Institution
from registry.permissions import MINISTRY, may_read_audit

#: A client's X-Request-ID is kept if it looks like an id (no spaces, no markup, bounded length).
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
#: The most lines one page of GET /api/v1/audit returns.
MAX_PAGE = 500


def request_id(given: str | None) -> str:
    """The client's request id if well-formed, else a new one."""
    return given if given is not None and _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


@dataclass(frozen=True)
class Acting:
    """Who performs an action, and under which request: every audit line names both."""

    actor_code: str | None  # None: not authenticated
    key_id: str | None  # the API key, or "cli" on the registry's own host
    request_id: str

    @classmethod
    def cli(cls, actor_code: str | None = None) -> "Acting":
        return cls(actor_code, "cli", "cli-" + uuid.uuid4().hex)

    def line(self, action: str, *, target: str | None = None, subject: str | None = None,
             error: SogocError | None = None, count: int | None = None) -> AuditEntry:
        return AuditEntry(request_id=self.request_id, actor_code=self.actor_code, key_id=self.key_id,
                          action=action, target=target, subject_code=subject,
                          outcome="refused" if error else "ok", code=error.code if error else None, count=count)


def record_refusal(sessions: Callable[[], Session], acting: Acting, action: str, error: SogocError, *,
                   target: str | None = None, subject: str | None = None) -> None:
    """Write the line of a refused action in its own transaction (the action's was rolled back).

    A refusal that names an existing document is the document's issuer's business too: its
    subject is that issuer, so the issuer's authority reads the attempt in its log."""
    with sessions() as session:
        if subject is None and target is not None:
            document = session.get(Document, target)
            subject = document.issuer_code if document is not None else None
        session.add(acting.line(action, target=target, subject=subject, error=error))
        session.commit()


@dataclass(frozen=True)
class AuditQuery:
    """Filters of GET /api/v1/audit; newest first, ``before`` is the paging cursor (an entry id)."""

    action: str | None = None
    outcome: str | None = None
    actor: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    limit: int = 100


def entries(session: Session, reader: Institution, query: AuditQuery) -> list[AuditEntry]:
    """The lines ``reader`` may see that match ``query``: an authority's own and its schools',
    where they acted or were acted upon; the Ministry's, all."""
    if not may_read_audit(reader):
        raise NotAnAuthority(f"{reader.code} is a school: the audit log is read by authorities and the Ministry")
    if not 1 <= query.limit <= MAX_PAGE:
        raise InvalidInput(f"limit is between 1 and {MAX_PAGE}", code="bad_limit")
    stmt = select(AuditEntry)
    if reader.kind != MINISTRY:
        scope = [reader.code, *session.scalars(select(Institution.code).where(Institution.parent_code == reader.code))]
        stmt = stmt.where(or_(AuditEntry.actor_code.in_(scope), AuditEntry.subject_code.in_(scope)))
    filters: dict[str, Any] = {"action": query.action, "outcome": query.outcome, "actor_code": query.actor,
                               "target": query.target}
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(AuditEntry, column) == value)
    if query.since is not None:
        stmt = stmt.where(AuditEntry.at >= query.since)
    if query.until is not None:
        stmt = stmt.where(AuditEntry.at < query.until)
    if query.before is not None:
        stmt = stmt.where(AuditEntry.id < query.before)
    return list(session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(query.limit)))


def to_json(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.isoformat() + "Z", "request_id": entry.request_id,
            "actor": entry.actor_code, "key_id": entry.key_id, "action": entry.action, "target": entry.target,
            "subject": entry.subject_code, "outcome": entry.outcome, "code": entry.code, "count": entry.count}
