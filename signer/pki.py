"""A development PKI that mirrors who trusts whom in the education sector.

::

    Bộ Giáo dục và Đào tạo — Root CA (DEV)                  root.pem, root.key.pem
    └── Sở Giáo dục và Đào tạo TP. Hồ Chí Minh — CA (DEV)    ca.pem, ca.key.pem
        ├── Trần Thị Thu Hương (giáo viên chủ nhiệm)          teacher.p12
        ├── every other homeroom teacher, on first use         teachers/<name>-<hash>.p12
        ├── Nguyễn Văn Đức (hiệu trưởng)                      principal.p12
        ├── Lê Thị Minh Châu (giám đốc Sở, ký văn bằng)        director.p12
        └── time-stamping authority                           tsa.pem, tsa.key.pem

RSA-2048 throughout: poppler's ``pdfsig`` (NSS), pyHanko and pyHanko's in-process TSA
(RSA only) all accept it, and with the key kept in memory an RSA signature costs under
a millisecond. Certificates carry no AIA or OCSP URLs (``pdfsig`` choked on OCSP URLs).

Revocation: each CA publishes a CRL, made in process when asked (:meth:`DevPki.crls`), never
served or fetched. Every certificate below the root names its issuer's CRL in a CRL
distribution point (an ``.invalid`` URL): that is how a verifier knows the certificate's
revocation must be checked, with the CRLs a PAdES B-LT signature embeds (:mod:`signer.sign`).
``revoked.txt`` lists revoked certificates, one ``<issuing CA> <serial> <time>`` a line (:meth:`DevPki.revoke`).

:func:`init_dev_pki` is idempotent: it loads what exists, creates what is missing and
never overwrites a file. Every private key is protected by :data:`DEV_PASSPHRASE`.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal, NamedTuple

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signer.errors import SignerError
from signer.keys import SigningKey
from signer.tsa import DevTimeStamper

#: Passphrase of every private key of the development PKI. FOR DEVELOPMENT ONLY: it is
#: public (it is right here), so these keys prove nothing outside a developer's machine.
DEV_PASSPHRASE = b"sogoc-dev-only-not-a-secret"

Role = Literal["teacher", "principal", "director"]
ROLES: tuple[Role, ...] = ("teacher", "principal", "director")

_YEAR = timedelta(days=365)
#: Where each CA's CRL would be published. Development only: nothing serves it, nothing fetches it.
CRL_URLS = {"root": "http://crl.sogoc-dev.invalid/root.crl", "ca": "http://crl.sogoc-dev.invalid/ca.crl"}
#: How long a development CRL stays current (``nextUpdate - thisUpdate``).
CRL_LIFETIME = timedelta(days=7)


class _Issued(NamedTuple):
    cert: x509.Certificate
    key: rsa.RSAPrivateKey


@dataclass(frozen=True)
class DevPki:
    """Paths of a development PKI's files, and the objects built from them."""

    directory: Path

    @property
    def root_pem(self) -> Path:
        return self.directory / "root.pem"

    @property
    def ca_pem(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def tsa_pem(self) -> Path:
        return self.directory / "tsa.pem"

    @property
    def tsa_key_pem(self) -> Path:
        return self.directory / "tsa.key.pem"

    def p12(self, role: Role) -> Path:
        """``teacher.p12``, ``principal.p12`` or ``director.p12`` (the department's director, who signs diplomas)."""
        if role not in ROLES:
            raise SignerError(f"no signing key for role {role!r}; roles are {', '.join(ROLES)}",
                              code="unknown_role")
        return self.directory / f"{role}.p12"

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        """The root certificate, as a verifier would configure it."""
        return [_to_asn1(x509.load_pem_x509_certificate(self.root_pem.read_bytes()))]

    def signer_key(self, role: Role) -> SigningKey:
        """Load the teacher's, the principal's or the director's key (parses the file: load once, reuse)."""
        return SigningKey.from_pkcs12(self.p12(role), DEV_PASSPHRASE)

    def teacher_p12(self, name: str) -> Path:
        """The ``.p12`` of the homeroom teacher called ``name``, issued by the department's CA on first use.

        A school has dozens of homeroom teachers; in development each gets a certificate whose common
        name is their name (NFC), so the stamp on a transcript names the teacher printed under it.
        The PKI's own teacher (``teacher.p12``) keeps their file. Safe to call from several processes
        at once: a new file appears whole or not at all, and the first one written wins."""
        name = unicodedata.normalize("NFC", name).strip()
        if not name:
            raise SignerError("a teacher's key needs the teacher's name", code="teacher_key_missing")
        own = self.p12("teacher")
        if _common_name(self._certificate("teacher")) == name:
            return own
        path = self.directory / "teachers" / f"{_safe_file_name(name)}.p12"
        if path.exists():
            return path
        ca = _load_pair(self.ca_pem, self.directory / "ca.key.pem")
        root = x509.load_pem_x509_certificate(self.root_pem.read_bytes())
        school = self._certificate("teacher").subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        start = datetime.now(timezone.utc) - timedelta(days=1)
        issued = _issue(_name(name, str(school[0].value) if school else None), ca, start, 10 * _YEAR,
                        crl_url=CRL_URLS["ca"])
        path.parent.mkdir(exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        partial.write_bytes(pkcs12.serialize_key_and_certificates(
            name=name.encode("utf-8"), key=issued.key, cert=issued.cert, cas=[ca.cert, root],
            encryption_algorithm=serialization.BestAvailableEncryption(DEV_PASSPHRASE)))
        os.chmod(partial, 0o600)
        try:
            os.link(partial, path)  # fails if another process got there first: theirs is kept
        except FileExistsError:
            pass
        finally:
            partial.unlink()
        return path

    def teacher_key(self, name: str) -> SigningKey:
        """The key of the homeroom teacher called ``name`` (:meth:`teacher_p12`), loaded."""
        return SigningKey.from_pkcs12(self.teacher_p12(name), DEV_PASSPHRASE)

    @property
    def revoked_txt(self) -> Path:
        return self.directory / "revoked.txt"

    def revoke(self, cert_path_or_role: Path | Role, at: datetime) -> None:
        """List a certificate (a role's, or a PEM file's such as ``tsa.pem``) as revoked since ``at``:
        every CRL made afterwards carries it."""
        cert = self._certificate(cert_path_or_role)
        root = x509.load_pem_x509_certificate(self.root_pem.read_bytes())
        issuer = "root" if cert.issuer == root.subject else "ca"
        with open(self.revoked_txt, "a", encoding="ascii") as f:
            f.write(f"{issuer} {cert.serial_number} {at.astimezone(timezone.utc).isoformat()}\n")

    def crls(self, at: datetime | None = None) -> list[bytes]:
        """DER CRLs of the root and of the department's CA, issued at ``at`` (default: now),
        current for :data:`CRL_LIFETIME`, listing what :meth:`revoke` revoked before ``at``."""
        at = at or datetime.now(timezone.utc)
        revoked = []
        if self.revoked_txt.exists():
            for line in self.revoked_txt.read_text("ascii").split("\n"):
                if line.strip():
                    issuer, serial, when = line.split()
                    revoked.append((issuer, int(serial), datetime.fromisoformat(when)))
        out = []
        for name in ("root", "ca"):
            issuer = _load_pair(self.directory / f"{name}.pem", self.directory / f"{name}.key.pem")
            builder = (x509.CertificateRevocationListBuilder().issuer_name(issuer.cert.subject)
                       .last_update(at - timedelta(minutes=1)).next_update(at + CRL_LIFETIME)
                       .add_extension(x509.CRLNumber(int(at.timestamp())), critical=False)
                       .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                           issuer.key.public_key()), critical=False))
            for issued_by, serial, when in revoked:
                if issued_by == name and when <= at:
                    builder = builder.add_revoked_certificate(
                        x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
            out.append(builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
        return out

    def validation_context(self, at: datetime | None = None):
        """What a PAdES B-LT signature embeds, offline: the root as trust anchor and this PKI's
        CRLs issued at ``at`` (the time-stamp's time when the development TSA's time is pinned).
        Revocation data is required for every certificate of the signer's and the TSA's chains:
        a revoked signer cannot sign."""
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(trust_roots=self.trust_roots(), crls=self.crls(at), allow_fetching=False,
                                 revocation_mode="require", moment=at)

    def _certificate(self, which: Path | Role) -> x509.Certificate:
        if isinstance(which, Path):
            return x509.load_pem_x509_certificate(which.read_bytes())
        _, cert, _ = pkcs12.load_key_and_certificates(self.p12(which).read_bytes(), DEV_PASSPHRASE)
        return cert

    def timestamper(self, fixed_time: datetime | None = None) -> DevTimeStamper:
        """An in-process TSA signing real RFC 3161 tokens with the dev TSA key."""
        tsa = _load_pair(self.tsa_pem, self.tsa_key_pem)
        ca = x509.load_pem_x509_certificate(self.ca_pem.read_bytes())  # the root is the verifier's
        return DevTimeStamper(_to_asn1(tsa.cert), tsa.key, [_to_asn1(ca)], fixed_time)


def init_dev_pki(
    directory: Path,
    *,
    root_name: str = "Bộ Giáo dục và Đào tạo — Root CA (DEV)",
    ca_name: str = "Sở Giáo dục và Đào tạo TP. Hồ Chí Minh — CA (DEV)",
    school_name: str = "Trường THPT Nguyễn Thị Minh Khai",
    teacher_name: str = "Trần Thị Thu Hương",
    principal_name: str = "Nguyễn Văn Đức",
    authority_name: str = "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
    director_name: str = "Lê Thị Minh Châu",
    tsa_name: str = "Sổ Gốc Time-Stamping Authority (DEV)",
    valid_from: datetime | None = None,
    signer_lifetime: timedelta = 10 * _YEAR,
) -> DevPki:
    """Load the development PKI in ``directory``, creating whatever file is missing.

    The names only matter when a file is created; pass other names and another directory
    to get a second, unrelated PKI (tests use one as an impostor). ``valid_from`` (default:
    a day ago) starts every new certificate's validity; certificates last 10 to 20 years,
    except the teacher's and principal's, which last ``signer_lifetime`` (real signing
    certificates last 1 to 3 years: tests shorten it to get signers whose certificate expired).

    Raises :class:`SignerError` ``pki_inconsistent`` if the existing files do not chain.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    start = valid_from or datetime.now(timezone.utc) - timedelta(days=1)
    pki = DevPki(directory)

    root = _ensure_pair(pki.root_pem, directory / "root.key.pem", None,
                        lambda: _issue(_name(root_name), None, start, 20 * _YEAR, ca=True))
    ca = _ensure_pair(pki.ca_pem, directory / "ca.key.pem", root,
                      lambda: _issue(_name(ca_name), root, start, 15 * _YEAR, ca=True, crl_url=CRL_URLS["root"]))
    for role, person, organization in (("teacher", teacher_name, school_name),
                                       ("principal", principal_name, school_name),
                                       ("director", director_name, authority_name)):
        _ensure_p12(pki.p12(role), ca, root,
                    lambda person=person, organization=organization:
                    _issue(_name(person, organization), ca, start, signer_lifetime, crl_url=CRL_URLS["ca"]))
    _ensure_pair(pki.tsa_pem, pki.tsa_key_pem, ca,
                 lambda: _issue(_name(tsa_name), ca, start, 10 * _YEAR, tsa=True, crl_url=CRL_URLS["ca"]))
    return pki


def _common_name(cert: x509.Certificate) -> str:
    attributes = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return unicodedata.normalize("NFC", str(attributes[0].value)) if attributes else ""


def _safe_file_name(name: str) -> str:
    """``Lê Văn Bình`` -> ``le-van-binh-3f2a9c1d``: ASCII letters, digits and dashes, plus a hash of the
    exact name, so that two names differing only in their marks (Bình, Bính) never share a file."""
    ascii_name = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(c for c in ascii_name if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:60] or "teacher"
    return f"{slug}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]}"


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _issue(subject: x509.Name, issuer: _Issued | None, start: datetime, lifetime: timedelta,
           *, ca: bool = False, tsa: bool = False, crl_url: str | None = None) -> _Issued:
    """A new RSA key and its certificate, signed by ``issuer`` (self-signed when None)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signing_key = issuer.key if issuer else key
    issuer_name = issuer.cert.subject if issuer else subject
    end = start + lifetime
    if issuer is not None:
        end = min(end, issuer.cert.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.KeyUsage(
            digital_signature=not ca, content_commitment=not ca and not tsa, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
            encipher_only=False, decipher_only=False), critical=True)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    if tsa:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None, reasons=None,
            crl_issuer=None)]), critical=False)
    return _Issued(builder.sign(signing_key, hashes.SHA256()), key)


def _ensure_pair(cert_path: Path, key_path: Path, issuer: _Issued | None, create) -> _Issued:
    """Load a PEM certificate and its encrypted PEM key, or create and write both."""
    if cert_path.exists() or key_path.exists():
        pair = _load_pair(cert_path, key_path)
    else:
        pair = create()
        _write_new(key_path, pair.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(DEV_PASSPHRASE)), private=True)
        _write_new(cert_path, pair.cert.public_bytes(serialization.Encoding.PEM))
    _check_issued_by(pair.cert, issuer.cert if issuer else pair.cert, cert_path)
    return pair


def _ensure_p12(path: Path, ca: _Issued, root: _Issued, create) -> None:
    if path.exists():
        try:
            _, cert, _ = pkcs12.load_key_and_certificates(path.read_bytes(), DEV_PASSPHRASE)
        except ValueError as e:
            raise SignerError(f"cannot read {path} with the development passphrase", code="bad_key_file") from e
        if cert is None:
            raise SignerError(f"{path} holds no certificate", code="bad_key_file")
        _check_issued_by(cert, ca.cert, path)
        return
    pair = create()
    cn = pair.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    _write_new(path, pkcs12.serialize_key_and_certificates(
        name=str(cn).encode("utf-8"), key=pair.key, cert=pair.cert, cas=[ca.cert, root.cert],
        encryption_algorithm=serialization.BestAvailableEncryption(DEV_PASSPHRASE)), private=True)


def _load_pair(cert_path: Path, key_path: Path) -> _Issued:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), DEV_PASSPHRASE)
    except (OSError, ValueError) as e:
        raise SignerError(f"cannot load {cert_path.name} with {key_path.name}: {e}", code="pki_inconsistent") from e
    if not isinstance(key, rsa.RSAPrivateKey) or key.public_key() != cert.public_key():
        raise SignerError(f"{key_path.name} is not the key of {cert_path.name}", code="pki_inconsistent")
    return _Issued(cert, key)


def _check_issued_by(cert: x509.Certificate, issuer: x509.Certificate, where: Path) -> None:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature) as e:
        raise SignerError(f"{where.name} was not issued by {issuer.subject.rfc4514_string()}; "
                          f"the PKI folder mixes two PKIs", code="pki_inconsistent") from e


def _write_new(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write a file that must not exist yet (exclusive create: never overwrite)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
