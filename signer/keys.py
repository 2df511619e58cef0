"""Signing keys: a certificate, its chain, and something that can sign with the key.

pyHanko's stock ``SimpleSigner`` re-parses the private key for every signature (about
40 ms of RSA key checks each time); :class:`Pkcs12SigningKey` parses it once and keeps it.

:class:`SigningKey` is the small base class the rest of the signer depends on, with two
implementations: a PKCS#12 file (``.p12``) loaded into memory, and a key on a PKCS#11 token
(the USB tokens licensed Vietnamese CAs issue to principals), where the key never leaves the
token and the PIN is used to log in and then forgotten (never logged, never stored).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from pyhanko.sign.signers import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from core.hashes import Hash32, sha256
from signer.errors import SignerError


class SigningKey(ABC):
    """A signer's certificate and key, ready to sign PDFs (chứng thư số của người ký)."""

    @property
    @abstractmethod
    def signer(self) -> Signer:
        """The pyHanko signer, which embeds the certificate chain in each signature."""

    @property
    def certificate(self) -> asn1_x509.Certificate:
        return self.signer.signing_cert

    @property
    def certificate_sha256(self) -> Hash32:
        """SHA-256 of the signer's DER certificate: how the registry names a signer."""
        return sha256(self.certificate.dump())

    @property
    def subject_name(self) -> str:
        """The certificate's common name, e.g. ``"Nguyễn Văn Đức"``."""
        return self.certificate.subject.native.get("common_name", "")

    def embedded_size(self) -> int:
        """Upper bound, in bytes, of what this key adds to a CMS signature (certificates, signature)."""
        certs = [self.certificate, *(c for c in self.signer.cert_registry if not c.self_issued)]
        return sum(len(c.dump()) for c in certs) + self.certificate.public_key.byte_size + 64

    def close(self) -> None:
        """Release the key (log out of a token). Nothing to do for an in-memory key."""

    @staticmethod
    def from_pkcs12(path: Path, passphrase: bytes) -> "SigningKey":
        """Load a ``.p12`` file once; the passphrase is used here and not kept."""
        return Pkcs12SigningKey.load(path, passphrase)


class _InMemorySigner(Signer):
    """A pyHanko signer holding an already parsed private key (RSA PKCS#1 v1.5 or ECDSA)."""

    def __init__(self, key: RSAPrivateKey | EllipticCurvePrivateKey,
                 certificate: asn1_x509.Certificate, chain: list[asn1_x509.Certificate]) -> None:
        # The root is left out of each signature: verifiers bring their own trust roots, and a
        # smaller signature is faster to read (pyHanko parses the hex /Contents byte by byte).
        super().__init__(signing_cert=certificate, cert_registry=SimpleCertificateStore.from_certs(chain),
                         embed_roots=False)
        self._key = key

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), hash_algorithm)
        return self._key.sign(data, ECDSA(hash_algorithm))


class Pkcs12SigningKey(SigningKey):
    """A key and certificate chain from a PKCS#12 file, kept in memory."""

    def __init__(self, signer: _InMemorySigner) -> None:
        self._signer = signer

    @property
    def signer(self) -> Signer:
        return self._signer

    @classmethod
    def load(cls, path: Path, passphrase: bytes) -> "Pkcs12SigningKey":
        try:
            key, cert, chain = pkcs12.load_key_and_certificates(Path(path).read_bytes(), passphrase)
        except (OSError, ValueError) as e:
            raise SignerError(f"cannot read the PKCS#12 file {path} (missing file or wrong passphrase?)",
                              code="bad_key_file") from e
        if cert is None or not isinstance(key, (RSAPrivateKey, EllipticCurvePrivateKey)):
            raise SignerError(f"{path} holds no RSA or ECDSA key with its certificate", code="bad_key_file")

        def to_asn1(c) -> asn1_x509.Certificate:
            return asn1_x509.Certificate.load(c.public_bytes(Encoding.DER))

        return cls(_InMemorySigner(key, to_asn1(cert), [to_asn1(c) for c in chain]))


class Pkcs11SigningKey(SigningKey):
    """A key on a PKCS#11 token, used through pyHanko's ``PKCS11Signer``; :meth:`close` logs out."""

    def __init__(self, session, signer: Signer) -> None:
        self._session, self._signer = session, signer

    @property
    def signer(self) -> Signer:
        return self._signer

    @classmethod
    def open(cls, module: Path, *, token_label: str, key_label: str, pin: str,
             chain: list[asn1_x509.Certificate] = ()) -> "Pkcs11SigningKey":
        """Log in to the token labelled ``token_label`` with ``pin`` and use the key and
        certificate labelled ``key_label``. ``chain``: intermediate certificates to embed
        (tokens usually hold only the signer's own certificate)."""
        from pkcs11 import PKCS11Error
        from pyhanko.sign.pkcs11 import PKCS11Signer, TokenCriteria, open_pkcs11_session

        try:
            session = open_pkcs11_session(str(module), token_criteria=TokenCriteria(label=token_label), user_pin=pin)
        except (PKCS11Error, OSError, RuntimeError) as e:  # the message never contains the PIN
            raise SignerError(f"cannot log in to token {token_label!r} with {module}: {type(e).__name__} {e}",
                              code="token_unavailable") from None
        try:
            signer = PKCS11Signer(session, key_label=key_label, cert_label=key_label,
                                  ca_chain=list(chain), embed_roots=False)
            signer.signing_cert  # fetch now: a missing certificate is an error here, not mid-batch
        except Exception as e:  # noqa: BLE001 - pyHanko raises several kinds for a missing object
            session.close()
            raise SignerError(f"token {token_label!r} has no key and certificate labelled {key_label!r}: {e}",
                              code="token_unavailable") from None
        return cls(session, signer)

    def close(self) -> None:
        self._session.close()
