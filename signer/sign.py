"""PAdES signatures on transcripts: the homeroom teacher's, then the principal's.

Each signature is an incremental update (the earlier bytes, and so the earlier signature,
stay untouched), SHA-256, PAdES subfilter (``ETSI.CAdES.detached``) with the signer's
certificate chain embedded; with a timestamper each signature carries an RFC 3161
timestamp token (PAdES B-T), so its time does not rest on the signer's clock.

The space reserved for the signature is computed from the certificates instead of letting
pyHanko sign a dummy document first to measure it (which signs everything twice).
"""

from __future__ import annotations

import io
from datetime import datetime

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from signer.errors import SignerError
from signer.keys import SigningKey
from signer.pki import DevPki

TEACHER_FIELD = "GiaoVienChuNhiem"
PRINCIPAL_FIELD = "HieuTruong"
TEACHER_REASON = "Giáo viên chủ nhiệm xác nhận kết quả học tập và rèn luyện"
PRINCIPAL_REASON = "Hiệu trưởng phê duyệt học bạ"

#: Room for a token from an outside TSA, whose certificate chain we cannot know in advance.
_REMOTE_TOKEN_ALLOWANCE = 8192
#: Signed attributes, CMS structure and DER lengths around the certificates and signature.
_CMS_OVERHEAD = 1024


def sign_pdf(pdf: bytes, key: SigningKey, *, field_name: str, timestamper: TimeStamper | None = None,
             reason: str | None = None, location: str | None = None, certify: bool = False) -> bytes:
    """Append one PAdES signature in a new (invisible) field ``field_name``.

    With ``timestamper`` the signature is PAdES B-T, else B-B. ``certify=True`` makes it a
    certification (DocMDP) signature, which must be the document's first.
    """
    meta = PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
        reason=reason, location=location, certify=certify, name=key.subject_name or None,
    )
    pdf_signer = PdfSigner(meta, signer=key.signer, timestamper=timestamper)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        out = pdf_signer.sign_pdf(writer, bytes_reserved=_bytes_reserved(key, timestamper), output=io.BytesIO())
    except TimestampRequestError as e:
        raise SignerError(f"the time-stamping authority did not answer: {e}", code="signing_failed") from e
    except (PdfError, SigningError, ValueError) as e:
        raise SignerError(f"could not sign field {field_name}: {e}", code="signing_failed") from e
    return out.getvalue()


def sign_transcript(pdf: bytes, teacher: SigningKey, principal: SigningKey,
                    timestamper: TimeStamper | None) -> bytes:
    """The homeroom teacher confirms the results, then the principal approves (two updates)."""
    signed = sign_pdf(pdf, teacher, field_name=TEACHER_FIELD, timestamper=timestamper, reason=TEACHER_REASON)
    return sign_pdf(signed, principal, field_name=PRINCIPAL_FIELD, timestamper=timestamper,
                    reason=PRINCIPAL_REASON)


def make_timestamper(tsa_url: str | None, pki: DevPki | None, *,
                     fixed_time: datetime | None = None) -> TimeStamper:
    """An RFC 3161 client for ``tsa_url``, else the development PKI's in-process TSA.

    ``fixed_time`` pins the time of the development TSA's tokens (tests); a real TSA
    decides its own time.
    """
    if tsa_url:
        return HTTPTimeStamper(tsa_url, timeout=10)
    if pki is None:
        raise SignerError("a timestamp needs a TSA URL or the development PKI", code="no_timestamper")
    return pki.timestamper(fixed_time)


def _bytes_reserved(key: SigningKey, timestamper: TimeStamper | None) -> int:
    """Hex digits to reserve for the CMS signature: twice its largest expected size."""
    size = key.embedded_size() + _CMS_OVERHEAD
    if timestamper is not None:
        known = getattr(timestamper, "embedded_size", None)
        size += known() if known else _REMOTE_TOKEN_ALLOWANCE
    return 2 * size
