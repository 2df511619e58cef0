"""The development time-stamping authority: RFC 3161 tokens signed in process.

pyHanko's ``DummyTimeStamper`` builds real RFC 3161 tokens but re-parses its RSA key for
every token (about 40 ms); this subclass parses it once. Development and tests only: in
production the school asks a licensed TSA over HTTP (``HTTPTimeStamper``).
"""

from __future__ import annotations

from datetime import datetime

from asn1crypto import cms, core, keys, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signer.errors import SignerError


class DevTimeStamper(DummyTimeStamper):
    """An in-process TSA with an RSA key; ``fixed_time`` pins the time in every token."""

    def __init__(self, tsa_cert: x509.Certificate, tsa_key: RSAPrivateKey,
                 chain: list[x509.Certificate], fixed_time: datetime | None = None) -> None:
        if not isinstance(tsa_key, RSAPrivateKey):
            raise SignerError("the development TSA needs an RSA key", code="bad_key_file")
        der = tsa_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        super().__init__(tsa_cert, keys.PrivateKeyInfo.load(der), certs_to_embed=chain, fixed_dt=fixed_time)
        self._loaded_key = tsa_key
        # The ESS signing-certificate attribute is the same in every token, and asn1crypto takes
        # about 6 ms to encode it (it rebuilds the issuer's Name): encode it once, reuse the bytes.
        attribute = simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert))
        self._signing_certificate = cms.CMSAttribute.load(attribute.dump())

    def embedded_size(self) -> int:
        """Upper bound, in bytes, of one token from this TSA."""
        certs = [self.tsa_cert, *self.certs_to_embed]
        return sum(len(c.dump()) for c in certs) + self._loaded_key.key_size // 8 + 1024

    # Same as DummyTimeStamper._sign_tst_info (pyHanko 0.38), with the parsed key.
    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str,
                       dt: datetime) -> tuple[bytes, cms.CMSAttributes]:
        hash_algorithm = get_pyca_cryptography_hash(md_algorithm)
        h = hashes.Hash(hash_algorithm)
        h.update(tst_info_data)
        signed_attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            self._signing_certificate,
            simple_cms_attribute("message_digest", h.finalize()),
        ])
        signature = self._loaded_key.sign(signed_attrs.dump(), PKCS1v15(), hash_algorithm)
        return signature, signed_attrs
