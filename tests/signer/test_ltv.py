"""PAdES B-LT: the validation material is in the file, so the signatures validate offline later."""

import io
from datetime import timedelta

import pytest
from asn1crypto import crl as asn1_crl
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore

from signer.errors import SignerError
from signer.pki import init_dev_pki
from signer.sign import make_timestamper, make_validation_context, sign_transcript


def _dss(pdf: bytes) -> DocumentSecurityStore:
    return DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf)))


def test_the_dss_holds_the_crls_of_the_signers_and_the_tsas_chains(signed_transcript, dev_pki):
    dss = _dss(signed_transcript.pdf)
    crls = [asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls]
    issuers = {c["tbs_cert_list"]["issuer"].native["common_name"] for c in crls}
    # the department's CA issued the teacher's, the principal's and the TSA's certificates; the root the CA's
    assert issuers == {"Bộ Giáo dục và Đào tạo — Root CA (DEV)", "Sở Giáo dục và Đào tạo TP. Hồ Chí Minh — CA (DEV)"}
    names = {c.subject.native["common_name"] for c in dss.load_certs()}
    assert {"Trần Thị Thu Hương", "Nguyễn Văn Đức", "Sổ Gốc Time-Stamping Authority (DEV)"} <= names
    assert len(dss.vri_entries) == 2  # one validation-related-information entry per signature


def test_both_signatures_validate_from_the_embedded_material_alone(signed_transcript, dev_pki, signing_time):
    """Revocation data required for every certificate, at the time of signing; pyHanko is given the
    trust root and the DSS, nothing is fetched."""
    reader = PdfFileReader(io.BytesIO(signed_transcript.pdf))
    for sig in reader.embedded_signatures:
        context = DocumentSecurityStore.read_dss(reader).as_validation_context(
            {"trust_roots": dev_pki.trust_roots(), "allow_fetching": False, "revocation_mode": "require",
             "moment": signing_time})
        status = validate_pdf_signature(sig, context, ts_validation_context=context)
        assert status.bottom_line and status.timestamp_validity.trusted, status.pretty_print_details()


@pytest.mark.parametrize("role", ["teacher", "principal"])
def test_a_revoked_signer_cannot_sign(role, signed_transcript, tmp_path, signing_time):
    pki = init_dev_pki(tmp_path / "pki", valid_from=signing_time - timedelta(days=30))
    pki.revoke(role, signing_time - timedelta(days=1))
    with pytest.raises(SignerError) as e:
        sign_transcript(signed_transcript.unsigned_pdf, pki.signer_key("teacher"), pki.signer_key("principal"),
                        make_timestamper(None, pki, fixed_time=signing_time),
                        make_validation_context(pki, fixed_time=signing_time))
    assert e.value.code == "certificate_not_valid"
    assert pki.signer_key(role).subject_name in str(e.value)  # the message names whose certificate


def test_a_crl_only_lists_what_was_revoked_before_it_was_issued(tmp_path, signing_time):
    pki = init_dev_pki(tmp_path / "pki", valid_from=signing_time - timedelta(days=30))
    pki.revoke("principal", signing_time)
    before, after = (pki.crls(signing_time - timedelta(hours=1)), pki.crls(signing_time + timedelta(hours=1)))
    listed = [[len(asn1_crl.CertificateList.load(c)["tbs_cert_list"]["revoked_certificates"]) for c in crls]
              for crls in (before, after)]
    assert listed == [[0, 0], [0, 1]]  # (root's, CA's)


def test_one_dss_update_after_the_principal_carries_both_signatures_material(signed_transcript):
    """The teacher signs, the principal signs, then one update writes the DSS for both (not one
    after each): a VRI entry for each signature, named by its contents, in the file's last revision."""
    reader = PdfFileReader(io.BytesIO(signed_transcript.pdf))
    teacher, principal = sorted(reader.embedded_signatures, key=lambda s: s.signed_revision)
    last = reader.xrefs.total_revisions - 1
    assert (teacher.signed_revision, principal.signed_revision) == (last - 2, last - 1)
    assert reader.xrefs.get_last_change(reader.root.raw_get("/DSS")) == last
    vri = {str(key) for key in _dss(signed_transcript.pdf).vri_entries}
    assert vri == {str(DocumentSecurityStore.sig_content_identifier(s.pkcs7_content)) for s in (teacher, principal)}
