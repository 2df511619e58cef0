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


def test_the_teacher_certifies_and_the_principal_may_still_sign(signed_transcript, dev_pki):
    """DocMDP level 2 on the first signature: form filling and signing only, so the principal's
    approval is allowed and both signatures cover the document."""
    from pyhanko.sign.fields import MDPPerm

    reader = PdfFileReader(io.BytesIO(signed_transcript.pdf))
    teacher, principal = reader.embedded_signatures
    assert teacher.docmdp_level == MDPPerm.FILL_FORMS
    assert principal.docmdp_level is None  # an approval signature
    for _, status in _statuses(signed_transcript.pdf, dev_pki.trust_roots()):
        assert status.docmdp_ok is not False and status.bottom_line


def test_each_signature_is_visible_in_its_box_on_the_page(signed_transcript):
    from signer.layout import SIGNATURE_BOXES

    reader = PdfFileReader(io.BytesIO(signed_transcript.pdf))
    page = reader.root["/Pages"]["/Kids"][-1]
    widgets = {str(a.get_object()["/T"]): a.get_object() for a in page["/Annots"]
               if a.get_object().get("/FT") == "/Sig"}
    assert set(widgets) == set(SIGNATURE_BOXES)
    for name, widget in widgets.items():
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        bx1, by1, bx2, by2 = SIGNATURE_BOXES[name]
        assert bx1 < x1 < x2 < bx2 and by1 < y1 < y2 < by2, "the stamp sits inside the drawn box"
        assert "/AP" in widget  # an appearance: readers show it


def test_stamps_reuse_the_documents_fonts_and_keep_the_file_small(signed_transcript):
    """Each stamp once embedded its own two DejaVu subsets and a Helvetica (about 40 KB each, half
    of a signed transcript's objects, all walked by every verification)."""
    unsigned, signed = signed_transcript.unsigned_pdf, signed_transcript.pdf
    assert signed.count(b"/FontFile2") == unsigned.count(b"/FontFile2") == 2  # DejaVu Sans and Sans Bold
    assert b"/Helvetica" not in signed
    reader = PdfFileReader(io.BytesIO(signed))
    page = reader.root["/Pages"]["/Kids"][-1]
    page_fonts = {page["/Resources"]["/Font"].raw_get(k).idnum for k in page["/Resources"]["/Font"]}
    for field in reader.root["/AcroForm"]["/Fields"]:
        stamp = field.get_object()["/AP"]["/N"].get_object()
        fonts = stamp["/Resources"]["/Font"]
        assert {fonts.raw_get(k).idnum for k in fonts} <= page_fonts  # references, nothing copied
    assert len(signed) - len(unsigned) < 48_000, "two signatures with time-stamps, two stamps, the DSS (was 122 KB)"


def test_a_stamp_character_the_document_lacks_is_refused(signed_transcript, dev_keys):
    """Never a silent substitute: a name the document's fonts cannot write stops the signature."""
    from signer.sign import add_signature_fields

    class Odd:  # a certificate name in a script outside the stamp alphabet
        subject_name, signer = "李小龍", dev_keys[0].signer
        certificate = dev_keys[0].certificate

        def embedded_size(self):
            return dev_keys[0].embedded_size()

    with pytest.raises(SignerError) as e:
        box = (60, 150, 250, 200)
        sign_pdf(add_signature_fields(signed_transcript.unsigned_pdf, {TEACHER_FIELD: box}), Odd(),
                 field_name=TEACHER_FIELD, visible_in=box)
    assert e.value.code == "stamp_glyph_missing" and "李" in str(e.value)
