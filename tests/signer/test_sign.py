"""Signing: two PAdES B-T signatures, teacher then principal, checked with pyHanko directly."""

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from signer.errors import SignerError
from signer.sign import PRINCIPAL_FIELD, TEACHER_FIELD, make_timestamper, sign_pdf


def _statuses(pdf: bytes, roots):
    reader = PdfFileReader(io.BytesIO(pdf))
    out = []
    for sig in reader.embedded_signatures:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        out.append((sig, validate_pdf_signature(sig, context)))
    return out


def test_teacher_then_principal_signatures_are_intact_and_trusted(signed_transcript, dev_pki, signing_time):
    statuses = _statuses(signed_transcript.pdf, dev_pki.trust_roots())
    assert [sig.field_name for sig, _ in statuses] == [TEACHER_FIELD, PRINCIPAL_FIELD]
    names = [status.signing_cert.subject.native["common_name"] for _, status in statuses]
    assert names == ["Trần Thị Thu Hương", "Nguyễn Văn Đức"]
    for sig, status in statuses:
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.bottom_line, status.pretty_print_details()  # incl. what was added after it
        assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
        assert status.md_algorithm == "sha256"
        assert status.timestamp_validity.trusted  # B-T: a trusted RFC 3161 token
        assert status.timestamp_validity.timestamp == signing_time


def test_signing_appends_and_never_rewrites_earlier_bytes(signed_transcript):
    assert signed_transcript.pdf.startswith(signed_transcript.unsigned_pdf)
    reader = PdfFileReader(io.BytesIO(signed_transcript.pdf))
    teacher = reader.embedded_signatures[0]
    teacher_end = teacher.byte_range[2] + teacher.byte_range[3]
    assert PdfFileReader(io.BytesIO(signed_transcript.pdf[:teacher_end])).embedded_signatures[0].field_name \
        == TEACHER_FIELD


def test_signature_without_timestamper_is_still_valid(signed_transcript, dev_keys, dev_pki):
    pdf = sign_pdf(signed_transcript.unsigned_pdf, dev_keys[0], field_name=TEACHER_FIELD, reason="Thử nghiệm")
    [(sig, status)] = _statuses(pdf, dev_pki.trust_roots())
    assert status.bottom_line and status.timestamp_validity is None
    assert sig.sig_object["/Reason"] == "Thử nghiệm"


def test_certification_signature_locks_the_document_for_form_filling_only(signed_transcript, dev_keys):
    pdf = sign_pdf(signed_transcript.unsigned_pdf, dev_keys[0], field_name=TEACHER_FIELD, certify=True)
    reader = PdfFileReader(io.BytesIO(pdf))
    assert "/DocMDP" in reader.root["/Perms"]


def test_garbage_cannot_be_signed(dev_keys):
    with pytest.raises(SignerError) as e:
        sign_pdf(b"not a pdf at all", dev_keys[0], field_name=TEACHER_FIELD)
    assert e.value.code == "signing_failed"


def test_timestamper_choice(dev_pki):
    assert isinstance(make_timestamper("http://tsa.example/tsr", dev_pki), HTTPTimeStamper)
    assert make_timestamper(None, dev_pki) is not None
    with pytest.raises(SignerError) as e:
        make_timestamper(None, None)
    assert e.value.code == "no_timestamper"
