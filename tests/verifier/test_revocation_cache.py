"""The path cache with revocation data (PAdES B-LT): cached and uncached answers are the same.

``verifier.pdf_speedups.PathCache`` remembers a successful validation made with the CRLs a
document carries, keyed by those CRLs' bytes, and reuses it only for validation times inside
the interval where nothing it read would answer differently. These tests run the same grid of
documents (time-stamped inside and outside the CRLs' windows) and CRL sets (current, expired,
not yet issued, listing the signer as revoked, from another issuer) with the cache bypassed,
then with it filled in one order and read in another, and compare every report.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from verifier import pdf_speedups
from verifier.pdf import check_signatures


def with_crls(pdf: bytes, crls: list[bytes]) -> bytes:
    """``pdf`` with an update adding a DSS that holds ``crls`` (as a B-LT signer would)."""
    from asn1crypto import crl as asn1_crl
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(out, None, crls=[asn1_crl.CertificateList.load(c) for c in crls])
    return out.getvalue()


@pytest.fixture(scope="module")
def grid(tmp_path_factory, signed_transcript, signing_time, untrusted_pki):
    """{(document, CRL set): PDF} and the PKI's trust roots.

    Documents: signed (B-T) and time-stamped at T, and at T + 10 days, which is outside the
    window of CRLs issued at T (they are current for 7 days)."""
    from signer.pki import init_dev_pki
    from signer.sign import make_timestamper, sign_transcript

    t = signing_time
    pki = init_dev_pki(tmp_path_factory.mktemp("revocation-cache-pki"), valid_from=t - timedelta(days=30))
    keys = pki.signer_key("teacher"), pki.signer_key("principal")
    documents = {name: sign_transcript(signed_transcript.unsigned_pdf, *keys, make_timestamper(None, pki, fixed_time=at))
                 for name, at in (("at T", t), ("at T+10d", t + timedelta(days=10)))}
    crl_sets = {
        "none": [],
        "current at T": pki.crls(t),
        "expired before T": pki.crls(t - timedelta(days=10)),
        "issued after T": pki.crls(t + timedelta(hours=1)),
        "current at T+10d": pki.crls(t + timedelta(days=10)),
        "another issuer's only": untrusted_pki.crls(t),
        "current at T and another issuer's": pki.crls(t) + untrusted_pki.crls(t),
    }
    pki.revoke("teacher", t - timedelta(days=1))  # every CRL made from now on lists the teacher
    crl_sets["teacher revoked, at T"] = pki.crls(t)
    crl_sets["teacher revoked, at T+10d"] = pki.crls(t + timedelta(days=10))
    pdfs = {(doc, crls): with_crls(pdf, crl_set) if crl_set else pdf
            for doc, pdf in documents.items() for crls, crl_set in crl_sets.items()}
    return pdfs, pki.trust_roots()


@pytest.fixture
def uncached(monkeypatch):
    """Run the code with the path cache out of the way (pyHanko validates every chain)."""
    def run(pdf, roots):
        with monkeypatch.context() as m:
            m.setattr(pdf_speedups.path_cache, "lookup", lambda *args: None)
            return check_signatures(pdf, roots)
    return run


def summary(reports):
    return [(r.signer_name, r.trusted, r.problem) for r in reports]


def test_cached_answers_are_the_uncached_answers_over_the_grid(grid, uncached):
    pdfs, roots = grid
    expected = {case: uncached(pdf, roots) for case, pdf in pdfs.items()}
    # the grid holds both answers, for the reasons it was built for
    assert summary(expected["at T", "current at T"]) == [("Trần Thị Thu Hương", True, None),
                                                           ("Nguyễn Văn Đức", True, None)]
    assert expected["at T", "teacher revoked, at T"][0].problem.endswith(": it is revoked")
    assert expected["at T", "teacher revoked, at T"][1].trusted
    assert not any(r.trusted for r in expected["at T", "expired before T"])
    assert not any(r.trusted for r in expected["at T", "issued after T"])
    assert not any(r.trusted for r in expected["at T+10d", "current at T"])  # stale at T+10d
    assert all(r.trusted for r in expected["at T+10d", "current at T+10d"])
    assert all(r.trusted for r in expected["at T", "another issuer's only"])  # none for these certificates
    assert all(r.trusted for r in expected["at T", "current at T and another issuer's"])

    pdf_speedups.path_cache.clear()
    for order in (list(pdfs), list(reversed(pdfs)), list(pdfs)):
        for case in order:
            assert check_signatures(pdfs[case], roots) == expected[case], case
    assert pdf_speedups.path_cache.hits > 0  # the second and third passes were answered by the cache
    pdf_speedups.path_cache.clear()


def test_a_cached_success_is_not_reused_outside_the_crls_window(grid, uncached):
    # Same certificates, same CRL bytes, so the same key: but the time-stamp is past the CRLs' nextUpdate.
    pdfs, roots = grid
    pdf_speedups.path_cache.clear()
    assert all(r.ok for r in check_signatures(pdfs["at T", "current at T"], roots))
    hits = pdf_speedups.path_cache.hits
    late = check_signatures(pdfs["at T+10d", "current at T"], roots)
    assert late == uncached(pdfs["at T+10d", "current at T"], roots)
    assert [r.trusted for r in late] == [False, False]
    assert pdf_speedups.path_cache.hits - hits <= 2  # only the time-stamp tokens' chains (checked now)
    pdf_speedups.path_cache.clear()


def test_a_revoked_signer_is_refused_after_the_same_chain_was_cached(grid):
    pdfs, roots = grid
    pdf_speedups.path_cache.clear()
    assert all(r.ok for r in check_signatures(pdfs["at T", "current at T"], roots))
    teacher, principal = check_signatures(pdfs["at T", "teacher revoked, at T"], roots)
    assert not teacher.trusted and principal.ok
    assert teacher.problem == "the signer's certificate is not trusted at the time of its timestamp: it is revoked"
    pdf_speedups.path_cache.clear()


def test_the_window_stops_at_revocation_dates_and_needs_a_current_crl(dev_pki, signing_time):
    """A point-in-time validation holds an entry against a certificate only if it was revoked before
    the validation time: a cached answer must not cross any entry's date, nor a CRL's thisUpdate or
    nextUpdate. (An unrelated issuer name: no certificate's validity narrows the window here.)"""
    from asn1crypto import x509

    from verifier.pdf import _context

    t, day = signing_time, timedelta(days=1)
    context = _context(dev_pki.trust_roots())
    other = x509.Name.build({"common_name": "Some Other CA"})

    def window(moment, this_update, next_update, revoked=()):
        facts = pdf_speedups.CrlFacts(b"crl", other, this_update, next_update, tuple(revoked))
        return pdf_speedups._same_answer_window(pdf_speedups.CacheLookup((), moment, (facts,), context), [])

    assert window(t, t - day, t + 7 * day) == (t - day, t + 7 * day)
    assert window(t, t - day, t + 7 * day, [t - 2 * day, t + day]) == (t - day, t + day)
    assert window(t, t - 3 * day, t + 7 * day, [t - 2 * day]) == (t - 2 * day + timedelta(microseconds=1), t + 7 * day)
    assert window(t, t - day, None) is None  # no nextUpdate: never cached
    assert window(t, t + day, t + 7 * day) is None  # issued after the validation time
    assert window(t, t - 9 * day, t - 2 * day) is None  # expired


def test_the_window_ends_with_the_validity_of_an_indirect_crl_issuers_chain(dev_pki, signing_time):
    """A CRL signed by a certificate outside the signer's path (an indirect CRL issuer): pyHanko
    validates that certificate's chain too, so the cached answer must end when any certificate of
    that chain expires, here the intermediate above the CRL signer, two days after the validation."""
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from verifier.pdf import _context

    t, day = signing_time, timedelta(days=1)
    root = dev_pki.trust_roots()[0]
    key = ec.generate_private_key(ec.SECP256R1())

    def certificate(subject: str, issuer: x509.Name, not_after) -> asn1_x509.Certificate:
        name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, subject)])
        made = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(t - 30 * day)
                .not_valid_after(not_after).sign(key, hashes.SHA256()))
        return asn1_x509.Certificate.load(made.public_bytes(serialization.Encoding.DER))

    def subject(cert: asn1_x509.Certificate) -> x509.Name:
        return x509.load_der_x509_certificate(cert.dump()).subject

    intermediate = certificate("Revocation Intermediate (TEST)", subject(root), t + 2 * day)
    crl_signer = certificate("CRL Signer (TEST)", subject(intermediate), t + 300 * day)
    context = _context(dev_pki.trust_roots())
    for cert in (intermediate, crl_signer):
        context.certificate_registry.register(cert)
    facts = pdf_speedups.CrlFacts(b"crl", crl_signer.subject, t - day, t + 7 * day, ())
    window = pdf_speedups._same_answer_window(pdf_speedups.CacheLookup((), t, (facts,), context), [])
    assert window is not None and window[1] == t + 2 * day
