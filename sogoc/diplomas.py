"""``sogoc diplomas issue|correct|reissue|copy``: an authority's diplomas from the import to the
anchored master register, composed from the signer (render, sign) and the registry (intake,
anchoring, register).

Re-runnable like ``sogoc transcripts issue``: the signed PDF under ``<data>/issued-diplomas/...``
is the record that a document was signed; a re-run submits it again (the registry recognises
it), anchors what is pending and enters what is not yet in the register, so nothing is signed,
anchored or entered twice.
"""

from __future__ import annotations

import re
import dataclasses
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

from core.canonical import canonical_json, parse_json
from core.config import Settings
from core.credential import Credential
from core.diploma import CertifiedCopy, Diploma, Signatory
from core.errors import InvalidInput
from registry import register, service
from registry.db import engine_for, make_sessionmaker
from registry.ledger import Ledger
from signer.diplomas import IssuedDocument, issue_certified_copy, issue_diploma, issue_legacy_entry
from signer.importing.store import DiplomaStore
from signer.pki import DevPki
from signer.sign import make_timestamper, make_validation_context
from sogoc.anchoring import ReportKeeper, anchor_once
from sogoc.issue import write_atomically


@dataclass(frozen=True)
class Issued:
    """What a run did: documents in the register of the year, and how many were signed now."""

    entries: list[Any]
    signed: int
    total: int


class DiplomaIssuer:
    """Sign, submit, anchor and enter, as the authority, with the development PKI's director."""

    def __init__(self, settings: Settings, pki: DevPki, signer_title: str = "Giám đốc") -> None:
        self.settings = settings
        self.key = pki.signer_key("director")
        #: Who signs what is issued today (a register extract, a correction, a copy): the key's holder,
        #: so the name printed under the signature is the name in the stamp.
        self.signatory = Signatory(self.key.subject_name, signer_title)
        self.timestamper = make_timestamper(settings.tsa_url or None, pki)
        self.ltv = make_validation_context(pki)  # B-LT, as transcripts: CRLs embedded at signing
        self.sessions = make_sessionmaker(engine_for(settings))
        self.keeper = ReportKeeper(settings)
        self.out = settings.data_dir / "issued-diplomas"

    def _signed(self, path: Path, sign: Callable[[], IssuedDocument]) -> tuple[Credential, bytes, bool]:
        """The document at ``path`` if an earlier run signed it, else signed now and written atomically."""
        from verifier.pdf import extract_credential_json

        if path.exists():
            pdf = path.read_bytes()
            return Credential.from_json(extract_credential_json(pdf) or b""), pdf, False
        issued = sign()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, issued.pdf)
        return issued.credential, issued.pdf, True

    def _submit_and_anchor(self, documents: list[tuple[Credential, bytes]]) -> None:
        with self.sessions() as session:
            for credential, pdf in documents:
                service.submit_document(session, credential, pdf)
        settled = anchor_once(self.settings, keeper=self.keeper)
        if settled.stuck:
            raise InvalidInput("; ".join(f"batch {b}: {e}" for b, e in settled.stuck.items()), code="not_anchored")

    def issue_year(self, store: DiplomaStore, authority: str, year: int, issued_on: str) -> Issued:
        """Every imported diploma of ``authority`` graduating in ``year``: digital ones signed as
        diplomas, legacy ones as register extracts signed today by the key's holder; entered in
        the order of their printed register numbers."""
        diplomas = sorted(store.load(authority, year), key=_register_order)
        documents, signed = [], 0
        for d in diplomas:
            path = self.out / authority / str(year) / f"{d.serial_number.replace(' ', '-')}.pdf"
            if d.is_legacy:
                sign = lambda d=d: issue_legacy_entry(  # noqa: E731
                    d, self.key, self.timestamper, entered_by=self.signatory, entered_on=issued_on,
                    public_base_url=self.settings.public_base_url, ltv=self.ltv)
            else:
                sign = lambda d=d: issue_diploma(d, self.key, self.timestamper, issued_on=issued_on,  # noqa: E731
                                                 public_base_url=self.settings.public_base_url, ltv=self.ltv)
            credential, pdf, new = self._signed(path, sign)
            documents.append((credential, pdf))
            signed += new
        self._submit_and_anchor(documents)
        with self.sessions() as session:
            entries = register.enter(session, [c.id for c, _ in documents], actor_code=authority)
            summary = [(e.year, e.number, e.document_id) for e in entries]
        self.keeper.drop([document_id for _y, _n, document_id in summary])  # stored before they had an entry
        return Issued(summary, signed, len(diplomas))

    def _diploma_of(self, session: Any, document_id: str) -> Diploma:
        credential = Credential.from_json(service.document(session, document_id).credential)
        return Diploma.from_fields(credential.fields)

    def replace(self, ledger: Ledger, old_id: str, decision: str, changes: dict[str, str], issued_on: str,
                *, reissue: bool, actor: str | None = None) -> tuple[str, int, int]:
        """A corrected (or re-issued) diploma for ``old_id``, with ``changes`` (dotted field = value),
        signed, anchored, then recorded: ``supersede`` for a correction. Returns (new id, year, number)."""
        with self.sessions() as session:
            old = self._diploma_of(session, old_id)
            authority = service.document(session, old_id).issuer_code
        # issued digitally today, signed by today's signer (a corrected paper diploma too)
        new = dataclasses.replace(apply_changes(old, changes), legacy=None, signer=self.signatory)
        folder = "reissues" if reissue else "corrections"
        path = self.out / authority / folder / f"{old_id}.pdf"
        credential, pdf, _ = self._signed(path, lambda: issue_diploma(
            new, self.key, self.timestamper, issued_on=issued_on, public_base_url=self.settings.public_base_url,
            ltv=self.ltv))
        self._submit_and_anchor([(credential, pdf)])
        with self.sessions() as session:
            existing = register.entry_of(session, credential.id)
            if existing is None:
                if reissue:
                    existing = register.reissue(session, old_id=old_id, new_id=credential.id, decision=decision,
                                                actor_code=actor or authority)
                else:
                    existing = register.correct(session, ledger, old_id=old_id, new_id=credential.id,
                                                decision=decision, actor_code=actor or authority)
            answer = (credential.id, existing.year, existing.number)
        self.forget_reports(old_id)
        return answer

    def forget_reports(self, document_id: str) -> None:
        """Drop the stored reports of every version and copy of ``document_id``'s diploma: each
        report shows the whole history, so an act on one changes them all (look-ups verify afresh)."""
        with self.sessions() as session:
            versions = register.lineage(session, document_id) or []
        self.keeper.drop(sorted({document_id, *(v["document_id"] for v in versions)}))

    def copy(self, original_id: str, copy_number: str, issued_on: str) -> tuple[str, int, int]:
        """A certified copy (bản sao từ sổ gốc) of the entry of ``original_id``, signed, anchored, entered."""
        with self.sessions() as session:
            doc = service.document(session, original_id)
            entry = register.entry_of(session, original_id)
            if entry is None:
                raise InvalidInput(f"document {original_id} has no register entry", code="unknown_entry")
            problem = register.current_problem(session, entry)
            if problem:
                raise InvalidInput(f"document {original_id} is {problem}: no copy is issued from it", code="not_current")
            diploma = self._diploma_of(session, original_id)
            original_issued_on = Credential.from_json(doc.credential).issued_on
        copy = CertifiedCopy(diploma, original_issued_on, copy_number, self.signatory, original_id)
        path = self.out / diploma.authority.code / "copies" / f"{_slug(copy_number)}.pdf"
        credential, pdf, _ = self._signed(path, lambda: issue_certified_copy(
            copy, self.key, self.timestamper, issued_on=issued_on, public_base_url=self.settings.public_base_url,
            ltv=self.ltv))
        self._submit_and_anchor([(credential, pdf)])
        with self.sessions() as session:
            [entry] = register.enter(session, [credential.id], actor_code=diploma.authority.code)
            answer = (credential.id, entry.year, entry.number)
        self.forget_reports(original_id)
        return answer


def _register_order(d: Diploma) -> tuple:
    """Printed register numbers in their natural order (``0042/THPT-2026`` before ``0101/...``)."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", d.register_number)), d.serial_number


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-")


def apply_changes(diploma: Diploma, changes: dict[str, str]) -> Diploma:
    """``diploma`` with ``changes`` applied: ``holder.full_name=...``, ``graduation_year=2026``...
    The model checks the result as it checks an import."""
    fields = parse_json(canonical_json(diploma.to_fields()))  # a deep copy in plain JSON values
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = fields
        for name in parents:
            if not isinstance(target.get(name), dict):
                raise InvalidInput(f"no field {path!r} in a diploma", code="bad_change")
            target = target[name]
        if last not in target:
            raise InvalidInput(f"no field {path!r} in a diploma", code="bad_change")
        target[last] = int(value) if isinstance(target[last], int) and value.isdigit() else value
    return Diploma.from_fields(fields)


def parse_changes(items: list[str]) -> dict[str, str]:
    """``["holder.full_name=Nguyễn Văn A"]`` -> ``{"holder.full_name": "Nguyễn Văn A"}``."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--set wants FIELD=VALUE, not {item!r}", code="bad_change")
        out[name.strip()] = value.strip()
    return out


def today() -> str:
    return date.today().isoformat()
