"""Signing with a key on a PKCS#11 token, for real: SoftHSM2 stands in for a principal's USB token."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, pkcs12

from signer.errors import SignerError
from signer.keys import Pkcs11SigningKey
from signer.pki import DEV_PASSPHRASE
from signer.render import render_transcript
from signer.sign import sign_transcript
from verifier.pdf import check_signatures

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
PIN, SO_PIN, TOKEN = "246810", "13579111", "sogoc-test-token"


@pytest.fixture(scope="module")
def token(tmp_path_factory, dev_pki):
    """A fresh SoftHSM2 token holding the principal's key (not extractable) and certificate."""
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read by the module when it is loaded
    run = lambda *args: subprocess.run(args, check=True, capture_output=True, text=True)  # noqa: E731
    run("softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN)
    key, cert, _ = pkcs12.load_key_and_certificates(dev_pki.p12("principal").read_bytes(), DEV_PASSPHRASE)
    (root / "key.pem").write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    (root / "cert.der").write_bytes(cert.public_bytes(Encoding.DER))
    run("softhsm2-util", "--import", str(root / "key.pem"), "--token", TOKEN, "--label", "principal",
        "--id", "01", "--pin", PIN)
    (root / "key.pem").unlink()
    run("pkcs11-tool", "--module", str(MODULE), "--token-label", TOKEN, "--login", "--pin", PIN,
        "--write-object", str(root / "cert.der"), "--type", "cert", "--id", "01", "--label", "principal")
    return root


def test_a_transcript_signed_by_the_principal_on_a_token_validates(token, dev_pki, dev_keys, dev_timestamper,
                                                                   transcripts):
    ca = [c for c in dev_keys[1].signer.cert_registry if not c.self_signed == "yes"]
    key = Pkcs11SigningKey.open(MODULE, token_label=TOKEN, key_label="principal", pin=PIN, chain=ca)
    try:
        assert key.subject_name == dev_keys[1].subject_name
        transcript = transcripts[0]
        credential = transcript.to_credential("2026-06-05")
        pdf = render_transcript(transcript, credential, f"https://example.test/v/{credential.id}")
        signed = sign_transcript(pdf, dev_keys[0], key, dev_timestamper)
    finally:
        key.close()
    reports = check_signatures(signed, dev_pki.trust_roots())
    assert [(r.field_name, r.ok) for r in reports] == [("GiaoVienChuNhiem", True), ("HieuTruong", True)]
    assert reports[1].signer_name == "Nguyễn Văn Đức"


def test_a_wrong_pin_is_refused_without_showing_it(token):
    with pytest.raises(SignerError) as e:
        Pkcs11SigningKey.open(MODULE, token_label=TOKEN, key_label="principal", pin="999999")
    assert e.value.code == "token_unavailable"
    assert "999999" not in str(e.value) and PIN not in str(e.value)


def test_a_missing_key_label_is_named(token):
    with pytest.raises(SignerError, match="no key and certificate labelled 'teacher'"):
        Pkcs11SigningKey.open(MODULE, token_label=TOKEN, key_label="teacher", pin=PIN)


def imported_store(tmp_path):
    """The example class imported, ready to issue."""
    from signer.importing import SchoolProfile, TranscriptStore, import_file

    examples = Path(__file__).parents[2] / "examples"
    store = TranscriptStore(tmp_path / "store")
    assert import_file(examples / "hoc-ba-12A1.csv", SchoolProfile.load(examples / "school-THPT-79-NTMK.toml"),
                       store).ok
    return store


def test_bulk_issuing_signs_as_principal_with_the_token(token, dev_pki, tmp_path):
    """The signing processes each log in to the token; the PIN never appears in what is printed."""
    from sogoc.issue import SignerSetup, TokenKey, issue_year

    store = imported_store(tmp_path)
    setup = SignerSetup(dev_pki.directory, "", "https://example.test", "2026-06-05",
                        TokenKey(MODULE, TOKEN, "principal", PIN))
    assert PIN not in repr(setup)
    summary = issue_year(store, "THPT-79-NTMK", "2025-2026", tmp_path / "out", setup, lambda c, p: None, workers=1)
    assert summary.signed == 3
    for pdf in (tmp_path / "out").glob("*.pdf"):
        assert all(r.ok for r in check_signatures(pdf.read_bytes(), dev_pki.trust_roots()))


def test_a_wrong_pin_stops_bulk_issuing_before_any_worker_tries_it(token, dev_pki, tmp_path):
    """One login attempt, not one per worker restart: tokens lock after a few wrong PINs."""
    from sogoc.issue import SignerSetup, TokenKey, issue_year

    store = imported_store(tmp_path)
    setup = SignerSetup(dev_pki.directory, "", "https://example.test", "2026-06-05",
                        TokenKey(MODULE, TOKEN, "principal", "000000"))
    with pytest.raises(SignerError) as e:
        issue_year(store, "THPT-79-NTMK", "2025-2026", tmp_path / "out", setup, lambda c, p: None, workers=2)
    assert e.value.code == "token_unavailable"
    assert not list((tmp_path / "out").glob("*.pdf"))
    # the right PIN afterwards still works (the token is not locked, the lock file was released)
    good = SignerSetup(dev_pki.directory, "", "https://example.test", "2026-06-05",
                       TokenKey(MODULE, TOKEN, "principal", PIN))
    assert issue_year(store, "THPT-79-NTMK", "2025-2026", tmp_path / "out", good, lambda c, p: None,
                      workers=1).signed == 3


def test_a_teacher_on_a_token_signs_b_lt_with_the_ca_chain_the_profile_names(token, dev_pki, dev_keys,
                                                                             dev_timestamper, dev_ltv, transcripts,
                                                                             tmp_path):
    """A token holds only its owner's certificate: the profile's ``ca_chain`` supplies the CA's, which
    B-LT must prove (without it the teacher's chain cannot be validated and nothing is signed)."""
    from signer.teachers import TeacherKeys, declared_sources

    (tmp_path / "ca.pem").write_bytes(dev_pki.ca_pem.read_bytes())
    profile = tmp_path / "school.toml"
    profile.write_text(f'pkcs11_module = "{MODULE}"\nca_chain = "ca.pem"\n[teachers]\n'
                       f'"Nguyễn Văn Đức" = {{ token = "{TOKEN}", key_label = "principal" }}\n', "utf-8")
    declared = declared_sources(profile, lambda env, prompt: PIN)
    key = TeacherKeys(declared).load("Nguyễn Văn Đức")
    try:
        transcript = transcripts[0]
        credential = transcript.to_credential("2026-06-05")
        pdf = render_transcript(transcript, credential, f"https://example.test/v/{credential.id}")
        signed = sign_transcript(pdf, key, dev_keys[1], dev_timestamper, dev_ltv)
    finally:
        key.close()
    reports = check_signatures(signed, dev_pki.trust_roots())
    assert [(r.ok, r.certificate_revocation) for r in reports] == [(True, "checked")] * 2

    profile.write_text(f'pkcs11_module = "{MODULE}"\n[teachers]\n"Nguyễn Văn Đức" = {{ token = "{TOKEN}" }}\n',
                       "utf-8")
    with pytest.raises(SignerError) as e:
        declared_sources(profile, lambda env, prompt: PIN)
    assert e.value.code == "bad_school_profile" and "ca_chain" in str(e.value)
