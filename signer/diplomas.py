"""Issuing a diploma or a certified copy: render, then sign by the authority's signer, in one call.

What the registry side needs to issue one document (the master register, anchoring and the batch
loop live there, and in ``sogoc``): give it the diploma as imported, the signer's key and a
time-stamper, get back the credential and the signed PDF bytes to submit, as
``sogoc/issue.py`` does for transcripts.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator import ValidationContext

from core.credential import Credential
from core.diploma import CertifiedCopy, Diploma, Signatory
from signer.keys import SigningKey
from signer.layout import COPY_FIELD, COPY_STAMP_BOX, DIPLOMA_FIELD, DIPLOMA_STAMP_BOX
from signer.render_diploma import render_certified_copy, render_diploma, render_legacy_entry
from signer.sign import sign_alone

DIPLOMA_REASON = "Cấp văn bằng"
COPY_REASON = "Cấp bản sao văn bằng từ sổ gốc"
LEGACY_REASON = "Vào sổ gốc điện tử văn bằng giấy"


@dataclass(frozen=True)
class IssuedDocument:
    """A signed document and its credential (the leaf needs both: ``credential.leaf(sha256(pdf))``)."""

    credential: Credential
    pdf: bytes


def verify_url(public_base_url: str, credential: Credential) -> str:
    """The URL the QR code carries: the public verification page of this document."""
    return f"{public_base_url.rstrip('/')}/v/{credential.id}"


def issue_diploma(diploma: Diploma, key: SigningKey, timestamper: TimeStamper | None, *, issued_on: str,
                  public_base_url: str, ltv: ValidationContext | None = None) -> IssuedDocument:
    """A new credential for ``diploma`` issued on ``issued_on``, rendered and signed by ``key``."""
    credential = diploma.to_credential(issued_on)
    pdf = render_diploma(diploma, credential, verify_url(public_base_url, credential))
    signed = sign_alone(pdf, key, field_name=DIPLOMA_FIELD, box=DIPLOMA_STAMP_BOX, reason=DIPLOMA_REASON,
                        timestamper=timestamper, location=diploma.authority.place, ltv=ltv)
    return IssuedDocument(credential, signed)


def issue_certified_copy(copy: CertifiedCopy, key: SigningKey, timestamper: TimeStamper | None, *,
                         issued_on: str, public_base_url: str, ltv: ValidationContext | None = None) -> IssuedDocument:
    """A certified copy's own credential and signed PDF, issued on ``issued_on``."""
    credential = copy.to_credential(issued_on)
    pdf = render_certified_copy(copy, credential, verify_url(public_base_url, credential))
    signed = sign_alone(pdf, key, field_name=COPY_FIELD, box=COPY_STAMP_BOX, reason=COPY_REASON,
                        timestamper=timestamper, location=copy.diploma.authority.place, ltv=ltv)
    return IssuedDocument(credential, signed)


def issue_legacy_entry(diploma: Diploma, key: SigningKey, timestamper: TimeStamper | None, *, entered_by: Signatory,
                       entered_on: str, public_base_url: str, ltv: ValidationContext | None = None) -> IssuedDocument:
    """A paper diploma's register entry as a document of its own: the credential (issued on the
    paper diploma's date) and the extract signed by ``key`` on ``entered_on``."""
    credential = diploma.to_credential()
    pdf = render_legacy_entry(diploma, credential, verify_url(public_base_url, credential), entered_by=entered_by,
                              entered_on=entered_on)
    signed = sign_alone(pdf, key, field_name=COPY_FIELD, box=COPY_STAMP_BOX, reason=LEGACY_REASON,
                        timestamper=timestamper, location=diploma.authority.place, ltv=ltv)
    return IssuedDocument(credential, signed)
