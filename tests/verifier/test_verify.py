"""Verdict rules of the verifier, on real signed PDFs with a fake chain and a fake evidence source."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from reportlab.pdfgen.canvas import Canvas

from core.canonical import canonical_json
from core.chain import InstitutionRecord, LeafStatus
from core.credential import Credential
from core.errors import ChainError
from core.hashes import ZERO, Hash32, institution_id, keccak256, sha256
from core.merkle import MerkleTree
from core.status import CheckCode, Verdict
from verifier.evidence import Evidence
from verifier.verify import Verifier


class FakeChain:
    def __init__(self, status: LeafStatus, registered: bool = True):
        self.status, self.registered, self.asked_at = status, registered, []

    def credential_status(self, root, leaf):
        return self.status if self.status.anchored else replace(self.status, anchored=False)

    def is_certificate_valid(self, issuer_id, fingerprint, at):
        self.asked_at.append(at)
        return self.registered

    def status_with_certificates(self, root, leaf, certificates):
        """As core.chain.RegistryReader's: each registration is asked only when its answer is used."""
        return self.credential_status(root, leaf), [Later(lambda c=c: self.is_certificate_valid(*c))
                                                    for c in certificates]

    def institution(self, institution_id):
        authority = institution_id == self.status.authority_id
        return InstitutionRecord(1 if authority else 2, "0x" + ("22" if authority else "11") * 20,
                                 ZERO if authority else self.status.authority_id,
                                 1_700_000_000, 0, False, True)

    def ministry_account(self):
        return "0x" + "33" * 20


class Later:
    def __init__(self, ask):
        self.value = ask


class FakeEvidence:
    def __init__(self, evidence: Evidence | None):
        self._evidence = evidence

    def evidence(self, document_id):
        return self._evidence


def anchored(issuer: str, anchored_at: int, **changes) -> LeafStatus:
    status = LeafStatus(
        anchored=True, issuer_id=institution_id(issuer), authority_id=institution_id("SGD-79"),
        issuer_account="0x" + "11" * 20, issuer_suspended=False, anchored_at=anchored_at, anchored_block=42,
        kind=1, leaf_count=2, revoked=False, revocation_reason=0, revocation_decision=ZERO, revoked_at=0,
        revoked_by=ZERO, superseded_by=ZERO, superseded_in_root=ZERO, supersede_decision=ZERO,
        superseded_at=0, superseded_by_institution=ZERO)
    return replace(status, **changes)


@pytest.fixture(scope="module")
def case(signed_transcript, signing_time):
    """The signed transcript in a two-leaf batch anchored a day after signing."""
    leaf = signed_transcript.credential.leaf(sha256(signed_transcript.pdf))
    tree = MerkleTree.build([leaf, keccak256(b"another document")])
    evidence = Evidence(signed_transcript.credential.id, tree.root, tuple(tree.proof(leaf)),
                        {"tx_hash": "0x" + "ab" * 32, "chain_id": 1337, "contract": "0x" + "22" * 20}, None)
    return signed_transcript, evidence, int((signing_time + timedelta(days=1)).timestamp())


def verify(pdf, chain, evidence, dev_pki):
    return Verifier(chain, dev_pki.trust_roots(), FakeEvidence(evidence)).verify_pdf(pdf)


def test_valid_and_the_window_is_checked_at_the_trusted_timestamp(case, dev_pki, signing_time):
    signed, evidence, at = case
    chain = FakeChain(anchored(signed.credential.issuer, at))
    report = verify(signed.pdf, chain, evidence, dev_pki)
    assert report.status is Verdict.VALID
    assert chain.asked_at == [int(signing_time.timestamp())] * 2
    assert report.anchor["root"] == evidence.root.hex0x and report.anchor["tx_hash"] == "0x" + "ab" * 32


def test_a_root_anchored_by_another_school_is_not_anchored(case, dev_pki):
    signed, evidence, at = case
    report = verify(signed.pdf, FakeChain(anchored("THPT-79-LHP", at)), evidence, dev_pki)
    assert report.status is Verdict.NOT_ANCHORED
    assert CheckCode.ANCHORED_BY_OTHER_ISSUER in {c.code for c in report.checks}


def test_a_signer_not_registered_for_the_school_is_untrusted(case, dev_pki):
    signed, evidence, at = case
    report = verify(signed.pdf, FakeChain(anchored(signed.credential.issuer, at), registered=False), evidence, dev_pki)
    assert report.status is Verdict.UNTRUSTED_SIGNER


def test_a_signature_timestamped_after_the_anchor_is_tampered(case, dev_pki, signing_time):
    signed, evidence, _ = case
    before = int((signing_time - timedelta(days=1)).timestamp())
    report = verify(signed.pdf, FakeChain(anchored(signed.credential.issuer, before)), evidence, dev_pki)
    assert report.status is Verdict.TAMPERED
    assert CheckCode.SIGNED_AFTER_ANCHORING in {c.code for c in report.checks}


class RefusingRegistrations(FakeChain):
    """A node that answers the status but refuses the registrations read in the same batch."""

    def is_certificate_valid(self, issuer_id, fingerprint, at):
        self.asked_at.append(at)
        raise ChainError("the chain node refused isCertificateValid: execution reverted")


def test_a_refused_registration_read_fails_the_verification_only_when_its_answer_is_needed(case, dev_pki,
                                                                                             signing_time):
    signed, evidence, at = case
    with pytest.raises(ChainError):  # anchored: the answer is needed, the error surfaces (a 503), as before
        verify(signed.pdf, RefusingRegistrations(anchored(signed.credential.issuer, at)), evidence, dev_pki)
    for status in (anchored(signed.credential.issuer, at, anchored=False), anchored("THPT-79-LHP", at),
                   anchored(signed.credential.issuer, int((signing_time - timedelta(days=1)).timestamp()))):
        chain = RefusingRegistrations(status)  # not anchored, by another school, signed after anchoring
        report = verify(signed.pdf, chain, evidence, dev_pki)
        assert report.status in (Verdict.NOT_ANCHORED, Verdict.TAMPERED) and chain.asked_at == []


def test_superseded_names_the_replacement(case, dev_pki):
    signed, evidence, at = case
    new_leaf = keccak256(b"corrected")
    status = anchored(signed.credential.issuer, at, superseded_by=new_leaf, superseded_at=at + 60)
    report = verify(signed.pdf, FakeChain(status), evidence, dev_pki)
    assert report.status is Verdict.SUPERSEDED and report.supersession["superseded_by"] == new_leaf.hex0x


def test_revocation_shows_the_decision_only_if_its_hash_matches_the_chain(case, dev_pki):
    signed, evidence, at = case
    decision = "Quyết định số 15/QĐ-SGDĐT"
    status = anchored(signed.credential.issuer, at, revoked=True, revocation_reason=6,
                      revocation_decision=sha256(canonical_json(decision)), revoked_at=at + 60)
    for claimed, shown in ((decision, decision), ("Quyết định giả", None)):
        report = verify(signed.pdf, FakeChain(status), replace(evidence, revocation={"decision": claimed}), dev_pki)
        assert report.status is Verdict.REVOKED
        assert report.revocation["decision"] == shown
        assert report.revocation["reason_name"] == "issuer_error"


def test_no_evidence_or_a_wrong_proof_is_not_anchored(case, dev_pki):
    signed, evidence, at = case
    chain = FakeChain(anchored(signed.credential.issuer, at))
    assert verify(signed.pdf, chain, None, dev_pki).status is Verdict.NOT_ANCHORED
    wrong = replace(evidence, proof=(keccak256(b"x"),))
    report = verify(signed.pdf, chain, wrong, dev_pki)
    assert report.status is Verdict.NOT_ANCHORED
    assert CheckCode.PROOF_MISMATCH in {c.code for c in report.checks}


def ordinary_pdf() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "An ordinary letter")
    canvas.save()
    return buffer.getvalue()


def test_an_ordinary_pdf_is_unknown_not_tampered(dev_pki):
    report = verify(ordinary_pdf(), FakeChain(anchored("X", 1)), None, dev_pki)
    assert report.status is Verdict.UNKNOWN and report.document_id is None


def test_a_document_naming_another_school_than_its_issuer_is_untrusted(signed_transcript, dev_pki, dev_keys,
                                                                       dev_timestamper, signing_time):
    from signer.render import render_transcript
    from signer.sign import sign_transcript

    # a registered school issues under its own code, but with another school's name and code in the content
    c = signed_transcript.transcript.to_credential("2026-06-05")
    forged = Credential(c.id, c.kind, "THPT-79-LHP", c.issued_on, c.fields, c.salt)
    pdf = sign_transcript(render_transcript(signed_transcript.transcript, forged, "https://x/v/" + c.id),
                          *dev_keys, dev_timestamper)
    leaf = forged.leaf(sha256(pdf))
    evidence = Evidence(c.id, Hash32(leaf), (), None, None)
    at = int((signing_time + timedelta(days=1)).timestamp())
    report = verify(pdf, FakeChain(anchored("THPT-79-LHP", at)), evidence, dev_pki)
    assert report.status is Verdict.UNTRUSTED_SIGNER
    assert CheckCode.ISSUER_MISMATCH in {c.code for c in report.checks}


@pytest.mark.parametrize("hostile", [b"[" * 200_000, b'{"format":"sogoc.credential/2","fields":{"a":1.5}}',
                                     b"x" * (70 * 1024)])
def test_a_hostile_embedded_credential_is_reported_not_crashed(dev_pki, hostile):
    from signer.render import embed_credential

    pdf = embed_credential(ordinary_pdf(), hostile)
    report = verify(pdf, FakeChain(anchored("X", 1)), None, dev_pki)
    assert report.status is Verdict.TAMPERED
    assert CheckCode.BAD_CREDENTIAL in {c.code for c in report.checks}


def test_the_accreditation_chain_runs_from_the_ministry_to_the_school(case, dev_pki):
    signed, evidence, at = case
    school = signed.credential.fields["school"]
    named = replace(evidence, institutions=(
        (signed.credential.issuer, "Tên theo sổ đăng ký", "issuer"),
        ("SGD-79", "Sở Giáo dục và Đào tạo TP. Hồ Chí Minh", "authority"),
        ("BGDDT", "Bộ Giáo dục và Đào tạo", "ministry"),
        ("SGD-01", "A name for an id that is not in this chain", "authority")))
    report = verify(signed.pdf, FakeChain(anchored(signed.credential.issuer, at)), named, dev_pki)
    levels = report.to_json()["accreditation"]
    assert [level["level"] for level in levels] == ["ministry", "authority", "issuer"]
    assert [level["name"] for level in levels] == [
        "Bộ Giáo dục và Đào tạo", "Sở Giáo dục và Đào tạo TP. Hồ Chí Minh", "Tên theo sổ đăng ký"]
    assert all(level["valid_at_issue"] for level in levels)
    assert levels[2]["id"] == institution_id(signed.credential.issuer).hex0x and levels[0]["account"] == "0x" + "33" * 20
    # without the registry's names, the document's own (signed) names are shown
    plain = verify(signed.pdf, FakeChain(anchored(signed.credential.issuer, at)), evidence, dev_pki)
    assert [level["name"] for level in plain.accreditation] == [None, school["authority"], school["name"]]


def test_a_school_outside_its_period_at_issue_is_shown_so(case, dev_pki):
    signed, evidence, at = case

    class Expired(FakeChain):
        def institution(self, institution_id):
            record = super().institution(institution_id)
            return replace(record, valid_until=at - 1, suspended=True) if record.kind == 2 else record

    report = verify(signed.pdf, Expired(anchored(signed.credential.issuer, at)), evidence, dev_pki)
    school = report.accreditation[-1]
    assert school["valid_at_issue"] is False and school["suspended_now"] is True


def test_another_version_of_the_format_is_unknown_not_tampered(case, dev_pki):
    """A genuine file of an older format (a salt per field, never issued outside development) is
    not evidence of tampering: the verdict is unknown, and says why."""
    verifier = Verifier(FakeChain(anchored("THPT-79-NTMK", case[2])), dev_pki.trust_roots(), FakeEvidence(case[1]))
    old = json.loads(case[0].credential.to_json())
    old["format"] = "sogoc.credential/1"
    checks: list = []
    assert verifier._credential(json.dumps(old).encode(), checks) is None
    assert [(c.code, c.verdict) for c in checks] == [(CheckCode.UNSUPPORTED_FORMAT, Verdict.UNKNOWN)]


def test_a_signature_that_cannot_be_read_is_tampered_and_reported(case, dev_pki):
    """A damaged signature dictionary: no signer, no certificate, still a complete report."""
    transcript, evidence, anchored_at = case
    pdf = transcript.pdf.replace(b"/ByteRange", b"/ByteRangx", 1)
    report = verify(pdf, FakeChain(anchored(transcript.credential.issuer, anchored_at)), evidence, dev_pki)
    assert report.status is Verdict.TAMPERED
    unreadable = [s for s in report.to_json()["signatures"] if s["certificate_sha256"] is None]
    assert unreadable and not unreadable[0]["intact"] and unreadable[0]["problem"]
