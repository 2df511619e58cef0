"""signer.asn1_speedups: asn1crypto's DER encoding, done once per value, gives the original's bytes."""

import asyncio
import hashlib

import pytest
from asn1crypto import cms, core

from signer import asn1_speedups


def _both(build, force: bool = False) -> tuple[bytes, bytes]:
    """``build()``'s value dumped by asn1crypto's own ``dump`` and by ours, each on a fresh value."""
    asn1_speedups.uninstall()
    try:
        original = build().dump(force=force)
    finally:
        asn1_speedups.install()
    return original, build().dump(force=force)


def test_signing_installs_it():
    import signer.sign  # noqa: F401

    assert core.Asn1Value.dump is asn1_speedups.dump


@pytest.mark.parametrize("force", [False, True])
def test_a_cms_signature_built_by_pyhanko_encodes_to_the_same_bytes(dev_keys, force):
    """A detached CMS signature (PAdES attributes, the signer's chain): new structures all the way
    down, which is where the original encodes twice per level. RSA PKCS#1 v1.5 and no signing
    time: two builds are the same value."""
    digest = hashlib.sha256(b"hoc ba").digest()

    def build():
        return asyncio.run(dev_keys[0].signer.async_sign(digest, "sha256", use_pades=True))

    original, ours = _both(build, force)
    assert original == ours
    assert cms.ContentInfo.load(ours).dump(force=True) == ours  # DER, as parsed back


def test_a_time_stamped_signature_encodes_to_the_same_bytes_twice(dev_keys, dev_timestamper):
    """With a time-stamp token (random nonce: one value, dumped by each encoder in turn)."""
    digest = hashlib.sha256(b"hoc ba").digest()
    value = asyncio.run(dev_keys[1].signer.async_sign(digest, "sha256", use_pades=True, timestamper=dev_timestamper))
    asn1_speedups.uninstall()
    try:
        original = value.dump()
    finally:
        asn1_speedups.install()
    assert value.dump() == original
    assert value.dump(force=True) == original


@pytest.mark.parametrize("ber", [
    b"\x30\x80\x02\x01\x05\x04\x02ab\x00\x00",  # SEQUENCE of indefinite length
    b"\x24\x80\x04\x02ab\x04\x01c\x00\x00",  # OCTET STRING, constructed, indefinite length
])
def test_indefinite_length_ber_is_re_encoded_as_the_original_does(ber):
    for force in (False, True):
        cls = core.Sequence if ber[0] == 0x30 else core.OctetString
        original, ours = _both(lambda: cls.load(ber), force)
        assert original == ours
        assert b"\x80" not in ours[:2]  # definite length
