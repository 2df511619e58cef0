"""The verifier's reading of a PDF: the credential inside, and what each signature proves."""

import io
import random
from datetime import datetime, timedelta, timezone

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigFieldSpec, append_signature_field
from reportlab.pdfgen.canvas import Canvas

from core.errors import ConfigurationError, InvalidInput
from verifier.pdf import check_signatures, extract_credential_json, load_trust_roots


def flip(pdf: bytes, at: int) -> bytes:
    out = bytearray(pdf)
    out[at] ^= 0x01
    return bytes(out)


def signature_value_offset(pdf: bytes, index: int) -> int:
    """Where the hex of signature ``index``'s raw signature value starts in the file."""
    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[index]
    return pdf.index(sig.signer_info["signature"].native.hex().upper().encode())


#: Relative to the real clock, so that the certificates below have expired whenever the tests run.
_ISSUED = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=400)
_SIGNER_LIFETIME = timedelta(days=365)


@pytest.fixture(scope="module")
def expired_pki(tmp_path_factory):
    """Like the development PKI, but the teacher's and principal's certificates expired a month ago."""
    from signer.pki import init_dev_pki

    return init_dev_pki(tmp_path_factory.mktemp("expired-pki"), valid_from=_ISSUED, signer_lifetime=_SIGNER_LIFETIME)


def sign_with_expired_keys(signed_transcript, pki, timestamper) -> bytes:
    from signer.sign import sign_transcript

    keys = pki.signer_key("teacher"), pki.signer_key("principal")
    return sign_transcript(signed_transcript.unsigned_pdf, *keys, timestamper)


def append_overlay_field(pdf: bytes) -> bytes:
    """An incremental update adding an empty signature field whose widget paints a new score."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    append_signature_field(writer, SigFieldSpec("Overlay", box=(300, 500, 400, 520)))
    field = next(f.get_object() for f in writer.root["/AcroForm"]["/Fields"] if f.get_object()["/T"] == "Overlay")
    font = generic.DictionaryObject({pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
                                     pdf_name("/BaseFont"): pdf_name("/Helvetica")})
    appearance = generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
        pdf_name("/BBox"): generic.ArrayObject(map(generic.NumberObject, (0, 0, 100, 20))),
        pdf_name("/Resources"): generic.DictionaryObject(
            {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F1"): font})}),
    }, stream_data=b"1 1 1 rg 0 0 100 20 re f 0 0 0 rg BT /F1 12 Tf 4 5 Td (10.0) Tj ET")  # white box, new score
    field["/AP"][pdf_name("/N")] = writer.add_object(appearance)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_signed_transcript_shows_teacher_then_principal_intact_and_trusted(signed_transcript, dev_pki,
                                                                           dev_keys, signing_time):
    reports = check_signatures(signed_transcript.pdf, dev_pki.trust_roots())
    assert [r.field_name for r in reports] == ["GiaoVienChuNhiem", "HieuTruong"]
    assert [r.signer_name for r in reports] == ["Trần Thị Thu Hương", "Nguyễn Văn Đức"]
    assert [r.signer_cert_sha256 for r in reports] == [k.certificate_sha256 for k in dev_keys]
    for r in reports:
        assert (r.intact, r.trusted, r.covers_document, r.timestamped, r.problem) == (True, True, True, True, None)
        assert r.ok
        assert r.signer_organization == "Trường THPT Nguyễn Thị Minh Khai"
        assert r.signing_time == signing_time  # from the RFC 3161 token, not the signer's clock


def test_same_file_is_untrusted_under_another_root(signed_transcript, untrusted_pki):
    reports = check_signatures(signed_transcript.pdf, untrusted_pki.trust_roots())
    assert len(reports) == 2
    for r in reports:
        assert r.intact and r.covers_document
        assert not r.trusted and not r.timestamped and not r.ok
        assert "trusted root" in r.problem


def test_no_trust_roots_means_nothing_is_trusted(signed_transcript):
    assert not any(r.trusted for r in check_signatures(signed_transcript.pdf, []))


def test_impostor_with_the_same_names_is_untrusted(signed_transcript, untrusted_pki, dev_pki):
    from signer.sign import make_timestamper, sign_transcript

    keys = untrusted_pki.signer_key("teacher"), untrusted_pki.signer_key("principal")
    forged = sign_transcript(signed_transcript.unsigned_pdf, *keys, make_timestamper(None, untrusted_pki))
    reports = check_signatures(forged, dev_pki.trust_roots())
    assert [r.signer_name for r in reports] == ["Trần Thị Thu Hương", "Nguyễn Văn Đức"]  # names prove nothing
    assert [(r.intact, r.trusted, r.timestamped) for r in reports] == [(True, False, False)] * 2


def test_one_flipped_byte_in_the_signed_content_breaks_both_signatures(signed_transcript, dev_pki):
    pdf = signed_transcript.pdf
    tampered = flip(pdf, pdf.index(b"stream", len(signed_transcript.unsigned_pdf) // 2) + 40)
    reports = check_signatures(tampered, dev_pki.trust_roots())
    assert [r.intact for r in reports] == [False, False]
    assert all(not r.ok and "altered" in r.problem for r in reports)


def test_one_flipped_byte_in_the_principals_signature_breaks_only_that_signature(signed_transcript, dev_pki):
    pdf = signed_transcript.pdf
    at = signature_value_offset(pdf, 1) + 10
    tampered = pdf[:at] + (b"0" if pdf[at:at + 1] != b"0" else b"1") + pdf[at + 1:]  # still valid hex
    teacher, principal = check_signatures(tampered, dev_pki.trust_roots())
    assert teacher.ok
    assert not principal.intact and not principal.trusted


def test_one_flipped_byte_in_the_teachers_signature_breaks_both(signed_transcript, dev_pki):
    # The principal signed the file including the teacher's signature.
    pdf = signed_transcript.pdf
    at = signature_value_offset(pdf, 0) + 10
    tampered = pdf[:at] + (b"0" if pdf[at:at + 1] != b"0" else b"1") + pdf[at + 1:]
    assert [r.intact for r in check_signatures(tampered, dev_pki.trust_roots())] == [False, False]


def test_a_garbled_signature_container_is_reported_not_raised(signed_transcript, dev_pki):
    pdf = signed_transcript.pdf
    principal = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[1]
    at = principal.byte_range[1] + 1  # first hex digit of the CMS: the DER tag
    teacher, broken = check_signatures(pdf[:at] + b"F" + pdf[at + 1:], dev_pki.trust_roots())
    assert teacher.ok
    assert broken.field_name == "HieuTruong"
    assert not broken.intact and broken.signer_name is None and "unreadable" in broken.problem


def test_swapping_the_embedded_credential_after_signing_is_caught(signed_transcript, dev_pki):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_transcript.pdf))
    spec = writer.root["/Names"]["/EmbeddedFiles"]["/Names"][1]
    stream_ref = spec.raw_get("/EF").raw_get("/F")
    forged = generic.StreamObject(dict(stream_ref.get_object()), stream_data=b'{"forged":true}')
    del forged["/Length"]
    writer.mark_update(stream_ref)
    writer.objects[(stream_ref.generation, stream_ref.idnum)] = forged
    out = io.BytesIO()
    writer.write(out)
    pdf = out.getvalue()
    assert extract_credential_json(pdf) == b'{"forged":true}'  # the latest revision says so...
    reports = check_signatures(pdf, dev_pki.trust_roots())
    assert [r.intact for r in reports] == [True, True]
    assert [r.covers_document for r in reports] == [False, False]  # ...but no signature covers it


def test_hostile_bytes_never_raise_anything_but_not_a_pdf(signed_transcript, dev_pki):
    rnd = random.Random(20260605)
    pdf = signed_transcript.pdf
    for _ in range(25):
        tampered = flip(pdf, rnd.randrange(len(pdf)))
        try:
            reports = check_signatures(tampered, dev_pki.trust_roots())
        except InvalidInput as e:
            assert e.code == "not_a_pdf"
            continue
        assert all(isinstance(r.intact, bool) and (r.ok or r.problem) for r in reports)


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", b"\x89PNG\r\n\x1a\n" * 20])
def test_bytes_that_are_not_a_pdf_raise_not_a_pdf(data, dev_pki):
    with pytest.raises(InvalidInput) as e:
        check_signatures(data, dev_pki.trust_roots())
    assert e.value.code == "not_a_pdf"
    with pytest.raises(InvalidInput):
        extract_credential_json(data)


def test_truncated_pdf_is_not_a_pdf(signed_transcript, dev_pki):
    with pytest.raises(InvalidInput) as e:
        check_signatures(signed_transcript.pdf[: len(signed_transcript.pdf) // 2], dev_pki.trust_roots())
    assert e.value.code == "not_a_pdf"


def test_embedded_credential_comes_back_byte_identical(signed_transcript):
    assert extract_credential_json(signed_transcript.pdf) == signed_transcript.credential.to_json()


def test_plain_pdf_has_no_credential_and_no_signatures(dev_pki):
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(100, 700, "Không có chữ ký")
    canvas.save()
    assert extract_credential_json(buffer.getvalue()) is None
    assert check_signatures(buffer.getvalue(), dev_pki.trust_roots()) == []


def test_trust_roots_load_from_pem_and_der(dev_pki, tmp_path):
    [pem_root] = load_trust_roots([dev_pki.root_pem])
    (tmp_path / "root.der").write_bytes(pem_root.dump())
    assert [c.dump() for c in load_trust_roots([tmp_path / "root.der"])] == [pem_root.dump()]
    assert pem_root.subject.native["common_name"] == "Bộ Giáo dục và Đào tạo — Root CA (DEV)"
    with pytest.raises(ConfigurationError) as e:
        load_trust_roots([tmp_path / "missing.pem"])
    assert e.value.code == "bad_trust_root"


def test_an_expired_certificate_is_trusted_at_the_time_of_a_trusted_timestamp(signed_transcript, expired_pki):
    from signer.sign import make_timestamper

    signed_at = _ISSUED + timedelta(days=100)
    pdf = sign_with_expired_keys(signed_transcript, expired_pki, make_timestamper(None, expired_pki, fixed_time=signed_at))
    reports = check_signatures(pdf, expired_pki.trust_roots())
    assert [(r.intact, r.trusted, r.timestamped, r.covers_document, r.problem) for r in reports] == \
        [(True, True, True, True, None)] * 2
    assert all(r.ok and r.signing_time == signed_at for r in reports)


def test_an_expired_certificate_without_timestamp_is_untrusted(signed_transcript, expired_pki):
    reports = check_signatures(sign_with_expired_keys(signed_transcript, expired_pki, None), expired_pki.trust_roots())
    assert [(r.intact, r.trusted, r.timestamped) for r in reports] == [(True, False, False)] * 2
    for r in reports:
        assert not r.ok
        assert "expired" in r.problem and "no trusted timestamp" in r.problem


def test_a_timestamp_after_the_certificate_expired_is_untrusted(signed_transcript, expired_pki):
    from signer.sign import make_timestamper

    signed_at = _ISSUED + _SIGNER_LIFETIME + timedelta(days=5)
    pdf = sign_with_expired_keys(signed_transcript, expired_pki, make_timestamper(None, expired_pki, fixed_time=signed_at))
    reports = check_signatures(pdf, expired_pki.trust_roots())
    assert [(r.intact, r.trusted, r.timestamped) for r in reports] == [(True, False, True)] * 2
    assert all(r.signing_time == signed_at and "at the time of its timestamp" in r.problem for r in reports)


def test_a_timestamp_before_the_certificate_was_issued_is_untrusted(signed_transcript, dev_pki, dev_keys,
                                                                     signing_time):
    # The certificates are valid now, but the timestamp says the signatures predate them.
    from signer.sign import make_timestamper, sign_transcript

    signed_at = signing_time - timedelta(days=60)
    pdf = sign_transcript(signed_transcript.unsigned_pdf, *dev_keys,
                          make_timestamper(None, dev_pki, fixed_time=signed_at))
    reports = check_signatures(pdf, dev_pki.trust_roots())
    assert [(r.intact, r.trusted, r.timestamped) for r in reports] == [(True, False, True)] * 2
    assert all(r.signing_time == signed_at and "at the time of its timestamp" in r.problem for r in reports)


def test_a_timestamp_from_an_untrusted_tsa_does_not_move_the_validation_time(signed_transcript, expired_pki,
                                                                             untrusted_pki):
    from signer.sign import make_timestamper

    impostor_tsa = make_timestamper(None, untrusted_pki, fixed_time=_ISSUED + timedelta(days=100))
    reports = check_signatures(sign_with_expired_keys(signed_transcript, expired_pki, impostor_tsa),
                               expired_pki.trust_roots())
    assert [(r.intact, r.trusted, r.timestamped) for r in reports] == [(True, False, False)] * 2
    assert all("expired" in r.problem for r in reports)


def test_a_field_painted_over_the_transcript_after_the_last_signature_is_caught(signed_transcript, dev_pki):
    untouched = check_signatures(signed_transcript.pdf, dev_pki.trust_roots())
    assert [r.covers_document for r in untouched] == [True, True]
    teacher, principal = check_signatures(append_overlay_field(signed_transcript.pdf), dev_pki.trust_roots())
    assert principal.intact and principal.trusted
    assert not principal.covers_document and not principal.ok
    assert "after the last signature" in principal.problem
    # The teacher's signature certifies the document (DocMDP level 2): filling the principal's
    # field was allowed (see `untouched`), adding a field over the page is not.
    assert not teacher.covers_document


def test_each_trusted_signature_names_its_root_and_an_untrusted_one_none(signed_transcript, dev_pki,
                                                                         untrusted_pki):
    trusted = check_signatures(signed_transcript.pdf, dev_pki.trust_roots())
    assert [r.trust_root for r in trusted] == ["Bộ Giáo dục và Đào tạo — Root CA (DEV)"] * 2
    other = check_signatures(signed_transcript.pdf, untrusted_pki.trust_roots())
    assert [r.trust_root for r in other] == [None, None]


# -- revocation: the CRLs a document carries in its DSS (PAdES B-LT)


@pytest.fixture(scope="module")
def revocable(tmp_path_factory, signed_transcript, signing_time):
    """(pki, a transcript its teacher and principal signed with B-T signatures, nothing embedded)."""
    from signer.pki import init_dev_pki
    from signer.sign import make_timestamper, sign_transcript

    pki = init_dev_pki(tmp_path_factory.mktemp("revocable-pki"), valid_from=signing_time - timedelta(days=30))
    keys = pki.signer_key("teacher"), pki.signer_key("principal")
    return pki, sign_transcript(signed_transcript.unsigned_pdf, *keys, make_timestamper(None, pki, fixed_time=signing_time))


def with_crls(pdf: bytes, crls: list[bytes]) -> bytes:
    """``pdf`` and an update adding a DSS with ``crls``, as a B-LT signer or anyone later would."""
    from asn1crypto import crl as asn1_crl
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(out, None, crls=[asn1_crl.CertificateList.load(c) for c in crls])
    return out.getvalue()


def test_a_signer_the_embedded_crl_lists_as_revoked_is_not_trusted(revocable, signing_time):
    from verifier import pdf_speedups

    pki, pdf = revocable
    roots = pki.trust_roots()
    assert all(r.ok for r in check_signatures(pdf, roots))  # no revocation data: not checked, as before B-LT
    assert len(pdf_speedups.path_cache) > 0  # ... and the teacher's path is now cached
    pki.revoke("teacher", signing_time - timedelta(days=1))  # revoked the day before signing
    teacher, principal = check_signatures(with_crls(pdf, pki.crls(signing_time)), roots)
    assert teacher.intact and teacher.covers_document and not teacher.trusted  # the cache did not answer
    assert teacher.problem == "the signer's certificate is not trusted at the time of its timestamp: it is revoked"
    assert principal.ok


def test_current_crls_that_do_not_list_the_signers_keep_them_trusted(signed_transcript, dev_pki):
    """The B-LT transcript as issued: its DSS holds the CRLs, and both signatures are good."""
    reports = check_signatures(signed_transcript.pdf, dev_pki.trust_roots())
    assert [r.ok and r.timestamped for r in reports] == [True, True]


def test_each_report_says_whether_the_signers_certificate_was_checked_for_revocation(
        signed_transcript, dev_pki, revocable, signing_time):
    # B-LT as issued: the DSS holds the CA's and the root's CRLs, current when they signed
    assert [r.certificate_revocation for r in check_signatures(signed_transcript.pdf, dev_pki.trust_roots())] == ["checked"] * 2
    # B-T (signed before B-LT): still valid, but nothing could be checked, and the report says so
    pki, pdf = revocable
    reports = check_signatures(pdf, pki.trust_roots())
    assert all(r.ok for r in reports) and [r.certificate_revocation for r in reports] == ["not_checked"] * 2
    # only the root's CRL: the department CA's certificate was checked, the signers' were not
    root_crl_only = with_crls(pdf, pki.crls(signing_time)[:1])
    assert [r.certificate_revocation for r in check_signatures(root_crl_only, pki.trust_roots())] == ["not_checked"] * 2


def test_a_certificate_published_by_ocsp_only_is_not_counted_as_checked():
    """Only CRLs are read: a certificate of the path that publishes its revocation by OCSP only
    makes the answer "not checked", even when a CRL of its issuer happens to be embedded."""
    from verifier.pdf import revocation_coverage

    ca, root = "CA", "ROOT"
    assert revocation_coverage([(ca, True, False), (root, True, True)], {ca, root}) == "checked"
    assert revocation_coverage([(ca, False, True), (root, True, False)], {ca, root}) == "not_checked"
    assert revocation_coverage([(ca, True, False), (root, True, False)], {root}) == "not_checked"
    assert revocation_coverage([(ca, False, False)], set()) == "checked"  # publishes nothing: nothing to check


def test_a_revoked_signer_is_reported_revoked(revocable, signing_time):
    pki, pdf = revocable
    pki.revoke("principal", signing_time - timedelta(days=2))
    teacher, principal = check_signatures(with_crls(pdf, pki.crls(signing_time)), pki.trust_roots())
    assert principal.certificate_revocation == "revoked" and not principal.trusted
    assert (teacher.certificate_revocation == "checked") == teacher.trusted  # an earlier test of this module may revoke the teacher


def test_a_transcript_with_a_dss_update_after_each_signature_verifies_the_same(
        signed_transcript, dev_pki, dev_keys, dev_timestamper, dev_ltv):
    """Transcripts issued before the one DSS update for both signatures (pyHanko's default: an update
    after each) keep verifying, their signers' certificates checked against the embedded CRLs."""
    from signer.layout import PRINCIPAL_FIELD, SIGNATURE_BOXES, TEACHER_FIELD
    from signer.sign import sign_pdf

    teacher, principal = dev_keys
    signed = sign_pdf(signed_transcript.unsigned_pdf, teacher, field_name=TEACHER_FIELD, timestamper=dev_timestamper,
                      certify=True, ltv=dev_ltv, empty_fields=SIGNATURE_BOXES)
    signed = sign_pdf(signed, principal, field_name=PRINCIPAL_FIELD, timestamper=dev_timestamper, ltv=dev_ltv)
    assert PdfFileReader(io.BytesIO(signed)).xrefs.total_revisions == 6  # teacher, DSS, principal, DSS
    reports = check_signatures(signed, dev_pki.trust_roots())
    assert [(r.ok, r.covers_document, r.certificate_revocation) for r in reports] == [(True, True, "checked")] * 2
