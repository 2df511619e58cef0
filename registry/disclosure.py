"""The public disclosure (công khai) read from the master register: the search and the feed.

The search finds register entries of one authority by exact normal forms (core.disclosure),
then shows each diploma found as its whole lineage: the current version's register line and
status, and every act on every version (issued, corrected, revoked, cancelled, re-issued,
copied), each with its on-chain evidence. The feed is the authority's acts with the register
line and the evidence only: nothing personal. docs/disclosure.md says why these fields.

Queries are scoped to one authority, so a search never crosses registers.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.credential import Credential
from core.disclosure import DisclosedAct, DisclosedDiploma, Evidence, FeedLine, Search, name_key
from core.hashes import Hash32
from core.status import EntryKind
from registry import register, service
from registry.models import Document, Institution, RegisterAct, RegisterEntry

#: The most diplomas one search answers (two people of one name and birth date in one
#: authority happen; dozens do not, and must not turn a search into a listing).
MAX_RESULTS = 5
MAX_FEED_PAGE = 500


def authority_name(session: Session, authority_code: str) -> str | None:
    """The authority's name, or None when no authority of that code keeps a register here."""
    found = session.get(Institution, authority_code)
    return found.name if found is not None and found.kind == "authority" else None


def _serial_column():
    """The stored serial in the form :func:`core.disclosure.serial_key` gives (stored serials are
    already capitals with single spaces, see signer.importing.diplomas)."""
    return func.replace(func.replace(RegisterEntry.serial_number, " ", ""), "-", "")


def search(session: Session, authority_code: str, query: Search) -> list[DisclosedDiploma]:
    """The diplomas of ``authority_code``'s register that ``query`` names exactly; [] for none."""
    name = authority_name(session, authority_code)
    if name is None:
        return []
    where = [RegisterEntry.authority_code == authority_code, RegisterEntry.kind != EntryKind.COPY.value]
    if query.serial is not None:
        where.append(_serial_column() == query.serial)
    if query.birth_date is not None:
        where.append(RegisterEntry.holder_birth_date == query.birth_date)
    found = list(session.scalars(select(RegisterEntry).where(*where).order_by(RegisterEntry.id).limit(200)))
    if query.name is not None:  # exact on the normal form, compared here: case-folding is not SQL's to do
        found = [e for e in found if name_key(e.holder_name) == query.name]
    diplomas, seen = [], set()
    for entry in found:
        versions = _versions(session, entry)
        if versions[0].id in seen:  # two versions of one diploma matched: show it once
            continue
        seen.add(versions[0].id)
        diplomas.append(_disclosed(session, name, versions, identified=query.identifies_holder))
        if len(diplomas) == MAX_RESULTS:
            break
    return diplomas


def _versions(session: Session, entry: RegisterEntry) -> list[RegisterEntry]:
    """Every version of ``entry``'s diploma, from the first entry to the current one."""
    first = entry
    while first.kind in register.REPLACING_KINDS and first.refers_to is not None:
        first = first.refers_to
    versions, current = [], first
    while current is not None:
        versions.append(current)
        current = service.replacement_of(session, current)
    return versions


def _disclosed(session: Session, authority_name_: str, versions: list[RegisterEntry], *,
               identified: bool) -> DisclosedDiploma:
    current = versions[-1]
    fields = Credential.from_json(current.document.credential).fields
    revocation = current.document.revocation
    status = "in_force" if revocation is None else ("cancelled" if revocation.cancelled else "revoked")
    acts = register.acts_of(session, [v.id for v in versions])
    lines = [_act(a) for v in versions for a in acts.get(v.id, [])]
    lines.sort(key=lambda a: (a[0], a[1].at))
    return DisclosedDiploma(
        authority_code=current.authority_code, authority_name=authority_name_,
        diploma_type=fields["diploma_type"], graduation_year=int(fields["graduation_year"]),
        serial_number=current.serial_number, register_number=current.register_number,
        register_year=current.year, register_line=current.number, status=status,
        legacy=current.kind == EntryKind.LEGACY.value or bool(fields.get("legacy")),
        holder_name=current.holder_name if identified else None,
        holder_birth_date=current.holder_birth_date if identified else None,
        document_id=current.document_id if identified else None,
        acts=tuple(line for _, line in lines))


def _hex(value: bytes | None) -> str | None:
    return Hash32(value).hex0x if value else None


def _evidence(act: RegisterAct) -> Evidence:
    """The act's own transaction, else the anchor of the document it brought in."""
    if act.tx_hash:
        doc = act.entry.document
        return Evidence("act", _hex(act.tx_hash), act.block_number,
                        _hex(doc.batch.root) if doc.batch else None, _hex(doc.leaf))
    doc: Document = (act.related or act.entry).document
    batch = doc.batch
    return Evidence("anchor", _hex(batch.tx_hash) if batch else None, batch.block_number if batch else None,
                    _hex(batch.root) if batch else None, _hex(doc.leaf))


def _act(act: RegisterAct) -> tuple[int, DisclosedAct]:
    related = act.related
    return act.id, DisclosedAct(
        act=act.act, at=act.at.isoformat(timespec="seconds") + "Z", register_year=act.entry.year,
        register_line=act.entry.number, register_number=act.entry.register_number, reason=act.reason,
        decision=act.decision, related_line=f"{related.year}/{related.number}" if related is not None else None,
        related_register_number=related.register_number if related is not None else None,
        evidence=_evidence(act))


def feed(session: Session, authority_code: str, *, after: int = 0, limit: int = 100) -> list[FeedLine] | None:
    """The authority's acts after ``after``, oldest first, without names, birth dates or document
    ids (:func:`registry.register.disclosure_feed`, stripped); None for an unknown authority."""
    if authority_name(session, authority_code) is None:
        return None
    rows = register.disclosure_feed(session, authority_code, after=after, limit=max(1, min(limit, MAX_FEED_PAGE)))
    out = []
    for r in rows:
        entry, related, evidence = r["entry"], r["related"], r["evidence"]
        by_anchor = related if related is not None else entry
        own = evidence["kind"] == "act"
        out.append(FeedLine(
            id=r["id"], act=r["act"], at=r["at"], register_year=entry["year"], register_line=entry["number"],
            serial_number=entry["serial_number"], register_number=entry["register_number"], reason=r["reason"],
            decision=r["decision"],
            related_line=f"{related['year']}/{related['number']}" if related is not None else None,
            evidence=Evidence(evidence["kind"], evidence["tx_hash"], evidence["block_number"],
                              entry["root"] if own else by_anchor["root"], entry["leaf"] if own else by_anchor["leaf"])))
    return out
