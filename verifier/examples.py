"""Example reports for the OpenAPI page, one per verdict, in the exact shape of ``sogoc verify --json``.

An HR system integrates from the OpenAPI page alone, so every verdict it can meet is shown
there. These are hand-written illustrations (made-up ids and hashes), built with the real
:class:`~verifier.report.Report` so that their shape cannot drift from the real one.
"""

from __future__ import annotations

from typing import Any

from core.status import REASON_LABELS, CheckCode, CheckStatus, RevocationReason, Verdict
from verifier.report import Check, Report

DOCUMENT_ID = "mfrggzdfmztwq2lknnwg23tpoa"
_H = {name: "0x" + byte * 32 for name, byte in
      (("root", "5e"), ("leaf", "a1"), ("p1", "3c"), ("p2", "d4"), ("tx", "9b"), ("issuer", "7f"),
       ("authority", "2a"), ("cert1", "c1"), ("cert2", "c2"), ("decision", "de"), ("new_leaf", "b7"),
       ("new_root", "e3"))}
PASSED, FAILED, SKIPPED = CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.SKIPPED
C = CheckCode

_DOCUMENT = {
    "format": "sogoc.credential/2", "id": DOCUMENT_ID, "kind": "transcript", "issuer": "THPT-79-NTMK",
    "issued_on": "2026-06-05",
    "fields": {
        "school": {"code": "THPT-79-NTMK", "name": "Trường THPT Nguyễn Thị Minh Khai",
                   "authority": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"},
        "student": {"full_name": "Nguyễn Văn An", "date_of_birth": "2008-03-14", "gender": "Nam"},
        "class_name": "12A1", "school_year": "2025-2026",
        "subjects": [{"subject": "Toán", "term1": "8.5", "term2": "9.0", "year": "8.8"}],
        "learning_result": "Tốt", "conduct": "Tốt", "promotion": "Được lên lớp", "days_absent": 2,
    },
}
_SIGNATURES = [
    {"field": "GVCN", "signer": "Trần Thị Thu Hương", "organization": "Trường THPT Nguyễn Thị Minh Khai",
     "certificate_sha256": _H["cert1"], "intact": True, "trusted": True, "covers_document": True,
     "timestamped": True, "signing_time": "2026-06-05T02:15:00+00:00", "problem": None,
     "certificate_revocation": "checked"},
    {"field": "HieuTruong", "signer": "Nguyễn Văn Đức", "organization": "Trường THPT Nguyễn Thị Minh Khai",
     "certificate_sha256": _H["cert2"], "intact": True, "trusted": True, "covers_document": True,
     "timestamped": True, "signing_time": "2026-06-05T03:40:00+00:00", "problem": None,
     "certificate_revocation": "checked"},
]
_ANCHOR = {
    "leaf": _H["leaf"], "root": _H["root"], "proof": [_H["p1"], _H["p2"]], "block_number": 4242,
    "block_time": 1780630000, "time": "2026-06-05T03:26:40+00:00", "issuer_id": _H["issuer"],
    "authority_id": _H["authority"], "issuer_account": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "tx_hash": _H["tx"], "chain_id": 1337, "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
}


def _checks(status: Check | None, *, anchored: bool = True) -> list[Check]:
    checks = [Check("credential", PASSED, C.CREDENTIAL_FOUND, f"The file carries credential {DOCUMENT_ID}.",
                    details={"document_id": DOCUMENT_ID})]
    checks += [Check("signature", PASSED, C.SIGNATURE_VALID, f"Signed by {s['signer']}; intact and trusted.",
                     details={"field": s["field"], "signer": s["signer"]}) for s in _SIGNATURES]
    if anchored:
        checks.append(Check("anchor", PASSED, C.ANCHORED, "Anchored on chain in block 4242 by THPT-79-NTMK.",
                            details={"root": _H["root"], "block_number": 4242}))
        checks += [Check("signer_registered", PASSED, C.SIGNATURE_VALID,
                         f"The certificate of {s['signer']} is registered for the issuer on chain.",
                         details={"signer": s["signer"]}) for s in _SIGNATURES]
    if status:
        checks.append(status)
    return checks


def _revocation() -> dict[str, Any]:
    reason = RevocationReason.FRAUD
    return {"reason": int(reason), "reason_name": reason.name.lower(), "reason_label": list(REASON_LABELS[reason]),
            "decision": "Quyết định số 123/QĐ-SGDĐT ngày 01/07/2026 của Sở Giáo dục và Đào tạo",
            "decision_hash": _H["decision"], "revoked_at": 1782892800, "time": "2026-07-01T08:00:00+00:00",
            "revoked_by": _H["authority"], "cancelled": False}


def _supersession() -> dict[str, Any]:
    return {"superseded_by": _H["new_leaf"], "in_root": _H["new_root"], "decision_hash": _H["decision"],
            "time": "2026-06-20T02:00:00+00:00"}


def reports() -> dict[Verdict, Report]:
    in_force = Check("status", PASSED, C.IN_FORCE, "Not revoked and not replaced.")
    skipped = Check("status", SKIPPED, C.NO_EVIDENCE, "Not checked: the document's anchor could not be confirmed.")
    revocation, supersession = _revocation(), _supersession()
    tampered_signature = {**_SIGNATURES[1], "intact": False, "problem": "digest mismatch"}
    foreign = {**_SIGNATURES[1], "signer": "Lê Văn Giả", "trusted": False, "problem": "no path to a trusted root",
               "certificate_revocation": "not_checked"}
    return {
        Verdict.VALID: Report(Verdict.VALID, DOCUMENT_ID, _checks(in_force), _DOCUMENT, _SIGNATURES, _ANCHOR),
        Verdict.REVOKED: Report(Verdict.REVOKED, DOCUMENT_ID, _checks(Check(
            "status", FAILED, C.REVOKED, "Revoked: Fraud in admission, study or exams.", Verdict.REVOKED, revocation)),
            _DOCUMENT, _SIGNATURES, _ANCHOR, revocation=revocation),
        Verdict.CANCELLED: Report(Verdict.CANCELLED, DOCUMENT_ID, _checks(Check(
            "status", FAILED, C.CANCELLED, "Cancelled: Fraud in admission, study or exams.", Verdict.CANCELLED,
            {**revocation, "cancelled": True})), _DOCUMENT, _SIGNATURES, _ANCHOR,
            revocation={**revocation, "cancelled": True}),
        Verdict.SUPERSEDED: Report(Verdict.SUPERSEDED, DOCUMENT_ID, _checks(Check(
            "status", FAILED, C.SUPERSEDED, "Replaced by a corrected document.", Verdict.SUPERSEDED, supersession)),
            _DOCUMENT, _SIGNATURES, _ANCHOR, supersession=supersession),
        Verdict.TAMPERED: Report(Verdict.TAMPERED, DOCUMENT_ID, [
            _checks(None, anchored=False)[0], _checks(None, anchored=False)[1],
            Check("signature", FAILED, C.SIGNATURE_BROKEN,
                  "The signature of Nguyễn Văn Đức does not match the file: it was altered.", Verdict.TAMPERED,
                  {"field": "HieuTruong", "signer": "Nguyễn Văn Đức", "problem": "digest mismatch"}),
            Check("anchor", FAILED, C.PROOF_MISMATCH, "This file's hash is not in the anchored batch: the file is "
                  "not the one that was issued.", Verdict.NOT_ANCHORED, {"leaf": _H["leaf"]}), skipped],
            _DOCUMENT, [_SIGNATURES[0], tampered_signature]),
        Verdict.NOT_ANCHORED: Report(Verdict.NOT_ANCHORED, DOCUMENT_ID, _checks(None, anchored=False) + [
            Check("anchor", FAILED, C.NOT_YET_ANCHORED, "The document is waiting for its batch to be anchored.",
                  Verdict.NOT_ANCHORED), skipped], _DOCUMENT, _SIGNATURES),
        Verdict.UNTRUSTED_SIGNER: Report(Verdict.UNTRUSTED_SIGNER, DOCUMENT_ID, [
            _checks(None, anchored=False)[0], _checks(None, anchored=False)[1],
            Check("signature", FAILED, C.SIGNER_UNTRUSTED, "The certificate of Lê Văn Giả does not lead to a "
                  "trusted root.", Verdict.UNTRUSTED_SIGNER, {"field": "HieuTruong", "signer": "Lê Văn Giả",
                                                              "problem": "no path to a trusted root"})],
            _DOCUMENT, [_SIGNATURES[0], foreign]),
        Verdict.UNKNOWN: Report(Verdict.UNKNOWN, None, [
            Check("credential", FAILED, C.NO_CREDENTIAL, "The file carries no Sổ Gốc credential: it was not "
                  "issued through this registry.", Verdict.UNKNOWN),
            Check("signature", FAILED, C.UNSIGNED, "The file has no digital signature.", Verdict.TAMPERED)]),
    }


def openapi_examples(*, withhold_private: bool = False) -> dict[str, dict[str, Any]]:
    """``examples`` for an OpenAPI media type: one per verdict."""
    return {verdict.value: {"summary": f"status: {verdict.value}",
                            "value": report.to_json(withhold_private=withhold_private)}
            for verdict, report in reports().items()}
