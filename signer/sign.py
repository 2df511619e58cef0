"""PAdES signatures: on transcripts the homeroom teacher's, then the principal's; on a diploma or a
certified copy, the authority's signer's alone (:func:`sign_alone`).

Each signature is an incremental update (the earlier bytes, and so the earlier signature,
stay untouched), SHA-256, PAdES subfilter (``ETSI.CAdES.detached``) with the signer's
certificate chain embedded; with a timestamper each signature carries an RFC 3161
timestamp token (PAdES B-T), so its time does not rest on the signer's clock. With a
validation context holding the CAs' CRLs (``ltv``, :func:`make_validation_context`) the
signer's and the time-stamping authority's chains are validated at signing, revocation data
required, and what proved them (certificates, CRLs) is added to the document security store
(DSS), one VRI entry per signature: PAdES B-LT, which validates offline years later, after the
CRLs have expired or their URLs are gone. Nothing is fetched. A revoked signer cannot sign.
The DSS is one update after the document's last signature (:func:`add_validation_material`):
on a transcript, after the principal's, for both signatures (docs/signing.md, "One DSS update").

A transcript's two signature fields exist, empty, before anyone signs, in the boxes the page
draws for them. The homeroom teacher's signature certifies the document with DocMDP level 2
(form filling and signing allowed, nothing else): the principal can still sign their field,
and any other change after the teacher signed shows as a violation. Each signature carries a
visible stamp in Vietnamese (:mod:`signer.appearance`).

The space reserved for the signature is computed from the certificates instead of letting
pyHanko sign a dummy document first to measure it (which signs everything twice).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter, append_signature_field
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PreSignValidationStatus
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError

from core import event_loop
from signer import asn1_speedups
from signer.appearance import FontsOnce, stamp_style
from signer.errors import SignerError
from signer.keys import SigningKey
from signer.pki import DevPki
from signer.layout import PRINCIPAL_FIELD, SIGNATURE_BOXES, TEACHER_FIELD

TEACHER_REASON = "Giáo viên chủ nhiệm xác nhận kết quả học tập và rèn luyện"
PRINCIPAL_REASON = "Hiệu trưởng phê duyệt học bạ"

class _OfflineOnPurpose(logging.Filter):
    """pyHanko warns at every B-LT signature that fetching is off; here that is the design (the
    context holds the CRLs), and 2,000 transcripts would print 4,000 warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Validation/revocation info will be embedded, but fetching")


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_OfflineOnPurpose())
# asn1crypto encodes every new CMS value twice per level of nesting; the same bytes, encoded once.
asn1_speedups.install()

#: Room for a token from an outside TSA, whose certificate chain we cannot know in advance.
_REMOTE_TOKEN_ALLOWANCE = 8192
#: Signed attributes, CMS structure and DER lengths around the certificates and signature.
_CMS_OVERHEAD = 1024


@dataclass(frozen=True)
class SignatureProof:
    """What proved one B-LT signature's certificates when it was made, kept for the DSS update
    after the document's last signature (:func:`add_validation_material`): the signature's
    contents (their SHA-1 names its VRI entry) and pyHanko's validation before signing (the
    signer's and the time-stamping authority's paths, the CRLs and OCSP responses used)."""

    contents: bytes
    validation: PreSignValidationStatus
    context: ValidationContext
    embed_roots: bool


def sign_pdf(pdf: bytes, key: SigningKey, **options: Any) -> bytes:
    """Append one PAdES signature (``options``: those of :func:`sign_keeping_proof`); with ``ltv``,
    its DSS update follows at once."""
    signed, proof = sign_keeping_proof(pdf, key, **options)
    return signed if proof is None else add_validation_material(signed, [proof])


def sign_keeping_proof(pdf: bytes, key: SigningKey, *, field_name: str, timestamper: TimeStamper | None = None,
                       reason: str | None = None, location: str | None = None, certify: bool = False,
                       visible_in: tuple[float, float, float, float] | None = None,
                       permissions: MDPPerm = MDPPerm.FILL_FORMS, ltv: ValidationContext | None = None,
                       stamp_fonts: FontsOnce | None = None,
                       empty_fields: dict[str, tuple[float, float, float, float]] | None = None,
                       ) -> tuple[bytes, SignatureProof | None]:
    """Append one PAdES signature in field ``field_name`` (created, invisible, if it does not exist),
    without its DSS update: the signed document, and with ``ltv`` what proved the signer's and the
    TSA's certificates (else None), for :func:`add_validation_material` after the document's last
    signature (:func:`sign_pdf` does both at once).

    With ``timestamper`` the signature is PAdES B-T, else B-B; with ``ltv`` as well, B-LT once the
    DSS update is written. ``certify=True`` makes it a
    certification signature, which must be the document's first, allowing afterwards only
    ``permissions`` (default DocMDP level 2: form filling and signing). ``visible_in``: the
    field's box, to draw the signer's stamp in it; ``stamp_fonts``: the same for every signature of
    one document, which then reads the page's fonts once for all its stamps. ``empty_fields``: signature
    fields (name: box on the last page) created in this signature's update, before it is
    computed, so that it covers them: the field being signed, and those later signatures will
    fill (after a certification signature, filling a field is allowed, creating one is not).
    """
    meta = PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
        reason=reason, location=location, certify=certify, docmdp_permissions=permissions,
        name=key.subject_name or None, embed_validation_info=ltv is not None, validation_context=ltv,
    )
    style = None if visible_in is None else stamp_style(key, fonts=stamp_fonts)
    pdf_signer = PdfSigner(meta, signer=key.signer, timestamper=timestamper, stamp_style=style)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        _append_empty_fields(writer, empty_fields or {})
        return event_loop.run(_sign_before_dss(pdf_signer, writer, _bytes_reserved(key, timestamper)))
    except TimestampRequestError as e:
        where = getattr(timestamper, "url", None) or "in process"
        raise SignerError(f"the time-stamping authority ({where}) did not answer ({e}): nothing was signed",
                          code="timestamp_unavailable") from e
    except (PathError, ValidationError) as e:  # the TSA's chain, validated for B-LT
        raise _not_valid(key, e) from e
    except (PdfError, SigningError, ValueError) as e:
        if isinstance(e.__cause__, (PathError, ValidationError)):  # the signer's chain, for B-LT
            raise _not_valid(key, e.__cause__) from e
        raise SignerError(f"could not sign field {field_name}: {e}", code="signing_failed") from e


async def _sign_before_dss(pdf_signer: PdfSigner, writer: IncrementalPdfFileWriter,
                           bytes_reserved: int) -> tuple[bytes, SignatureProof | None]:
    """pyHanko's ``PdfSigner.async_sign_pdf`` (its interrupted-signing steps, in its order) up to
    the signed document, without its post-signing step, which would write a DSS update after this
    signature alone: the validation made before signing is kept instead."""
    meta = pdf_signer.signature_meta
    ltv = meta.validation_context
    try:
        session = pdf_signer.init_signing_session(writer)
        validation = await session.perform_presign_validation(writer)
        tbs = session.prepare_tbs_document(validation_info=validation, bytes_reserved=bytes_reserved)
        digest, output = tbs.digest_tbs_document(output=io.BytesIO())
        signed = await tbs.perform_signature(
            document_digest=digest.document_digest,
            pdf_cms_signed_attrs=PdfCMSSignedAttributes(
                signing_time=session.system_time, cades_signed_attrs=meta.cades_signed_attr_spec,
                adobe_revinfo_attr=None if validation is None else validation.adobe_revinfo_attr))
    finally:
        if ltv is not None:
            await ltv.aclose()  # what a fetching context opened (ours fetch nothing); as pyHanko's sign_pdf
    if validation is None or ltv is None:
        return output.getvalue(), None
    return output.getvalue(), SignatureProof(signed.sig_contents, validation, ltv, pdf_signer.signer.embed_roots)


def add_validation_material(pdf: bytes, proofs: list[SignatureProof]) -> bytes:
    """One incremental update adding to the document security store what proved each signature:
    certificates of its paths, CRLs and OCSP responses, and a VRI entry per signature. pyHanko's
    post-signing DSS update, for several signatures at once (a DSS update is allowed after any
    signature, certifying ones included)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for proof in proofs:
        DocumentSecurityStore.supply_dss_in_writer(
            writer, proof.contents, paths=proof.validation.validation_paths, ocsps=proof.validation.ocsps_to_embed,
            crls=proof.validation.crls_to_embed, validation_context=proof.context, embed_roots=proof.embed_roots)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _not_valid(key: SigningKey, e: Exception) -> SignerError:
    return SignerError(f"the certificate of {key.subject_name} or of the time-stamping authority cannot be "
                       f"proven valid (revoked, expired, untrusted or no current CRL): {e}",
                       code="certificate_not_valid")


def stamp_box(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The part of a drawn signature box left for the stamp: below its title, above the name."""
    x1, y1, x2, y2 = box
    return (x1 + 12, y1 + 26, x2 - 12, y2 - 34)


def add_signature_fields(pdf: bytes, boxes: dict[str, tuple[float, float, float, float]]) -> bytes:
    """Create empty signature fields on the last page in an update of their own (the signing
    functions create them in the first signature's update instead: ``sign_pdf(empty_fields=...)``)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    _append_empty_fields(writer, boxes)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _append_empty_fields(writer: IncrementalPdfFileWriter, boxes: dict[str, tuple[float, float, float, float]]) -> None:
    for name, box in boxes.items():
        append_signature_field(writer, SigFieldSpec(name, box=box, on_page=-1))


def sign_transcript(pdf: bytes, teacher: SigningKey, principal: SigningKey,
                    timestamper: TimeStamper | None, ltv: ValidationContext | None = None) -> bytes:
    """The homeroom teacher confirms the results and certifies the document, then the principal
    approves: two visible signatures in the boxes the page draws for them (B-LT with ``ltv``:
    then one DSS update after the principal's signature, for both).

    Both fields are created, empty, in the teacher's update (an update of their own before it
    cost a parse and a write of the document): the teacher's certification then covers the
    principal's empty field, which DocMDP level 2 lets the principal fill."""
    boxes = {name: stamp_box(box) for name, box in SIGNATURE_BOXES.items()}
    fonts = FontsOnce()  # this document's: both stamps draw with its page's fonts
    signed, teachers = sign_keeping_proof(
        pdf, teacher, field_name=TEACHER_FIELD, timestamper=timestamper, reason=TEACHER_REASON, certify=True,
        visible_in=boxes[TEACHER_FIELD], ltv=ltv, stamp_fonts=fonts, empty_fields=boxes)
    signed, principals = sign_keeping_proof(
        signed, principal, field_name=PRINCIPAL_FIELD, timestamper=timestamper, reason=PRINCIPAL_REASON,
        visible_in=boxes[PRINCIPAL_FIELD], ltv=ltv, stamp_fonts=fonts)
    proofs = [proof for proof in (teachers, principals) if proof is not None]
    return add_validation_material(signed, proofs) if proofs else signed


def sign_alone(pdf: bytes, key: SigningKey, *, field_name: str, box: tuple[float, float, float, float],
               reason: str, timestamper: TimeStamper | None, location: str | None = None,
               ltv: ValidationContext | None = None) -> bytes:
    """The one signature of a document only one person signs (a diploma, a certified copy): it
    certifies the document with DocMDP level 1, so that nothing may be changed or signed after it
    (validation data and document time-stamps excepted), with the signer's stamp in ``box``
    (B-LT with ``ltv``, as transcripts)."""
    return sign_pdf(pdf, key, field_name=field_name, timestamper=timestamper, reason=reason,
                    location=location, certify=True, visible_in=box, permissions=MDPPerm.NO_CHANGES, ltv=ltv,
                    empty_fields={field_name: box})


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


def make_validation_context(pki: DevPki, *, fixed_time: datetime | None = None) -> ValidationContext:
    """What B-LT signatures embed: the development PKI's root and its CRLs, issued at
    ``fixed_time`` (the pinned time of the development TSA's tokens, in tests) or now."""
    return pki.validation_context(fixed_time)


def _bytes_reserved(key: SigningKey, timestamper: TimeStamper | None) -> int:
    """Hex digits to reserve for the CMS signature: twice its largest expected size."""
    size = key.embedded_size() + _CMS_OVERHEAD
    if timestamper is not None:
        known = getattr(timestamper, "embedded_size", None)
        size += known() if known else _REMOTE_TOKEN_ALLOWANCE
    return 2 * size
