"""Status and reason codes. Values never change once released: clients store them."""

from __future__ import annotations

from enum import Enum, IntEnum


class Verdict(str, Enum):
    """The one-word answer of a verification, worst first in :data:`VERDICT_PRECEDENCE`."""

    VALID = "valid"
    TAMPERED = "tampered"
    UNTRUSTED_SIGNER = "untrusted_signer"
    NOT_ANCHORED = "not_anchored"
    REVOKED = "revoked"  # thu hồi: withdrawn by a decision
    CANCELLED = "cancelled"  # hủy bỏ: declared void from the start by a decision
    SUPERSEDED = "superseded"
    UNKNOWN = "unknown"  # not a document of this registry (no credential in it), or no such id

#: When several checks fail, the verdict is the first failing one in this order: a broken
#: file says nothing trustworthy about anything else, so "tampered" wins.
VERDICT_PRECEDENCE = (
    Verdict.TAMPERED,
    Verdict.UNTRUSTED_SIGNER,
    Verdict.UNKNOWN,
    Verdict.NOT_ANCHORED,
    Verdict.CANCELLED,
    Verdict.REVOKED,
    Verdict.SUPERSEDED,
    Verdict.VALID,
)


class DocumentKind(IntEnum):
    """Kind of document a batch anchors (``kind`` argument of ``anchor``)."""

    TRANSCRIPT = 1  # học bạ
    DIPLOMA = 2  # văn bằng
    EXAM_RECORD = 3  # kết quả thi lưu trữ
    CERTIFIED_COPY = 4  # bản sao từ sổ gốc


class RevocationReason(IntEnum):
    """Grounds for revoking or cancelling (thu hồi, hủy bỏ) a document, Thông tư 21/2019 art. 22.

    0 is never a reason: the contract refuses it.
    """

    FRAUD = 1  # gian lận trong học tập, thi cử, tuyển sinh
    NOT_ELIGIBLE = 2  # người được cấp không đủ điều kiện
    UNAUTHORIZED_ISSUER = 3  # do người không có thẩm quyền cấp
    ALTERED = 4  # bị tẩy xoá, sửa chữa
    LENT = 5  # để cho người khác sử dụng
    ISSUER_ERROR = 6  # do lỗi của cơ quan cấp

    @classmethod
    def parse(cls, text: str) -> "RevocationReason":
        """Accept a code number (``"6"``) or a name (``"issuer_error"``)."""
        from core.errors import InvalidInput

        try:
            return cls(int(text)) if text.strip().isdigit() else cls[text.strip().upper()]
        except (KeyError, ValueError):
            names = ", ".join(f"{r.value}={r.name.lower()}" for r in cls)
            raise InvalidInput(f"unknown reason {text!r}; one of {names}", code="bad_reason") from None


REASON_LABELS = {
    RevocationReason.FRAUD: ("Gian lận trong học tập, thi cử, tuyển sinh", "Fraud in admission, study or exams"),
    RevocationReason.NOT_ELIGIBLE: ("Người được cấp không đủ điều kiện", "Holder was not eligible"),
    RevocationReason.UNAUTHORIZED_ISSUER: ("Do người không có thẩm quyền cấp", "Issued by someone without authority"),
    RevocationReason.ALTERED: ("Bị tẩy xoá, sửa chữa", "Erased or altered"),
    RevocationReason.LENT: ("Để cho người khác sử dụng", "Lent to another person"),
    RevocationReason.ISSUER_ERROR: ("Do lỗi của cơ quan cấp", "Error of the issuing body"),
}


class RegisterAct(str, Enum):
    """One line of a master register's history (sổ gốc): what happened to an entry, by which act.

    The public disclosure (công khai) lists these per authority, each with its on-chain evidence.
    """

    ISSUED = "issued"  # a diploma issued digitally, entered and anchored
    LEGACY_ENTERED = "legacy_entered"  # a paper diploma entered from the paper register
    CORRECTED = "corrected"  # replaced by a corrected diploma (chỉnh sửa), on chain by supersede
    REVOKED = "revoked"  # thu hồi
    CANCELLED = "cancelled"  # hủy bỏ
    REISSUED = "reissued"  # cấp lại after the authority's own error
    COPIED = "copied"  # a certified copy (bản sao từ sổ gốc) was issued from the entry


class EntryKind(str, Enum):
    """What a master-register entry records."""

    ORIGINAL = "original"  # a diploma issued digitally
    LEGACY = "legacy"  # a paper diploma entered from the paper register
    CORRECTION = "correction"  # the corrected diploma that replaces an entry
    REISSUE = "reissue"  # the diploma re-issued in place of one revoked or cancelled for the authority's error
    COPY = "copy"  # a certified copy of an entry


class AnchorState(str, Enum):
    """Where a document stands on its way to the chain."""

    PENDING = "pending"  # accepted, waiting for a batch
    ANCHORING = "anchoring"  # in a sealed batch whose transaction is not yet confirmed
    ANCHORED = "anchored"  # root confirmed on chain; proof published


class CheckStatus(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # could not be checked because an earlier check failed


class CheckCode(str, Enum):
    """Why a verification check passed or failed. Stable: reports and clients keep these."""

    # the file and its credential
    CREDENTIAL_FOUND = "credential_found"
    NO_CREDENTIAL = "no_credential"
    BAD_CREDENTIAL = "bad_credential"
    UNSUPPORTED_FORMAT = "unsupported_format"
    ISSUER_MISMATCH = "issuer_mismatch"
    # signatures
    SIGNATURE_VALID = "signature_valid"
    UNSIGNED = "unsigned"
    SIGNATURE_BROKEN = "signature_broken"
    MODIFIED_AFTER_SIGNING = "modified_after_signing"
    SIGNER_UNTRUSTED = "signer_untrusted"
    SIGNER_NOT_REGISTERED = "signer_not_registered"
    SIGNED_AFTER_ANCHORING = "signed_after_anchoring"
    # anchoring
    ANCHORED = "anchored"
    NO_EVIDENCE = "no_evidence"
    NOT_YET_ANCHORED = "not_yet_anchored"
    PROOF_MISMATCH = "proof_mismatch"
    ROOT_NOT_ON_CHAIN = "root_not_on_chain"
    ANCHORED_BY_OTHER_ISSUER = "anchored_by_other_issuer"
    # status
    IN_FORCE = "in_force"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"
