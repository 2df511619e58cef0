"""Speed-ups for pyHanko's CMS and time-stamp checks, each giving exactly pyHanko's answer.

A verification checks four CMS containers (the teacher's and the principal's signatures and
their time-stamp tokens). Each carries the same few certificates as every other document of the
school (the signer's, the TSA's, the CA's), and pyHanko parses them afresh from the signature's
bytes every time, then works out, on each fresh object, what the certificate registry and the
ESS checks read (issuer and serial, key identifiers, key hash, names prepared by RFC 4518). It
also checks the ESS signing-certificate attribute of a container two or three times. Three
remembered pure functions of DER bytes remove that repeated work:

1. :func:`shared_certificate`: one parsed ``x509.Certificate`` per certificate, keyed by the
   SHA-256 of its whole DER encoding, fully parsed and with its derived values worked out
   before anybody else sees it. pyHanko and its certificate validator only read certificates
   (they copy before changing a public key, ``sig_validate`` and ``validate``), and asn1crypto
   certificates compare by identity only where nobody compares them (names, issuer/serial and
   fingerprints are what is compared). A certificate whose re-encoding after parsing is not
   its own bytes is not shared: pyHanko's fresh object is used.
2. :func:`name_hashable`: asn1crypto's ``Name.hashable`` (the RFC 5280 comparison form of a
   name, by which the registry indexes subjects) per SHA-256 of the name's DER.
3. :func:`check_signing_certificate`: pyHanko's ESS signing-certificate check, remembered when
   it passes, per SHA-256 of (certificate DER, signed attributes DER). A failure is never
   remembered: pyHanko's check runs and raises its own error every time.

An impostor's certificate with the same subject, issuer and serial has other bytes, so another
key: it never meets the genuine one's object or answers. The cryptographic checks themselves
(the signature values, the message digests, the time-stamp imprints, the path validation's
signatures) are not touched and run for every document.

Installed process-wide by ``verifier.pdf`` (:func:`install`; :func:`uninstall` brings back
pyHanko's code, for the equivalence tests).
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any, Callable

from asn1crypto import cms, x509
from pyhanko.sign import general
from pyhanko.sign.general import SignedDataCerts
from pyhanko.sign.validation import generic_cms
from pyhanko.sign.validation import utils as validation_utils

from verifier.pdf_speedups import _Memo

_stock_partition_certs = general._partition_certs
_stock_check_signing_certificate = generic_cms._check_signing_certificate
_stock_name_hashable = x509.Name.hashable
_stock_extract_certificate_info = generic_cms.extract_certificate_info
_stock_ensure_digest_match = validation_utils._ensure_digest_match

#: About 30 KB of parsed objects each; a school uses a handful (teacher, principal, CA, TSA).
_certificates = _Memo(256)
_hashables = _Memo(4096)
_signing_certificate_ok = _Memo(1024)
_partitions = _Memo(256)
_digest_matches = _Memo(256)


def _digest(*parts: bytes) -> bytes:
    """SHA-256 of length-prefixed parts: no two different tuples of parts give the same input."""
    h = hashlib.sha256()
    for part in parts:
        h.update(struct.pack(">Q", len(part)))
        h.update(part)
    return h.digest()


def _warmed(der: bytes) -> x509.Certificate | None:
    """``der`` parsed, every lazy part built and every derived value worked out (so that threads
    sharing it only read); None when it does not parse whole or does not re-encode to ``der``."""
    try:
        cert = x509.Certificate.load(der)
        cert.native  # parses every child, recursively, and every extension's value
        for name in (cert.subject, cert.issuer):
            name.native, name.sha256, name.hashable
        cert.public_key.sha1, cert.public_key.sha256
        cert.sha1, cert.sha256, cert.issuer_serial, cert.serial_number
        cert.key_identifier, cert.authority_key_identifier, cert.self_issued, cert.self_signed
        cert.critical_extensions
        if cert._is_mutated() or cert.dump() != der:
            return None
    except Exception:  # noqa: BLE001 - pyHanko gets its own fresh object and judges it
        return None
    return cert


def shared_certificate(cert: x509.Certificate) -> x509.Certificate:
    """The process's parsed object for ``cert``'s DER bytes (``cert`` itself if not shareable).

    Keyed by the SHA-256 of the whole encoding: only identical bytes get the shared object.
    """
    if type(cert) is not x509.Certificate:
        return cert
    der = cert.dump()
    key = hashlib.sha256(der).digest()
    known = _certificates.get(key)
    if known is None:
        known = _warmed(der)
        if known is None:
            return cert
        _certificates.put(key, known)
    return known


def partition_certs(certs, signer_info, *, _partition: Callable[..., Any] = _stock_partition_certs):
    """pyHanko's ``_partition_certs`` (signer's certificate, the others) over shared certificates."""
    return _partition([shared_certificate(c) for c in certs], signer_info)


def _is_shared(cert: x509.Certificate) -> bool:
    return _certificates.get(hashlib.sha256(cert.dump()).digest()) is cert


def extract_certificate_info(signed_data, *, _extract: Callable[..., Any] = _stock_extract_certificate_info):
    """pyHanko's ``extract_certificate_info``, remembered per (certificate set DER, signer
    identifier DER): which certificate is the signer's and which are the others is a pure
    function of those bytes, the same for every document the same person signed (and for
    every token of the same TSA).

    Remembered only when every entry is an X.509 certificate (no attribute certificates) and
    all are shared (:func:`shared_certificate`); any error (no single SignerInfo, no signer's
    certificate, an unreadable set) is pyHanko's, raised by pyHanko's code on every call.
    """
    try:
        certificates = signed_data["certificates"]
        sid = general.extract_signer_info(signed_data)["sid"]
        key = _digest(certificates.dump(), sid.dump()) if type(certificates) is cms.CertificateSet else None
    except Exception:  # noqa: BLE001 - pyHanko's code below raises its own error
        key = None
    known = None if key is None else _partitions.get(key)
    if known is None:
        info = _extract(signed_data)
        if key is not None and not info.attribute_certs and all(c.name == "certificate" for c in certificates) \
                and all(_is_shared(c) for c in (info.signer_cert, *info.other_certs)):
            _partitions.put(key, (info.signer_cert, tuple(info.other_certs)))
        return info
    signer, others = known
    return SignedDataCerts(signer_cert=signer, other_certs=list(others), attribute_certs=[])


def ensure_digest_match(signature_algo, message_digest_algo, *,
                        _match: Callable[..., Any] = _stock_ensure_digest_match):
    """pyHanko's check that the message digest algorithm is the one the signature algorithm
    implies, remembered per (signature algorithm DER, digest algorithm DER); the answer is a
    frozen ``AlgorithmUsageConstraint``."""
    key = _digest(type(signature_algo).__qualname__.encode(), signature_algo.dump(),
                  type(message_digest_algo).__qualname__.encode(), message_digest_algo.dump())
    known = _digest_matches.get(key)
    if known is None:
        known = _match(signature_algo, message_digest_algo)
        _digest_matches.put(key, known)
    return known


@property
def name_hashable(self: x509.Name) -> str:
    """asn1crypto's ``Name.hashable``, remembered per SHA-256 of the name's DER (which reflects
    any change made to a parsed name: asn1crypto re-encodes a mutated value when dumping)."""
    key = _digest(type(self).__module__.encode(), type(self).__qualname__.encode(), self.dump())
    known = _hashables.get(key)
    if known is None:
        known = _stock_name_hashable.fget(self)
        _hashables.put(key, known)
    return known


def check_signing_certificate(cert, signed_attrs, *,
                              _check: Callable[..., Any] = _stock_check_signing_certificate) -> None:
    """pyHanko's ``_check_signing_certificate``, skipped when it already passed for the same
    certificate DER and signed attributes.

    It is a pure function of those bytes: it finds the signing-certificate(-v2) attribute,
    hashes the certificate and compares its issuer and serial. The attributes are keyed by
    their content octets, the same whether pyHanko passes them as tagged in the SignerInfo or
    re-tagged as a SET OF (the tag is not read). Anything else than a certificate and a set of
    attributes is passed through.
    """
    if type(cert) is not x509.Certificate or type(signed_attrs) is not cms.CMSAttributes:
        return _check(cert, signed_attrs)
    key = _digest(cert.dump(), signed_attrs.contents)
    if _signing_certificate_ok.get(key):
        return None
    _check(cert, signed_attrs)  # raises pyHanko's error: nothing remembered
    _signing_certificate_ok.put(key, True)
    return None


def clear() -> None:
    """Forget everything remembered (tests)."""
    for memo in (_certificates, _hashables, _signing_certificate_ok, _partitions, _digest_matches):
        memo.clear()


def install() -> None:
    """Put these functions in place of pyHanko's and asn1crypto's (idempotent)."""
    general._partition_certs = partition_certs
    generic_cms.extract_certificate_info = extract_certificate_info
    generic_cms._check_signing_certificate = check_signing_certificate
    validation_utils._ensure_digest_match = ensure_digest_match
    x509.Name.hashable = name_hashable


def uninstall() -> None:
    """pyHanko's and asn1crypto's own code again (the equivalence tests compare both)."""
    general._partition_certs = _stock_partition_certs
    generic_cms.extract_certificate_info = _stock_extract_certificate_info
    generic_cms._check_signing_certificate = _stock_check_signing_certificate
    validation_utils._ensure_digest_match = _stock_ensure_digest_match
    x509.Name.hashable = _stock_name_hashable
