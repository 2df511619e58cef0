"""The verifier's view of a PDF: the embedded credential and what each signature proves.

Everything here is offline: no certificate, CRL or OCSP response is fetched. Revocation is
checked with the CRLs and OCSP responses the document carries in its document security store
(DSS, PAdES B-LT), for every certificate that declares where its revocation is published
(pyHanko's "soft-fail": a certificate listed as revoked fails; no current data for it is not
held against it). So a signer whose certificate the embedded CRL lists as revoked is not
trusted. A document without a DSS is checked as before, without revocation: removing the DSS
update from a file brings it back to that, which a verifier that requires B-LT would refuse
(not done yet: documents signed before B-LT exist; docs/signing.md).

A signer's certificate is checked at the time of the signature's RFC 3161 timestamp when
the timestamp is intact and chains to the trust roots (PAdES B-T): a school certificate
lasts 1 to 3 years, a transcript for life. Without a trusted timestamp the only time we
can vouch for is now, so the certificate must still be valid now. The timestamp's own
certificate is checked now (archive timestamps, PAdES B-LTA, are not supported yet).

A damaged or hostile file never raises out of :func:`check_signatures`; each broken
signature becomes a report with ``intact=False`` and a ``problem``. Only bytes that are
not a readable PDF at all raise :class:`~core.errors.InvalidInput` ``not_a_pdf``.
"""

from __future__ import annotations

import contextlib
import io
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from asn1crypto.crl import CertificateList
from asn1crypto.x509 import Certificate
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.util import get_declared_revinfo

from core import event_loop
from core.credential import EMBEDDED_FILE_NAME
from core.errors import ConfigurationError, InvalidInput
from core.hashes import Hash32, sha256
from verifier import cms_speedups, diff_speedups, open_speedups, pdf_objects, pdf_speedups, reverse_paths

pdf_speedups.install()  # same answers as pyHanko's own code, several times faster (see its docstring)
pdf_objects.install()  # whole objects parsed at once, same objects as pyHanko's parser
reverse_paths.install()  # the modification analysis's map of paths, same map, less work
diff_speedups.install()  # the rest of the modification analysis around the parser, same answers, less work
cms_speedups.install()  # certificates parsed once per process, ESS checks once per container
open_speedups.install()  # cross-reference tables read at once; the DSS's CRLs and certificates parsed once per process

#: Changes allowed after the last signature: validation data (DSS, document timestamps) only.
#: pyHanko counts a new empty signature field as form filling, and its widget's appearance
#: can paint a white box and another score over the transcript: nobody signed that.
_ALLOWED_AFTER_LAST_SIGNATURE = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
#: Changes allowed after an earlier signature: also the later signatures themselves, which
#: pyHanko classifies as form filling. What they add is vouched for by their signer (who
#: must be trusted too), and anything added after the last signature is caught by its check.
_ALLOWED_AFTER_EARLIER_SIGNATURE = (*_ALLOWED_AFTER_LAST_SIGNATURE, ModificationLevel.FORM_FILLING)
#: Why the signer's chain failed, for the AdES sub-indications a reader can act on.
_TRUST_REASONS = {
    "NO_CERTIFICATE_CHAIN_FOUND": "it does not chain to a trusted root",
    "OUT_OF_BOUNDS_NO_POE": "a certificate of its chain is expired or not yet valid",
    "OUT_OF_BOUNDS_NOT_REVOKED": "a certificate of its chain is expired or not yet valid",
    "EXPIRED": "a certificate of its chain is expired",
    "NOT_YET_VALID": "a certificate of its chain is not yet valid",
    "REVOKED": "it is revoked",
    "REVOKED_NO_POE": "it is revoked",
    "REVOKED_CA_NO_POE": "a certificate of its chain is revoked",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": "its chain is not valid at that time",
}
_MAX_NAME_TREE_NODES = 1000


@dataclass(frozen=True)
class SignatureReport:
    """What one signature in the PDF proves (a check's result, never an exception)."""

    field_name: str
    """Name of the signature field, e.g. ``GiaoVienChuNhiem`` or ``HieuTruong``."""

    signer_name: str | None
    """Common name (CN) of the signer's certificate; None if the signature is unreadable."""

    signer_organization: str | None
    """Organisation (O) of the signer's certificate, e.g. the school."""

    signer_cert_sha256: Hash32 | None
    """SHA-256 of the signer's DER certificate; None if the signature is unreadable."""

    intact: bool
    """The signed bytes hash to the signed digest and the signature value verifies."""

    trusted: bool
    """The signer's certificate chains to one of the configured trust roots (with the right key usage),
    valid at the time of the trusted timestamp if there is one, else now."""

    signing_time: datetime | None
    """From the timestamp token when there is a valid one, else the time the signer claims."""

    timestamped: bool
    """A timestamp token is present, matches the signature and chains to a trust root."""

    covers_document: bool
    """Nothing but further signatures (or validation data) was added after this signature."""

    problem: str | None = None
    """A short English reason when the signature is not intact, trusted, covering and timestamped."""

    trust_root: str | None = None
    """Common name of the trust root the signer's certificate chains to (None when not trusted)."""

    certificate_revocation: str = "not_checked"
    """Whether the signer's certificate was checked for revocation (thu hồi chứng thư), offline, with
    the CRLs the document embeds (PAdES B-LT): ``checked`` (trusted, and for the signer's certificate
    and each certificate of its chain that says where its revocation is published the document holds
    a CRL from its issuer, current at the signing time, that does not list it), ``revoked`` (a
    certificate of the chain is listed: not trusted), or ``not_checked`` (no such CRLs, e.g. a B-T
    document signed before B-LT, or the signer is not trusted for another reason)."""

    @property
    def ok(self) -> bool:
        """Intact, trusted and covering the document (a timestamp is not required)."""
        return self.intact and self.trusted and self.covers_document


def load_trust_roots(paths: list[Path]) -> list[Certificate]:
    """Certificates from PEM (one or several per file) or DER files."""
    roots: list[Certificate] = []
    for path in paths:
        try:
            roots.extend(load_certs_from_pemder_data(Path(path).read_bytes()))
        except (OSError, ValueError, TypeError) as e:
            raise ConfigurationError(f"cannot load trust root {path}: {e}", code="bad_trust_root") from e
    return roots


def extract_credential_json(pdf: bytes) -> bytes | None:
    """Bytes of the embedded file named :data:`core.credential.EMBEDDED_FILE_NAME`.

    None if there is none, if two files carry that name, or if the name tree is broken.
    The file is read from the latest revision: trust it only if every signature's
    ``covers_document`` holds.
    """
    return _credential_json(_open(pdf))


def read_pdf(pdf: bytes, trust_roots: list[Certificate]) -> tuple[bytes | None, list[SignatureReport]]:
    """:func:`extract_credential_json` and :func:`check_signatures` on one parse of ``pdf``
    (in this process's turn: :func:`cpu_turn`)."""
    with cpu_turn():
        reader = _open(pdf)
        return _credential_json(reader), event_loop.run(_check_all(reader, trust_roots))


#: How long a verification waits for its turn before it goes ahead anyway (:func:`cpu_turn`).
TURN_WAIT_SECONDS = 1.0
_turn = threading.Lock()


@contextlib.contextmanager
def cpu_turn(wait: float | None = None) -> Iterator[None]:
    """One PDF's parsing and signature checks at a time in this process, as far as possible.

    That work is pure Python (no I/O: nothing is fetched), so the threads of one process share
    one core through the GIL whatever happens. Run interleaved, each costs more CPU (thread
    switches, and several files' objects alive at once for the garbage collector): with 8
    threads, 19.8 ms of CPU per transcript against 17.4 ms taking turns (docs/verification-speed.md).
    The web app verifies uploads in a thread pool, so it takes turns here.

    A turn is waited for at most ``wait`` (:data:`TURN_WAIT_SECONDS`): behind a file that takes
    longer (a hostile one), the others go ahead and share the core as before, so one file never
    holds up a worker's uploads for longer than that. The chain reads come after, outside the turn.
    """
    got = _turn.acquire(timeout=TURN_WAIT_SECONDS if wait is None else wait)
    try:
        yield
    finally:
        if got:
            _turn.release()


def _credential_json(reader: PdfFileReader) -> bytes | None:
    try:
        specs = [spec for name, spec in _embedded_files(reader) if name == EMBEDDED_FILE_NAME]
        if len(specs) != 1:
            return None
        return specs[0].get_object()["/EF"]["/F"].get_object().data
    except Exception:  # a hostile name tree or stream: no usable credential  # noqa: BLE001
        return None


def check_signatures(pdf: bytes, trust_roots: list[Certificate]) -> list[SignatureReport]:
    """Validate every signature of ``pdf`` against exactly ``trust_roots``, in signing order.

    Synchronous wrapper (it runs an event loop); inside async code use
    :func:`async_check_signatures`.
    """
    return event_loop.run(async_check_signatures(pdf, trust_roots))  # the web app: in its thread pool


async def async_check_signatures(pdf: bytes, trust_roots: list[Certificate]) -> list[SignatureReport]:
    """:func:`check_signatures` for code already running in an event loop (FastAPI)."""
    return await _check_all(_open(pdf), trust_roots)  # parsed once for all signatures


async def _check_all(reader: PdfFileReader, trust_roots: list[Certificate]) -> list[SignatureReport]:
    roots = list(trust_roots)
    try:
        revinfo = _embedded_revocation_info(reader)
    except Exception as e:  # noqa: BLE001 - a DSS we cannot read must not pass for "no revocation data"
        return [_broken("", f"the document security store (DSS) is unreadable ({type(e).__name__})")]
    now = _context(roots)  # the time-stamps' chains, checked now; shared, it caches paths
    try:
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as e:  # noqa: BLE001 - a broken AcroForm must not look like "no signatures"
        return [_broken("", f"the signature form is unreadable ({type(e).__name__})")]
    signatures: list[EmbeddedPdfSignature | SignatureReport] = []
    for name, _, field in fields:
        try:
            signatures.append(EmbeddedPdfSignature(reader, field, name))
        except Exception as e:  # noqa: BLE001
            signatures.append(_broken(name, f"the signature container is unreadable ({type(e).__name__})"))
    signatures.sort(key=lambda s: s.signed_revision if isinstance(s, EmbeddedPdfSignature) else 1 << 30)
    last = _last_signature(signatures)
    return [s if isinstance(s, SignatureReport) else await _check(s, roots, now, revinfo, last=s is last)
            for s in signatures]


@dataclass(frozen=True)
class _RevocationInfo:
    """CRLs and OCSP responses (DER) from the document's DSS: signed by their CAs, so trusted for
    what they say whoever put them there, and never fetched."""

    crls: tuple[bytes, ...] = ()
    ocsps: tuple[bytes, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.crls or self.ocsps)


def _embedded_revocation_info(reader: PdfFileReader) -> _RevocationInfo:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return _RevocationInfo()
    return _RevocationInfo(tuple(ref.get_object().data for ref in dss.crls),
                           tuple(ref.get_object().data for ref in dss.ocsps))


def _last_signature(signatures: list[EmbeddedPdfSignature | SignatureReport]) -> EmbeddedPdfSignature | None:
    """The signature of the highest signed revision (the list is sorted), the one after which
    nothing but validation data may follow.

    None when a signature container is unreadable: its revision is unknown, so it may be the
    last one, and its own report (never intact) already fails the file.
    """
    if not signatures or any(isinstance(s, SignatureReport) for s in signatures):
        return None
    return signatures[-1]


def _context(roots: list[Certificate], moment: datetime | None = None, *,
             revinfo: _RevocationInfo = _RevocationInfo()) -> ValidationContext:
    """Offline: no fetching; revocation soft-fail with the document's own CRLs and OCSP responses
    (module docstring).

    ``moment`` None means now; a past moment is a point-in-time validation. The path cache
    answers for a context holding CRLs only with a validation made with the same CRLs, for a time
    inside their window (``pdf_speedups.PathCache``).
    """
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=moment,
                                crls=[open_speedups.shared_crl(der) for der in revinfo.crls], ocsps=list(revinfo.ocsps))
    return pdf_speedups.register_context(context, roots)  # these settings are what its path cache assumes


async def _validate(sig: EmbeddedPdfSignature, roots: list[Certificate], now: ValidationContext,
                    revinfo: _RevocationInfo, *, skip_diff: bool = False):
    """Validate ``sig``, its signer's chain at the trusted timestamp's time if any, else now.

    Which time is trusted is only known after validating the timestamp, so the first pass
    validates the signer at the time its token claims, and a second pass is needed only
    when the token turned out not to be trusted (or another token was): one pass for a
    genuine transcript.
    """
    if sig.sig_object_type == "/DocTimeStamp":
        return await async_validate_pdf_timestamp(sig, validation_context=now, skip_diff=skip_diff)
    claimed = _claimed_timestamp_time(sig)
    status = await _validate_signer_at(sig, roots, now, revinfo, claimed, skip_diff)
    proven = _trusted_timestamp_time(status)
    if proven != claimed:
        status = await _validate_signer_at(sig, roots, now, revinfo, proven, skip_diff)
    return status


async def _validate_signer_at(sig: EmbeddedPdfSignature, roots: list[Certificate], now: ValidationContext,
                              revinfo: _RevocationInfo, moment: datetime | None,
                              skip_diff: bool) -> PdfSignatureStatus:
    """The timestamp is always checked now, without the document's revocation data: a CRL embedded
    at signing is no longer current now, and the TSA's certificate at the time of its token would
    need an archive time-stamp (B-LTA) to prove when. The signer's chain is checked at ``moment``
    (None: now) with the document's revocation data: that is what B-LT embeds it for."""
    signer = now if moment is None and not revinfo else _context(roots, moment, revinfo=revinfo)
    return await async_validate_pdf_signature(sig, signer_validation_context=signer, ts_validation_context=now,
                                              skip_diff=skip_diff)


def _claimed_timestamp_time(sig: EmbeddedPdfSignature) -> datetime | None:
    """The time in the signature's first timestamp token, NOT verified: only a first guess."""
    try:
        for attribute in sig.signer_info["unsigned_attrs"]:
            if attribute["type"].native == "signature_time_stamp_token":
                content = attribute["values"][0]["content"]["encap_content_info"]["content"]
                return _aware(content.parsed["gen_time"].native)
    except Exception:  # noqa: BLE001 - a hostile token: no guess, pyHanko will judge the token
        return None
    return None


def _trusted_timestamp_time(status: PdfSignatureStatus) -> datetime | None:
    """The time of the signature's timestamp if the token is intact and chains to a trust root."""
    tst = status.timestamp_validity
    if tst is None or not (tst.intact and tst.valid and tst.trusted):
        return None
    return _aware(tst.timestamp)


def _aware(moment) -> datetime | None:
    """A timezone-aware datetime, else None (a validation moment must carry its zone)."""
    return moment if isinstance(moment, datetime) and moment.utcoffset() is not None else None


async def _check(sig: EmbeddedPdfSignature, roots: list[Certificate], now: ValidationContext,
                 revinfo: _RevocationInfo, *, last: bool) -> SignatureReport:
    try:
        status = await _validate(sig, roots, now, revinfo)
    except Exception as e:  # noqa: BLE001 - hostile CMS or PDF structure
        try:  # is it what was appended after the signature that cannot be read?
            status = await _validate(sig, roots, now, revinfo, skip_diff=True)
        except Exception:  # noqa: BLE001
            return _broken(sig.field_name, f"the signature cannot be validated ({type(e).__name__}: {e})")
        return _report(sig, status, revinfo, covers=False, changes="what was added after this signature is unreadable")
    if last and not _covers(status, _ALLOWED_AFTER_LAST_SIGNATURE):  # even an unsigned field
        return _report(sig, status, revinfo, covers=False,
                       changes="fields or content were added after the last signature")
    return _report(sig, status, revinfo, covers=_covers(status, _ALLOWED_AFTER_EARLIER_SIGNATURE))


def _report(sig: EmbeddedPdfSignature, status, revinfo: _RevocationInfo, *, covers: bool,
            changes: str = "signed content was changed after this signature") -> SignatureReport:
    cert = status.signing_cert
    subject = cert.subject.native
    intact = bool(status.intact and status.valid)
    if isinstance(status, PdfSignatureStatus):
        tst = status.timestamp_validity
        timestamped = _trusted_timestamp_time(status) is not None
        signing_time = tst.timestamp if timestamped else status.signer_reported_dt
        timestamp_problem = None if timestamped else (
            "no timestamp" if tst is None else "the timestamp is invalid or not trusted")
    else:  # a document timestamp is its own time
        timestamped, signing_time, timestamp_problem = status.trusted, status.timestamp, None
    problem = (
        "the signed content or the signature was altered" if not intact
        else changes if not covers
        else _trust_problem(status, timestamped) if not status.trusted
        else timestamp_problem
    )
    return SignatureReport(  # str(): pyHanko's TextStringObject holds on to the whole parsed file
        field_name=str(sig.field_name), signer_name=_one(subject.get("common_name")),
        signer_organization=_one(subject.get("organization_name")),
        signer_cert_sha256=sha256(cert.dump()), intact=intact, trusted=bool(status.trusted),
        signing_time=signing_time, timestamped=timestamped, covers_document=covers, problem=problem,
        trust_root=_root_name(status) if status.trusted else None,
        certificate_revocation=_revocation_checked(status, revinfo),
    )


_REVOKED = {"REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"}


def _revocation_checked(status, revinfo: _RevocationInfo) -> str:
    """:attr:`SignatureReport.certificate_revocation`. pyHanko's soft-fail mode checks a
    certificate against the embedded CRLs of its issuer and refuses it if one lists it or is not
    current; it passes a certificate silently when the document has no CRL of its issuer: that
    is "not checked"."""
    indication = getattr(status, "trust_problem_indic", None)
    if indication is not None and indication.name in _REVOKED:
        return "revoked"
    path = getattr(status, "validation_path", None)
    if not (isinstance(status, PdfSignatureStatus) and status.trusted and path is not None and revinfo.crls):
        return "not_checked"
    issuers = set()
    for der in revinfo.crls:
        try:
            crl = open_speedups.shared_crl(der)
            facts = pdf_speedups.crl_facts(crl if isinstance(crl, CertificateList) else CertificateList.load(der))
            if facts is not None and facts.complete:
                issuers.add(facts.issuer.hashable)
        except Exception:  # noqa: BLE001 - a CRL that does not parse checked nothing
            continue
    declared = [(c.issuer.hashable, *get_declared_revinfo(c)) for c in path.iter_certs(include_root=False)]
    return revocation_coverage(declared, issuers)


def revocation_coverage(declared: list[tuple[object, bool, bool]], crl_issuers: set) -> str:
    """``checked`` when every certificate of the path that says where its revocation is published
    (``(issuer, has CRL distribution point, has OCSP)``) was checked against a CRL of its issuer;
    one that publishes by OCSP only was not (only CRLs are read: the answer may understate, never
    overstate)."""
    for issuer, has_crl, has_ocsp in declared:
        if has_crl and issuer in crl_issuers:
            continue
        if has_crl or has_ocsp:
            return "not_checked"
    return "checked"


def _root_name(status) -> str | None:
    """The common name of the trust anchor that ends the signer's validated path."""
    path = getattr(status, "validation_path", None)
    try:
        return _one(path.trust_anchor.authority.name.native.get("common_name")) if path is not None else None
    except AttributeError:  # an anchor without a certificate name
        return None


def _covers(status, allowed: tuple[ModificationLevel, ...]) -> bool:
    """Only changes of the ``allowed`` levels were appended after the signed revision."""
    diff = status.diff_result
    if isinstance(diff, DiffResult):
        return diff.modification_level in allowed and status.docmdp_ok is not False
    return diff is None and status.modification_level == ModificationLevel.NONE


def _trust_problem(status, timestamped: bool) -> str:
    """Why the signer is not trusted, and at which time its chain was checked."""
    when = ("at the time of its timestamp" if timestamped
            else "now, and no trusted timestamp shows that it signed earlier")
    indication = status.trust_problem_indic
    reason = ("it does not chain to a trusted root" if indication is None
              else _TRUST_REASONS.get(indication.name, indication.name.lower()))
    return f"the signer's certificate is not trusted {when}: {reason}"


def _broken(field_name: str, problem: str) -> SignatureReport:
    return SignatureReport(field_name=str(field_name), signer_name=None, signer_organization=None,
                           signer_cert_sha256=None, intact=False, trusted=False, signing_time=None,
                           timestamped=False, covers_document=False, problem=problem)


def _one(value) -> str | None:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value


def _open(pdf: bytes) -> PdfFileReader:
    # Strict parsing (pyHanko's default): among others, it refuses to validate signatures in
    # files with hybrid cross-reference sections, a known way to show different content.
    try:
        return PdfFileReader(io.BytesIO(pdf), strict=True)
    except Exception as e:  # noqa: BLE001 - any parser failure means "not a PDF we can read"
        raise InvalidInput(f"not a readable PDF: {e}", code="not_a_pdf") from e


def _embedded_files(reader: PdfFileReader):
    """(name, file spec) pairs of the /EmbeddedFiles name tree, visiting at most 1,000 nodes."""
    try:
        root = reader.root["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return
    stack, visited = [root], 0
    while stack and visited < _MAX_NAME_TREE_NODES:
        node = stack.pop().get_object()
        visited += 1
        names = node["/Names"] if "/Names" in node else ()
        for i in range(0, len(names) - 1, 2):
            yield _text(names[i]), names[i + 1]
        stack.extend(node["/Kids"] if "/Kids" in node else ())


def _text(value) -> str | None:
    value = value.get_object() if isinstance(value, generic.IndirectObject) else value
    return value if isinstance(value, str) else None
