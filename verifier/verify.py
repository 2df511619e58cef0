"""The verification of one PDF: every check, then one verdict.

Trust comes from two places only: the configured root certificates (for the PAdES signatures)
and the chain (for the anchor, the issuer and the status). The evidence source supplies the
Merkle proof, which is checked here; a document's data never comes from the registry.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Protocol, Sequence

from core.canonical import canonical_json
from core.chain import InstitutionRecord, LeafStatus, Reply
from core.credential import Credential
from core.errors import InvalidInput
from core.hashes import Hash32, institution_id, sha256
from core.merkle import process_proof
from core.status import REASON_LABELS, CheckCode, CheckStatus, RevocationReason, Verdict
from verifier.accreditation import AccreditationReader, names_by_id
from verifier.evidence import Evidence, EvidenceSource
from verifier.pdf import SignatureReport, read_pdf
from verifier.report import Check, Report, verdict_of

PASSED, FAILED, SKIPPED = CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.SKIPPED
#: A credential is about 2 KB; anything much larger embedded under its name is hostile.
MAX_CREDENTIAL_BYTES = 64 * 1024
#: Tolerance between a time-stamp authority's clock and the chain's block time.
CLOCK_SKEW_SECONDS = 300


class ChainView(Protocol):
    """What the verifier reads from the chain (core.chain.RegistryReader provides it)."""

    def credential_status(self, root: Hash32, leaf: Hash32) -> LeafStatus: ...

    def is_certificate_valid(self, issuer_id: Hash32, fingerprint: Hash32, at: int) -> bool: ...

    def status_with_certificates(self, root: Hash32, leaf: Hash32, certificates: Sequence[tuple[Hash32, Hash32, int]]
                                 ) -> tuple[LeafStatus, list[Reply]]:
        """``credential_status`` and each ``is_certificate_valid(issuer, fingerprint, at)`` in one
        round trip; each certificate's answer given or raised by ``Reply.value()``."""

    def institution(self, institution_id: Hash32) -> InstitutionRecord: ...

    def ministry_account(self) -> str: ...


class Verifier:
    def __init__(self, chain: ChainView, trust_roots: Sequence[Any], evidence: EvidenceSource) -> None:
        self.chain = chain
        self.trust_roots = list(trust_roots)
        self.evidence = evidence
        self.accreditation = AccreditationReader(chain)

    def verify_pdf(self, pdf: bytes) -> Report:
        """Check one PDF. Raises InvalidInput only if the bytes are not a PDF at all."""
        raw_credential, signatures = read_pdf(pdf, self.trust_roots)  # one parse for both
        checks: list[Check] = []
        credential = self._credential(raw_credential, checks)
        checks += self._signature_checks(signatures)
        if credential is None:
            # no credential at all: not a document of this registry, whatever its signatures say
            unknown = any(c.code in (CheckCode.NO_CREDENTIAL, CheckCode.UNSUPPORTED_FORMAT) for c in checks)
            return Report(Verdict.UNKNOWN if unknown else verdict_of(checks), None, checks,
                          signatures=_signatures_json(signatures))
        report_parts: dict[str, Any] = {}
        checks += self._chain_checks(credential, sha256(pdf), signatures, report_parts)
        return Report(
            status=verdict_of(checks),
            document_id=credential.id,
            checks=checks,
            document={**credential.header(), "fields": dict(credential.fields)},
            signatures=_signatures_json(signatures),
            **report_parts,
        )

    # -- checks

    def _credential(self, raw: bytes | None, checks: list[Check]) -> Credential | None:
        if raw is not None and len(raw) > MAX_CREDENTIAL_BYTES:
            checks.append(Check("credential", FAILED, CheckCode.BAD_CREDENTIAL,
                                f"The embedded credential is larger than {MAX_CREDENTIAL_BYTES} bytes.", Verdict.TAMPERED))
            return None
        if raw is None:
            checks.append(Check("credential", FAILED, CheckCode.NO_CREDENTIAL,
                                "The file carries no Sổ Gốc credential: it was not issued through this registry.",
                                Verdict.UNKNOWN))
            return None
        try:
            credential = Credential.from_json(raw)  # refuses content without a canonical form
        except InvalidInput as e:
            if e.code == "unsupported_format":  # another version of the format: not evidence of tampering
                checks.append(Check("credential", FAILED, CheckCode.UNSUPPORTED_FORMAT,
                                    f"The embedded credential is in a format this verifier does not read: {e.detail}",
                                    Verdict.UNKNOWN))
            else:
                checks.append(Check("credential", FAILED, CheckCode.BAD_CREDENTIAL,
                                    f"The embedded credential is malformed: {e.detail}", Verdict.TAMPERED))
            return None
        school = credential.fields.get("school")
        named = school.get("code") if isinstance(school, dict) else credential.issuer
        if named != credential.issuer:
            checks.append(Check("credential", FAILED, CheckCode.ISSUER_MISMATCH,
                                f"The document names school {named!r} but was issued by {credential.issuer}.",
                                Verdict.UNTRUSTED_SIGNER, {"issuer": credential.issuer, "named": named}))
        else:
            checks.append(Check("credential", PASSED, CheckCode.CREDENTIAL_FOUND,
                                f"The file carries credential {credential.id}.", details={"document_id": credential.id}))
        return credential

    @staticmethod
    def _signature_checks(signatures: list[SignatureReport]) -> list[Check]:
        if not signatures:
            return [Check("signature", FAILED, CheckCode.UNSIGNED, "The file has no digital signature.",
                          Verdict.TAMPERED)]
        checks = []
        for s in signatures:
            who = {"field": s.field_name, "signer": s.signer_name}
            if not s.intact:
                checks.append(Check("signature", FAILED, CheckCode.SIGNATURE_BROKEN,
                                    f"The signature of {s.signer_name} does not match the file: it was altered.",
                                    Verdict.TAMPERED, {**who, "problem": s.problem}))
            elif not s.covers_document:
                checks.append(Check("signature", FAILED, CheckCode.MODIFIED_AFTER_SIGNING,
                                    f"The file was changed after {s.signer_name} signed it.",
                                    Verdict.TAMPERED, {**who, "problem": s.problem}))
            elif not s.trusted:
                checks.append(Check("signature", FAILED, CheckCode.SIGNER_UNTRUSTED,
                                    f"The certificate of {s.signer_name} does not lead to a trusted root.",
                                    Verdict.UNTRUSTED_SIGNER, {**who, "problem": s.problem}))
            else:
                checks.append(Check("signature", PASSED, CheckCode.SIGNATURE_VALID,
                                    f"Signed by {s.signer_name}; intact and trusted.", details=who))
        return checks

    def _chain_checks(self, credential: Credential, pdf_hash: Hash32, signatures: list[SignatureReport],
                      out: dict[str, Any]) -> list[Check]:
        leaf = credential.leaf(pdf_hash)
        evidence = self.evidence.evidence(credential.id)
        if evidence is None or evidence.root is None:
            code = CheckCode.NO_EVIDENCE if evidence is None else CheckCode.NOT_YET_ANCHORED
            message = ("No anchoring proof is known for this document." if evidence is None
                       else "The document is waiting for its batch to be anchored.")
            return [Check("anchor", FAILED, code, message, Verdict.NOT_ANCHORED), _skipped("status")]
        root = process_proof(leaf, evidence.proof)
        if root != evidence.root:
            return [Check("anchor", FAILED, CheckCode.PROOF_MISMATCH,
                          "This file's hash is not in the anchored batch: the file is not the one that was issued.",
                          Verdict.NOT_ANCHORED, {"leaf": leaf.hex0x}), _skipped("status")]
        # the signers' registrations are asked with the status, in one round trip to the node,
        # for the issuer the document names: the only one whose answers are used (checked below)
        issuer = institution_id(credential.issuer)
        asked = [(issuer, s.signer_cert_sha256, at) for s in signatures if (at := _timestamp_of(s)) is not None]
        status, replies = self.chain.status_with_certificates(root, leaf, asked)
        if not status.anchored:
            return [Check("anchor", FAILED, CheckCode.ROOT_NOT_ON_CHAIN,
                          "The batch root is not recorded on the chain.", Verdict.NOT_ANCHORED,
                          {"root": root.hex0x}), _skipped("status")]
        if status.issuer_id != institution_id(credential.issuer):
            return [Check("anchor", FAILED, CheckCode.ANCHORED_BY_OTHER_ISSUER,
                          f"The batch was anchored by another institution than {credential.issuer}.",
                          Verdict.NOT_ANCHORED, {"root": root.hex0x}), _skipped("status")]
        out["anchor"] = {
            "leaf": leaf.hex0x, "root": root.hex0x, "proof": [p.hex0x for p in evidence.proof],
            "block_number": status.anchored_block, "block_time": status.anchored_at,
            "time": _iso(status.anchored_at), "issuer_id": status.issuer_id.hex0x,
            "authority_id": status.authority_id.hex0x, "issuer_account": status.issuer_account,
            "tx_hash": (evidence.anchor or {}).get("tx_hash"),
            "chain_id": (evidence.anchor or {}).get("chain_id"),
            "contract": (evidence.anchor or {}).get("contract"),
        }
        out["accreditation"] = self._accreditation(credential, status, evidence)
        checks = [Check("anchor", PASSED, CheckCode.ANCHORED,
                        f"Anchored on chain in block {status.anchored_block} by {credential.issuer}.",
                        details={"root": root.hex0x, "block_number": status.anchored_block})]
        checks += self._registered_signers(status, signatures, dict(zip(asked, replies)))
        checks.append(self._status(status, evidence.revocation, out))
        if evidence.history:
            out["history"] = self._history(credential, leaf, evidence.history, out)
        return checks

    def _history(self, credential: Credential, leaf: Hash32, versions: Sequence[dict[str, Any]],
                 out: dict[str, Any]) -> dict[str, Any]:
        """Each version's status as the chain says it, which one is current, and the replacement
        of a superseded document named by its id (the chain names only its leaf)."""
        issuer = institution_id(credential.issuer)
        rows, by_leaf = [], {}
        for v in versions:
            status = self.chain.credential_status(v["root"], v["leaf"]) if v.get("root") else None
            state = _state_of(status, issuer)
            by_leaf[v["leaf"]] = v["document_id"]
            rows.append({"document_id": v["document_id"], "kind": v.get("kind"), "year": v.get("year"),
                         "number": v.get("number"), "register_number": v.get("register_number"),
                         "refers_to": v.get("refers_to"), "decision": v.get("decision"), "state": state,
                         "this": v["leaf"] == leaf and v["document_id"] == credential.id,
                         "acts": v.get("acts") or [],
                         "anchored_at": _iso(status.anchored_at) if status and status.anchored else None,
                         "superseded_by_leaf": status.superseded_by.hex0x if status and any(status.superseded_by)
                         else None})
        for row in rows:
            replacement = row.pop("superseded_by_leaf")
            if replacement:
                row["replaced_by"] = by_leaf.get(Hash32.from_hex(replacement))
        main = [r for r in rows if r["kind"] != "copy"]
        current = main[-1] if main and main[-1]["state"] == "in_force" else None
        if out.get("supersession") is not None:
            replacement = by_leaf.get(Hash32.from_hex(out["supersession"]["superseded_by"]))
            if replacement:
                out["supersession"]["document_id"] = replacement
        return {"versions": rows, "current_document_id": current["document_id"] if current else None}

    def _accreditation(self, credential: Credential, status: LeafStatus, evidence: Evidence) -> list[dict[str, Any]]:
        """Ministry -> authority -> school from the chain, named by the registry or by the document."""
        names, ministry = names_by_id(evidence.institutions)
        school = credential.fields.get("school")
        school = school if isinstance(school, dict) else {}
        if school.get("name"):
            names.setdefault(institution_id(credential.issuer), str(school["name"]))
        authority = str(school["authority"]) if school.get("authority") else None
        return self.accreditation.chain_of(status.issuer_id, status.anchored_at, names, ministry, authority)

    def _registered_signers(self, status: LeafStatus, signatures: list[SignatureReport],
                            answers: dict[tuple[Hash32, Hash32, int], Reply]) -> list[Check]:
        """Each signing certificate must be registered on chain for the issuer when it signed.

        "When" is the trusted time-stamp, never the time the signer claims (a former principal
        could backdate into an expired window); without a time-stamp, the anchoring time, which
        the chain proves the signed file already existed at. ``answers`` are the registrations
        already read with the status (the time-stamped signers'); the others are asked here.
        """
        checks = []
        for s in signatures:
            if not (s.intact and s.trusted):
                continue
            at = _timestamp_of(s)
            at = status.anchored_at if at is None else at
            asked = answers.get((status.issuer_id, s.signer_cert_sha256, at))
            if at > status.anchored_at + CLOCK_SKEW_SECONDS:
                checks.append(Check("signer_registered", FAILED, CheckCode.SIGNED_AFTER_ANCHORING,
                                    f"{s.signer_name} signed after the document was anchored.", Verdict.TAMPERED,
                                    {"signer": s.signer_name, "signing_time": _iso(at)}))
            elif (asked.value() if asked is not None
                  else self.chain.is_certificate_valid(status.issuer_id, s.signer_cert_sha256, at)):
                checks.append(Check("signer_registered", PASSED, CheckCode.SIGNATURE_VALID,
                                    f"The certificate of {s.signer_name} is registered for the issuer on chain.",
                                    details={"signer": s.signer_name}))
            else:
                checks.append(Check("signer_registered", FAILED, CheckCode.SIGNER_NOT_REGISTERED,
                                    f"The certificate of {s.signer_name} is not registered on chain for this issuer.",
                                    Verdict.UNTRUSTED_SIGNER, {"signer": s.signer_name,
                                                               "fingerprint": s.signer_cert_sha256.hex0x}))
        return checks

    @staticmethod
    def _status(status: LeafStatus, claimed: dict[str, Any] | None, out: dict[str, Any]) -> Check:
        if status.revoked:
            return _revocation(status, claimed, out)
        if any(status.superseded_by):
            out["supersession"] = {"superseded_by": status.superseded_by.hex0x,
                                   "in_root": status.superseded_in_root.hex0x,
                                   "decision_hash": status.supersede_decision.hex0x,
                                   "time": _iso(status.superseded_at)}
            return Check("status", FAILED, CheckCode.SUPERSEDED,
                         "Replaced by a corrected document.", Verdict.SUPERSEDED, out["supersession"])
        return Check("status", PASSED, CheckCode.IN_FORCE, "Not revoked and not replaced.")


def _revocation(status: LeafStatus, claimed: dict[str, Any] | None, out: dict[str, Any]) -> Check:
    """A revocation (thu hồi) or a cancellation (hủy bỏ), as the chain records it."""
    reason = RevocationReason(status.revocation_reason) if status.revocation_reason in RevocationReason._value2member_map_ else None
    decision_text = None
    if claimed and claimed.get("decision") and sha256(canonical_json(claimed["decision"])) == status.revocation_decision:
        decision_text = claimed["decision"]  # the registry's text, proven by the hash on chain
    out["revocation"] = {
        "reason": status.revocation_reason,
        "reason_name": reason.name.lower() if reason else None,
        "reason_label": REASON_LABELS[reason] if reason else None,
        "decision": decision_text, "decision_hash": status.revocation_decision.hex0x,
        "revoked_at": status.revoked_at, "time": _iso(status.revoked_at),
        "revoked_by": status.revoked_by.hex0x,
        "cancelled": status.cancelled,
    }
    label = REASON_LABELS[reason][1] if reason else f"reason {status.revocation_reason}"
    if status.cancelled:
        return Check("status", FAILED, CheckCode.CANCELLED, f"Cancelled: {label}.", Verdict.CANCELLED,
                     out["revocation"])
    return Check("status", FAILED, CheckCode.REVOKED, f"Revoked: {label}.", Verdict.REVOKED,
                 out["revocation"])


def _state_of(status: LeafStatus | None, issuer: Hash32) -> str:
    """``in_force``, ``superseded``, ``revoked``, ``cancelled`` or ``not_anchored`` (also: anchored
    by another issuer than the diploma's authority, whose records say nothing about it)."""
    if status is None or not status.anchored or status.issuer_id != issuer:
        return "not_anchored"
    if status.revoked:
        return "cancelled" if status.cancelled else "revoked"
    return "superseded" if any(status.superseded_by) else "in_force"


def _timestamp_of(s: SignatureReport) -> int | None:
    """The trusted time-stamp's time of an intact, trusted signature; None for any other."""
    if s.intact and s.trusted and s.timestamped and s.signing_time:
        return int(s.signing_time.timestamp())
    return None


def _skipped(name: str) -> Check:
    return Check(name, SKIPPED, CheckCode.NO_EVIDENCE, "Not checked: the document's anchor could not be confirmed.")


def _iso(ts: int) -> str | None:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat() if ts else None


def _signatures_json(signatures: list[SignatureReport]) -> list[dict[str, Any]]:
    return [{
        "field": s.field_name, "signer": s.signer_name, "organization": s.signer_organization,
        "certificate_sha256": s.signer_cert_sha256.hex0x if s.signer_cert_sha256 else None,  # unreadable: none
        "intact": s.intact, "trusted": s.trusted,
        "covers_document": s.covers_document, "timestamped": s.timestamped,
        "signing_time": s.signing_time.isoformat() if s.signing_time else None, "problem": s.problem,
        "trust_root": s.trust_root,
        "certificate_revocation": s.certificate_revocation,  # the signer's certificate: checked, not_checked or revoked
    } for s in signatures]
