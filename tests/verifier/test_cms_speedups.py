"""The CMS and time-stamp speed-ups (verifier.cms_speedups) give pyHanko's answers, exactly.

Real transcripts are verified with the speed-ups installed (their memos empty, then filled by
the genuine transcript first) and with pyHanko's own code: the reports (credential and every
signature's report) and pyHanko's own full status of every signature are the same, for a valid
B-LT transcript, one whose signature bytes were altered, one whose teacher's certificate is an
impostor's (same subject, issuer and serial, another key), one carrying the time-stamp token of
another document, and one whose teacher the embedded CRL lists as revoked. Then each memo on
its own: an impostor's bytes never meet the genuine ones' object or answer.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from asn1crypto import cms, keys, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.general import SignedDataCerts
from pyhanko.sign.validation import EmbeddedPdfSignature, errors
from pyhanko.sign.validation import generic_cms

from core import event_loop
from verifier import cms_speedups, pdf_speedups
from verifier import pdf as verifier_pdf
from verifier.pdf import read_pdf


def _signatures(pdf: bytes) -> list[EmbeddedPdfSignature]:
    reader = verifier_pdf._open(pdf)
    return [EmbeddedPdfSignature(reader, field, name)
            for name, _, field in enumerate_sig_fields(reader, filled_status=True)]


def _last(pdf: bytes) -> EmbeddedPdfSignature:
    """The principal's signature: the last one, whose /Contents no later signature covers."""
    return max(_signatures(pdf), key=lambda s: s.signed_revision)


def _splice_contents(pdf: bytes, signature: EmbeddedPdfSignature, new_cms: bytes) -> bytes:
    """``pdf`` with ``signature``'s /Contents replaced by ``new_cms`` (zero-padded, same length)."""
    _, start, end, _ = signature.byte_range
    hex_cms = new_cms.hex().encode()
    room = end - start - 2  # between "<" and ">"
    assert pdf[start:start + 1] == b"<" and len(hex_cms) <= room
    return pdf[:start + 1] + hex_cms.ljust(room, b"0") + pdf[end - 1:]


def tampered_signature(pdf: bytes) -> bytes:
    """One bit of the principal's RSA signature value flipped (the signed bytes untouched)."""
    teacher = _last(pdf)
    content = cms.ContentInfo.load(teacher.pkcs7_content)
    info = content["content"]["signer_infos"][0]
    value = bytearray(info["signature"].native)
    value[10] ^= 0x01
    info["signature"] = bytes(value)
    return _splice_contents(pdf, teacher, content.dump(force=True))


def with_tokens_of(pdf: bytes, other: bytes) -> bytes:
    """The principal's signature of ``pdf`` carrying the time-stamp token of ``other``'s principal."""
    teacher, theirs = _last(pdf), _last(other)
    content = cms.ContentInfo.load(teacher.pkcs7_content)
    foreign = cms.ContentInfo.load(theirs.pkcs7_content)["content"]["signer_infos"][0]["unsigned_attrs"]
    content["content"]["signer_infos"][0]["unsigned_attrs"] = foreign.copy()
    return _splice_contents(pdf, teacher, content.dump(force=True))


def impostor_of(genuine: x509.Certificate) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """A certificate with the genuine one's subject, issuer, serial and extensions, but another
    key, "signed" by that key (no CA signed it), and that key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tbs = genuine["tbs_certificate"].copy()
    tbs["subject_public_key_info"] = keys.PublicKeyInfo.load(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    cert = x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": genuine["signature_algorithm"],
                             "signature_value": key.sign(tbs.dump(), padding.PKCS1v15(), hashes.SHA256())})
    return x509.Certificate.load(cert.dump()), key


def with_crls(pdf: bytes, crls: list[bytes]) -> bytes:
    """``pdf`` with an update adding a DSS that holds ``crls`` (as a B-LT signer would)."""
    from asn1crypto import crl as asn1_crl
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(out, None, crls=[asn1_crl.CertificateList.load(c) for c in crls])
    return out.getvalue()


@pytest.fixture(scope="module")
def impostor(dev_keys):
    """The teacher's impostor: (certificate, signing key ready for ``sign_transcript``)."""
    from signer.keys import Pkcs12SigningKey, _InMemorySigner

    genuine = dev_keys[0]
    cert, key = impostor_of(genuine.certificate)
    return cert, Pkcs12SigningKey(_InMemorySigner(key, cert, list(genuine.signer.cert_registry)))


@pytest.fixture(scope="module")
def cases(tmp_path_factory, signed_transcript, demo_cohort, transcripts, dev_keys, dev_timestamper, dev_pki,
          signing_time, impostor):
    """{case: (PDF, trust roots)}: a valid B-LT transcript and four that must not pass as it."""
    from signer.pki import init_dev_pki
    from signer.render import render_transcript
    from signer.sign import make_timestamper, sign_transcript

    roots = dev_pki.trust_roots()
    pdf = signed_transcript.pdf
    other_credential = transcripts[1].to_credential(demo_cohort["issued_on"])
    other = sign_transcript(render_transcript(transcripts[1], other_credential, "https://example.invalid/v/x"),
                            *dev_keys, dev_timestamper)
    forged = sign_transcript(signed_transcript.unsigned_pdf, impostor[1], dev_keys[1], dev_timestamper)
    # revoked: a PKI of its own, whose CRL (embedded as B-LT does) lists the teacher
    pki = init_dev_pki(tmp_path_factory.mktemp("cms-revoked-pki"), valid_from=signing_time - timedelta(days=30))
    signed = sign_transcript(signed_transcript.unsigned_pdf, pki.signer_key("teacher"), pki.signer_key("principal"),
                             make_timestamper(None, pki, fixed_time=signing_time))
    pki.revoke("teacher", signing_time - timedelta(days=1))
    return {
        "valid": (pdf, roots),
        "tampered signature": (tampered_signature(pdf), roots),
        "impostor teacher": (forged, roots),
        "token of another document": (with_tokens_of(pdf, other), roots),
        "revoked in B-LT": (with_crls(signed, pki.crls(signing_time)), pki.trust_roots()),
    }


def pyhanko_statuses(pdf: bytes, roots) -> list:
    """pyHanko's own full account of every signature, as ``verifier.pdf`` validates it."""
    reader = verifier_pdf._open(pdf)
    revinfo = verifier_pdf._embedded_revocation_info(reader)
    now = verifier_pdf._context(roots)
    out = []
    for name, _, field in enumerate_sig_fields(reader, filled_status=True):
        try:
            status = event_loop.run(verifier_pdf._validate(EmbeddedPdfSignature(reader, field, name), roots,
                                                           now, revinfo))
        except Exception as e:  # noqa: BLE001 - the same error is the same answer
            out.append((type(e).__name__, str(e)))
            continue
        out.append((status.pretty_print_details(), status.signing_cert.dump(), status.intact, status.valid,
                    status.trusted, status.trust_problem_indic, status.timestamp_validity is not None and (
                        status.timestamp_validity.intact, status.timestamp_validity.valid,
                        status.timestamp_validity.trusted, status.timestamp_validity.timestamp)))
    return out


def answers(cases) -> dict:
    out = {}
    for case, (pdf, roots) in cases.items():
        pdf_speedups.path_cache.clear()  # each answer from a full validation
        out[case] = (read_pdf(pdf, roots), pyhanko_statuses(pdf, roots))
    return out


@pytest.fixture
def stock():
    """pyHanko's own code in the block; the speed-ups, with empty memos, afterwards."""
    cms_speedups.uninstall()
    try:
        yield
    finally:
        cms_speedups.install()
        cms_speedups.clear()


def test_every_report_is_pyhankos_with_the_speed_ups_empty_or_filled(cases, stock):
    cms_speedups.install()
    cms_speedups.clear()
    cold = answers(cases)
    warm = answers(cases)  # memos filled by the genuine transcript, then read by every other case
    reverse = answers(dict(reversed(list(cases.items()))))  # filled by the forgeries first
    assert len(cms_speedups._certificates) > 0 and len(cms_speedups._signing_certificate_ok) > 0
    cms_speedups.uninstall()
    expected = answers(cases)
    assert cold == expected and warm == expected and reverse == expected
    reports = {case: [(r.intact, r.trusted, r.timestamped, r.certificate_revocation) for r in answer[0][1]]
               for case, answer in expected.items()}
    # each case is what it was built to be
    assert reports["valid"] == [(True, True, True, "checked")] * 2
    assert [r[0] for r in reports["tampered signature"]] == [True, False]
    assert reports["impostor teacher"] == [(True, False, True, "not_checked"), (True, True, True, "not_checked")]
    # without a token of its own, the principal is checked now, when the embedded CRLs are stale
    assert reports["token of another document"] == [(True, True, True, "checked"), (True, False, False, "not_checked")]
    assert reports["revoked in B-LT"][0] == (True, False, True, "revoked")


def test_the_speed_ups_are_what_runs(signed_transcript, dev_pki):
    # they are installed by verifier.pdf, and a verification fills them
    cms_speedups.clear()
    read_pdf(signed_transcript.pdf, dev_pki.trust_roots())
    assert generic_cms._check_signing_certificate is cms_speedups.check_signing_certificate
    assert len(cms_speedups._certificates) >= 3  # the teacher's, the principal's and the TSA's at least
    assert len(cms_speedups._signing_certificate_ok) == 4  # two signatures, two time-stamp tokens


def test_a_certificate_is_shared_by_its_whole_bytes_and_an_impostor_misses(dev_keys, impostor):
    cms_speedups.clear()
    genuine = dev_keys[0].certificate
    fresh = x509.Certificate.load(genuine.dump())
    shared = cms_speedups.shared_certificate(fresh)
    assert shared.dump() == genuine.dump() and shared is not fresh
    assert cms_speedups.shared_certificate(x509.Certificate.load(genuine.dump())) is shared
    cert = impostor[0]
    assert (cert.subject, cert.issuer, cert.serial_number) == (genuine.subject, genuine.issuer, genuine.serial_number)
    assert cert.issuer_serial == genuine.issuer_serial  # what pyHanko's registry indexes by
    theirs = cms_speedups.shared_certificate(x509.Certificate.load(cert.dump()))
    assert theirs is not shared and theirs.dump() == cert.dump()
    assert theirs.public_key.dump() == cert.public_key.dump() != shared.public_key.dump()


def _extracted(signed_data) -> tuple:
    try:
        info: SignedDataCerts = generic_cms.extract_certificate_info(signed_data)
    except Exception as e:  # noqa: BLE001 - the same error is the same answer
        return type(e).__name__, str(e)
    return info.signer_cert.dump(), [c.dump() for c in info.other_certs], info.attribute_certs


def _containers(pdf: bytes) -> list:
    """Every signature's and every time-stamp token's SignedData."""
    out = []
    for signature in _signatures(pdf):
        out.append(signature.signed_data)
        out += list(generic_cms.extract_tst_data_iter(signature.signer_info, signed=False))
    return out


def test_the_signer_found_in_a_container_is_the_one_pyhanko_finds(cases, stock):
    # the certificates pyHanko's extraction returns: the same bytes, in the same roles and order,
    # or the same error; read twice (the second time from the memo), genuine containers first
    content = cms.ContentInfo.load(_signatures(cases["valid"][0])[0].pkcs7_content)
    without_signer = content["content"]
    others = [c for c in without_signer["certificates"]
              if c.chosen.dump() != generic_cms.extract_certificate_info(without_signer).signer_cert.dump()]
    without_signer["certificates"] = cms.CertificateSet(others)
    without_signer = cms.ContentInfo.load(content.dump(force=True))["content"]
    containers = [c for pdf, _ in cases.values() for c in _containers(pdf)] + [without_signer]
    cms_speedups.install()
    cms_speedups.clear()
    ours = [_extracted(c) for c in containers + containers]
    assert len(cms_speedups._partitions) >= 4  # teacher, principal, impostor teacher, TSA(s)
    cms_speedups.uninstall()
    expected = [_extracted(c) for c in containers]
    assert ours == expected + expected
    assert expected[-1][0] == "CMSExtractionError"
    impostor_teacher = _extracted(_signatures(cases["impostor teacher"][0])[0].signed_data)
    assert impostor_teacher[0] != expected[0][0]  # the impostor's own certificate, not the genuine one


def test_digest_algorithm_checks_answer_as_pyhanko(stock):
    from asn1crypto import algos

    signature_algos = [algos.SignedDigestAlgorithm({"algorithm": name}) for name in
                       ("sha256_rsa", "sha512_rsa", "rsassa_pkcs1v15", "sha256_ecdsa", "ed25519")]
    digests = [algos.DigestAlgorithm({"algorithm": name}) for name in ("sha256", "sha384", "sha512")]
    pairs = [(s, d) for s in signature_algos for d in digests]
    cms_speedups.install()
    ours = [cms_speedups.ensure_digest_match(s, d) for s, d in pairs + pairs]
    expected = [cms_speedups._stock_ensure_digest_match(s, d) for s, d in pairs]
    assert ours == expected + expected
    assert {c.allowed for c in expected} == {True, False}


def test_names_compare_as_asn1crypto_compares_them(dev_keys, impostor, stock):
    cms_speedups.install()
    names = [c.subject for c in (dev_keys[0].certificate, dev_keys[1].certificate, impostor[0])]
    names += [c.issuer for c in (dev_keys[0].certificate, impostor[0])]
    names.append(x509.Name.build({"common_name": "  Nguyễn   VĂN Đức ", "organization_name": "Trường THPT"}))
    ours = [n.hashable for n in names]
    assert [n.hashable for n in names] == ours  # read from the memo
    # a name changed after it was remembered: its new bytes are another key
    changed = names[0].copy()
    extra = x509.Name.build({"country_name": "VN"}).chosen[0]
    changed.chosen.append(extra)
    ours_changed = changed.hashable
    cms_speedups.uninstall()
    assert [n.hashable for n in names] == ours and changed.hashable == ours_changed != ours[0]


def test_the_signing_certificate_check_remembers_successes_only(signed_transcript, impostor, dev_keys):
    cms_speedups.clear()
    teacher = _signatures(signed_transcript.pdf)[0]
    attrs = teacher.signer_info["signed_attrs"]
    genuine = dev_keys[0].certificate
    cms_speedups.check_signing_certificate(genuine, attrs)
    cms_speedups.check_signing_certificate(genuine, attrs.untag())  # the same content, re-tagged: a hit
    assert len(cms_speedups._signing_certificate_ok) == 1
    for _ in range(2):  # the impostor's certificate against the genuine attributes: refused every time
        with pytest.raises(errors.SignatureValidationError) as refused:
            cms_speedups.check_signing_certificate(impostor[0], attrs)
        with pytest.raises(errors.SignatureValidationError) as by_pyhanko:
            cms_speedups._stock_check_signing_certificate(impostor[0], attrs)
        assert str(refused.value) == str(by_pyhanko.value)
    assert len(cms_speedups._signing_certificate_ok) == 1
