"""Speed-ups for pyHanko's validation, each giving exactly the answer pyHanko would.

Profiled on a two-signature transcript (docs/verification-speed.md), pyHanko 0.38 spent most
of its 52 ms in places that do the same work again and again:

1. **Tokens.** A signature's ``/Contents`` is a hex string of about 20,000 digits, and
   pyHanko's parser reads it one byte at a time through a generator (about 10 ms per
   signature). :func:`read_hex_string` reads up to the closing ``>`` at once; when the span
   holds anything but hex digits and white space (a comment, a stray byte, no ``>`` at all)
   it rewinds and hands over to pyHanko's own parser, so odd files get pyHanko's answer and
   pyHanko's error. Names (:func:`read_until_delimiter`, :func:`decode_name`) and literal
   strings (:func:`read_string_literal_bytes`) get the same treatment: the modification
   analysis parses every object of the signed revision, a few hundred per transcript.
   Arrays of plain numbers (:func:`read_number_array`: a font's ``/Widths``, 241 of them in
   each of a transcript's two fonts) are split at once instead of element by element, each
   element checked for an indirect reference (about 1.4 ms per font dictionary).
2. **Issuer names.** Finding the signer's certificate and checking the ESS signing-certificate
   attributes compares X.501 names by the RFC 5280 rules (string preparation of every
   attribute, on freshly parsed certificates each time), and so does indexing certificates by
   name. :func:`ldap_string_prep` remembers the preparation per string, and
   :func:`match_issuer_serial` the answer per pair of DER encodings: both are pure functions.
3. **Certificate paths.** Path validation of the same school's teacher, principal and TSA
   certificates is repeated for every document. :func:`validate_cert_usage` remembers a
   *successful* validation, also one made with the CRLs a B-LT document embeds (see
   :class:`PathCache` for the key, the validation times it answers for, and why reuse is safe)
   and validates again whenever anything differs. Failures are never remembered. A path search
   starts only when the cache cannot answer (:class:`_DeferredPathBuilder`).
4. **Algorithm policy.** :func:`signature_algorithm_allowed` remembers the default policy's
   answer per (settings, algorithm, key); that policy never reads the date.

They are installed into pyHanko's modules by :func:`install`, once, by ``verifier.pdf``.
The path cache only answers for validation contexts that ``verifier.pdf`` created and
registered with :func:`register_context`; any other pyHanko user in the process (the signer)
gets pyHanko's own code path.
"""

from __future__ import annotations

import binascii
import hashlib
import re
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta
from typing import Any, Callable

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_DELIMITERS, PDF_WHITESPACE
from pyhanko.sign import general
from pyhanko.sign.validation import generic_cms
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import DisallowWeakAlgorithmsPolicy, FreshnessReqType
from pyhanko_certvalidator.util import CancelableAsyncIterator

_HEX_DIGITS = b"0123456789abcdefABCDEF"
_ldap_string_prep = asn1_x509.NameTypeAndValue._ldap_string_prep
_READ_AHEAD = 4096


def read_hex_string(stream, *, _fallback: Callable[[Any], Any] = generic.read_hex_string_from_stream):
    """pyHanko's ``read_hex_string_from_stream`` (the stream is at ``<``), reading in blocks.

    Same result for every input: the fast path only takes spans made of hex digits and PDF
    white space up to the first ``>``, which pyHanko's parser reads the same way (it skips
    white space, pads an odd digit count with ``0``). Anything else goes to ``_fallback``.
    """
    start = stream.tell()
    buffer = stream.read(_READ_AHEAD)
    end = buffer.find(b">")
    while end < 0:
        more = stream.read(max(len(buffer), _READ_AHEAD))
        if not more:
            break
        buffer += more
        end = buffer.find(b">", len(buffer) - len(more))
    digits = buffer[1:end].translate(None, PDF_WHITESPACE) if end > 0 else None
    if digits is None or digits.translate(None, _HEX_DIGITS):  # no ">", a comment, a stray byte
        stream.seek(start)
        return _fallback(stream)
    stream.seek(start + end + 1)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


_DELIMITER = re.compile(b"[" + b"".join(re.escape(bytes([c])) for c in PDF_WHITESPACE + PDF_DELIMITERS) + b"]")
#: Bytes a name may hold unescaped: printable ASCII except delimiters and the escape "#".
_PLAIN_NAME = re.compile(b"[" + b"".join(re.escape(bytes([c])) for c in range(0x21, 0x7F)
                                         if c not in PDF_DELIMITERS and c != 0x23) + b"]*")


def read_until_delimiter(stream) -> bytes:
    """pyHanko's ``read_until_delimiter``: the bytes before the next white space or delimiter,
    the stream left at that byte (or at the end), read in blocks instead of byte by byte."""
    start = stream.tell()
    buffer = stream.read(64)
    found = _DELIMITER.search(buffer)
    while found is None:
        more = stream.read(max(len(buffer), 64))
        if not more:
            return buffer  # the end of the stream, where pyHanko's reader stops too
        offset = len(buffer)
        buffer += more
        found = _DELIMITER.search(buffer, offset)
    stream.seek(start + found.start())
    return buffer[:found.start()]


def decode_name(name_bytes: bytes, *, _fallback: Callable[[bytes], Any] = generic._decode_name):
    """pyHanko's ``_decode_name`` for the usual name without escapes; anything else goes to it."""
    if _PLAIN_NAME.fullmatch(name_bytes):
        return generic.NameObject("/" + name_bytes.decode("ascii"))
    return _fallback(name_bytes)


_STRING_SPECIAL = re.compile(rb"[()\\]")
_SIMPLE_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f",
                   **{c: bytes([c]) for c in b"() /%<>[]#_&$\\"}}


def read_string_literal_bytes(stream, *, _fallback: Callable[[Any], bytes] = generic._read_string_literal_bytes):
    """pyHanko's ``_read_string_literal_bytes`` (the stream is at ``(``), rule for rule, but
    jumping from one ``(``, ``)`` or backslash to the next instead of reading byte by byte.

    A string running past the block read ahead, or one pyHanko would refuse (an unknown
    escape, an octal escape over 255 or with an 8 or 9), goes to pyHanko's parser from its
    start: it returns or raises exactly what pyHanko does.
    """
    start = stream.tell()
    data = stream.read(_READ_AHEAD)
    try:
        text = _literal(data)
    except (IndexError, ValueError, KeyError):
        text = None
    if text is None:
        stream.seek(start)
        return _fallback(stream)
    value, end = text
    stream.seek(start + end)
    return value


def _literal(data: bytes, start: int = 0) -> tuple[bytes, int] | None:
    """(value, end offset) of the literal string at ``data[start]`` (``(``); None: not all in
    ``data``. Raises ValueError for an escape pyHanko refuses, IndexError for an escape cut by
    the end of ``data``."""
    out, pos, parens = bytearray(), start + 1, 1
    while True:
        special = _STRING_SPECIAL.search(data, pos)
        if special is None:
            return None
        at = special.start()
        out += data[pos:at]
        pos = at + 1
        char = data[at]
        if char == 0x28:  # (
            parens += 1
            out.append(char)
        elif char == 0x29:  # )
            parens -= 1
            if parens == 0:
                return bytes(out), pos
            out.append(char)
        else:  # backslash: IndexError at the end of data falls back
            escaped = data[pos]
            pos += 1
            if escaped in _SIMPLE_ESCAPES:
                out += _SIMPLE_ESCAPES[escaped]
            elif 0x30 <= escaped <= 0x39:  # up to three digits, read as octal (8 or 9: ValueError)
                digits = bytes([escaped])
                while len(digits) < 3 and 0x30 <= data[pos] <= 0x39:
                    digits += data[pos:pos + 1]
                    pos += 1
                out.append(int(digits, 8))  # over 255: ValueError, as bytes((octal,)) in pyHanko
            elif escaped in b"\n\r":  # an escaped line break: nothing, and a CR LF pair counts once
                if data[pos] in b"\n\r":
                    pos += 1
            else:
                raise ValueError("an escape pyHanko refuses")  # it raises its own error for it


_NOT_NUMERIC = re.compile(rb"[^0-9.+\-" + b"".join(re.escape(bytes([c])) for c in PDF_WHITESPACE) + rb"]")
_WHITESPACE_TO_SPACE = bytes.maketrans(PDF_WHITESPACE, b" " * len(PDF_WHITESPACE))


def read_number_array(stream, container_ref, in_content_stream=generic.ContentOpReading.NO, *,
                      _fallback: Callable[..., Any] = generic.ArrayObject.read_from_stream):
    """pyHanko's ``ArrayObject.read_from_stream`` (the stream is at ``[``) for an array holding
    only numbers, read at once.

    The fast path takes an array whose bytes up to the first ``]`` are all digits, ``.``, ``+``,
    ``-`` and PDF white space, within the block read ahead. pyHanko reads such an array as
    these white-space-separated tokens, each a ``FloatObject`` if it has a dot, else a
    ``NumberObject`` (no ``R``: none is a reference); a token either constructor refuses
    (``1-2``, ``.``) sends the whole array to ``_fallback``, which raises pyHanko's error. So
    does anything else: nested arrays, names, references, comments.
    """
    start = stream.tell()
    data = stream.read(_READ_AHEAD)
    other = _NOT_NUMERIC.search(data, 1)
    if data[:1] == b"[" and other is not None and data[other.start()] == 0x5D:  # "]"
        try:
            items = [generic.FloatObject(token.decode("ascii")) if b"." in token
                     else generic.NumberObject(token.decode("ascii"))
                     for token in data[1:other.start()].translate(_WHITESPACE_TO_SPACE).split()]
        except (ValueError, ArithmeticError):
            items = None
        if items is not None:
            for item in items:
                item.container_ref = container_ref
            stream.seek(start + other.start() + 1)
            return generic.ArrayObject(items)
    stream.seek(start)
    return _fallback(stream, container_ref, in_content_stream=in_content_stream)


class _Memo:
    """A small thread-safe LRU map (the web app verifies in several threads)."""

    def __init__(self, size: int) -> None:
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_issuer_serial_matches = _Memo(4096)
_MAX_PREPARED_LENGTH = 256


@lru_cache(maxsize=4096)
def _prepared(string: str) -> str:
    return _ldap_string_prep(None, string)


def ldap_string_prep(self, string: str) -> str:
    """asn1crypto's RFC 4518 string preparation of a name attribute, remembered per string.

    It is a pure function of the string (it never reads ``self``), run for every attribute
    of every freshly parsed certificate whenever names are compared or indexed. Long strings
    are not remembered, so that hostile files cannot fill the memory.
    """
    if len(string) > _MAX_PREPARED_LENGTH:
        return _ldap_string_prep(self, string)
    return _prepared(string)


def match_issuer_serial(expected_issuer_serial, cert, *, _match=general.match_issuer_serial) -> bool:
    """pyHanko's ``match_issuer_serial``, remembered per (identifier DER, certificate DER)."""
    key = hashlib.sha256(b"%s\0%d\0%s%s" % (type(expected_issuer_serial).__name__.encode(),
                         len(expected_issuer_serial.dump()), expected_issuer_serial.dump(), cert.dump())).digest()
    known = _issuer_serial_matches.get(key)
    if known is None:
        known = bool(_match(expected_issuer_serial, cert))
        _issuer_serial_matches.put(key, known)
    return known


@dataclass(frozen=True)
class _ValidatedPath:
    result: Any  # pyHanko's CertvalidatorOperationResult of the successful validation
    valid_from: datetime  # the first validation time for which the uncached validation gives the same answer
    valid_until: datetime  # the last one


@dataclass(frozen=True)
class CrlFacts:
    """What a CRL says that decides *when* a validation using it gives the same answer: a pure
    function of the CRL's DER bytes, worked out once per CRL (:func:`crl_facts`)."""

    sha256: bytes
    issuer: Any
    """The issuer's name (asn1crypto ``Name``): the certificates of that name may have to
    validate it, at the validation time."""
    this_update: datetime | None
    next_update: datetime | None
    revocation_dates: tuple[datetime, ...]
    """Every entry's revocation date, sorted: pyHanko holds an entry against a certificate
    only when it lies before the validation time (point-in-time validation)."""
    complete: bool = True
    """A complete CRL, not a delta CRL (which pyHanko only reads next to a complete one)."""


_crl_facts = _Memo(256)


def crl_facts(certificate_list) -> CrlFacts | None:
    """:class:`CrlFacts` of a parsed CRL, remembered by the SHA-256 of its DER; None if it
    does not parse (then no validation using it is cached: pyHanko judges it every time)."""
    digest = _fingerprint(certificate_list)
    known = _crl_facts.get(digest)
    if known is None:
        try:
            tbs = certificate_list["tbs_cert_list"]
            known = CrlFacts(digest, tbs["issuer"], tbs["this_update"].native, tbs["next_update"].native,
                             tuple(sorted(entry["revocation_date"].native for entry in tbs["revoked_certificates"])),
                             certificate_list.delta_crl_indicator_value is None)
        except Exception:  # noqa: BLE001 - a CRL pyHanko will refuse or skip: never cached
            return None
        _crl_facts.put(digest, known)
    return known


@dataclass(frozen=True)
class CacheLookup:
    """One validation's cache key, and what :meth:`PathCache.put` needs to work out for which
    validation times its answer holds."""

    key: tuple
    moment: datetime
    crls: tuple[CrlFacts, ...]
    context: ValidationContext


_TIME_STEP = timedelta(microseconds=1)


class PathCache:
    """Successful certificate path validations, reused while the validation time allows.

    The key is everything path validation reads, for contexts made by ``verifier.pdf`` (all
    with the same settings: no fetching, revocation soft-fail with pyHanko's default
    freshness rule, default algorithm policy):

    - the certificate being validated (SHA-256 of its DER),
    - every certificate the path builder could use, registered in the context (those the
      CMS carried), as a set of SHA-256 of their DER: an impostor's intermediate certificate
      is another key,
    - the trust roots, as another such set: another root set is another key, even when a
      root is among the certificates the signature carried,
    - the key usage required of it (the signer's and the TSA's differ),
    - the CRLs the context holds (the document's DSS), as a set of SHA-256 of their DER: another
      CRL, a newer one listing the signer, or none, is another key; and the revocation policy,
      time tolerance and whether the validation is point-in-time (a "now" validation holds a
      listed certificate revoked whatever the date of the entry).

    What is left is the validation time. With no fetching and a time-independent algorithm
    policy, the time-dependent checks are: the validity periods of the path's certificates
    and of the certificates that may issue the CRLs (those named as their issuers, and their
    issuers' up to the roots: an indirect CRL issuer has a chain of its own); each
    CRL's freshness (pyHanko's default rule: thisUpdate <= time <= nextUpdate, with a second of
    tolerance); and whether an entry's revocation date lies before the time. :meth:`put`
    works out the interval around the validation time inside which none of these answers
    changes: inside every validity period and every CRL's [thisUpdate, nextUpdate] (no
    tolerance: stricter than pyHanko), and between the revocation dates just before and just
    after it. A success is remembered with that interval, and a hit needs the new time inside
    it. A CRL without nextUpdate, a CRL stale at the validation time (even one nobody needed),
    a context holding an OCSP response, and any failure are never cached: they are validated in
    full every time, and a revoked, expired or untrusted chain is refused as before.
    """

    def __init__(self, size: int = 1024) -> None:
        self._paths = _Memo(size)
        self.hits = self.misses = 0

    def lookup(self, cert, context: ValidationContext, key_usage_settings) -> CacheLookup | None:
        """The cache key of validating ``cert`` in ``context``; None when the cache may not answer."""
        registered = _our_contexts.get(context)
        if registered is None or context.ocsps:
            return None
        crls = tuple(crl_facts(c) for c in context.crls)
        if None in crls or (crls and not _default_freshness(context.revinfo_policy)):
            return None
        candidates = frozenset(_fingerprint(c) for c in context.certificate_registry)
        key = (_fingerprint(cert), candidates, registered.fingerprints,  # roots apart: trust differs
               repr(key_usage_settings), frozenset(f.sha256 for f in crls), context.revinfo_policy,
               context.time_tolerance, context.timing_params.point_in_time_validation)
        return CacheLookup(key, context.moment, crls, context)

    def key(self, cert, context: ValidationContext, key_usage_settings) -> tuple | None:
        found = self.lookup(cert, context, key_usage_settings)
        return None if found is None else found.key

    def get(self, lookup: CacheLookup) -> Any:
        found = self._paths.get(lookup.key)
        if found is not None and found.valid_from <= lookup.moment <= found.valid_until:
            self.hits += 1
            return found.result
        self.misses += 1
        return None

    def put(self, lookup: CacheLookup, result) -> None:
        path = result.success_result
        if path is None or result.error_subindic is not None:
            return
        window = _same_answer_window(lookup, list(path.iter_certs(include_root=True)))
        if window is not None:
            self._paths.put(lookup.key, _ValidatedPath(result, *window))

    def clear(self) -> None:
        self._paths.clear()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._paths)


def _default_freshness(policy) -> bool:
    """pyHanko's default CRL freshness rule, the one :func:`_same_answer_window` reasons about."""
    return (policy.freshness_req_type == FreshnessReqType.DEFAULT and policy.freshness is None
            and not policy.retroactive_revinfo)


def _same_answer_window(lookup: CacheLookup, path_certs: list) -> tuple[datetime, datetime] | None:
    """[first, last] validation time around ``lookup.moment`` for which the validation reads the
    same answers as at ``lookup.moment`` (:class:`PathCache`); None if there is no such interval."""
    moment = lookup.moment
    certs = list(path_certs)
    starts, ends = [], []
    for facts in lookup.crls:
        if facts.this_update is None or facts.next_update is None:
            return None
        starts.append(facts.this_update)
        ends.append(facts.next_update)
        starts += [revoked + _TIME_STEP for revoked in facts.revocation_dates if revoked < moment]
        ends += [revoked for revoked in facts.revocation_dates if revoked >= moment]
        certs += _possible_crl_issuers(lookup.context, facts.issuer)
    starts += [c["tbs_certificate"]["validity"]["not_before"].native for c in certs]
    ends += [c["tbs_certificate"]["validity"]["not_after"].native for c in certs]
    valid_from, valid_until = max(starts), min(ends)
    return (valid_from, valid_until) if valid_from <= moment <= valid_until else None


def _possible_crl_issuers(context: ValidationContext, issuer) -> list:
    """Every certificate of the context (registered or a trust root) that may be validated, at the
    validation time, to check the CRL's signature: those named as its issuer, and up to the roots
    those named as their issuers (an indirect CRL issuer's chain need not be the signer's path)."""
    pool = (*context.certificate_registry, *_our_contexts[context].certificates)
    found, names, seen = [], [issuer], set()
    while names:
        name = names.pop()
        if name.hashable in seen:
            continue
        seen.add(name.hashable)
        for cert in pool:
            if cert.subject == name and cert not in found:
                found.append(cert)
                names.append(cert.issuer)
    return found


@dataclass(frozen=True)
class _Registered:
    fingerprints: frozenset
    certificates: tuple


#: The process-wide cache (one per uvicorn worker process).
path_cache = PathCache()
_our_contexts: "weakref.WeakKeyDictionary[ValidationContext, _Registered]" = weakref.WeakKeyDictionary()
_context_lock = threading.Lock()


def _fingerprint(cert) -> bytes:
    return hashlib.sha256(cert.dump()).digest()


def register_context(context: ValidationContext, roots: list) -> ValidationContext:
    """Let :data:`path_cache` answer for ``context``, made by ``verifier.pdf`` with ``roots``."""
    with _context_lock:
        _our_contexts[context] = _Registered(frozenset(_fingerprint(r) for r in roots), tuple(roots))
    context.path_builder = _DeferredPathBuilder(context.path_builder)
    return context


class _DeferredPathBuilder:
    """The context's path builder, starting a path search only when someone iterates it:
    pyHanko starts one (indexing names, looking up trust anchors) before asking for the
    validation, which the path cache may answer."""

    def __init__(self, builder) -> None:
        self._builder = builder

    def async_build_paths_lazy(self, cert) -> "_DeferredPaths":
        return _DeferredPaths(self._builder, cert)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._builder, name)


class _DeferredPaths(CancelableAsyncIterator):
    def __init__(self, builder, cert) -> None:
        self._builder, self._cert, self._paths = builder, cert, None

    def __aiter__(self) -> "_DeferredPaths":
        return self

    async def __anext__(self):
        if self._paths is None:
            self._paths = self._builder.async_build_paths_lazy(self._cert)
        return await self._paths.__anext__()

    async def cancel(self) -> None:
        if self._paths is not None:
            await self._paths.cancel()


_algorithm_answers = _Memo(1024)


def signature_algorithm_allowed(self, algo, moment, public_key, *,
                                _allowed=DisallowWeakAlgorithmsPolicy.signature_algorithm_allowed):
    """The default algorithm policy's answer, remembered per (policy settings, algorithm, key).

    That policy never looks at ``moment`` (it refuses weak hashes and short keys whatever the
    date); working out a key's size and an algorithm's hash costs about 0.3 ms per signature.
    Subclasses, which may look at the date, are asked every time.
    """
    if type(self) is not DisallowWeakAlgorithmsPolicy:
        return _allowed(self, algo, moment, public_key)
    key = (frozenset(self.weak_hash_algos), frozenset(self.weak_signature_algos), self.rsa_key_size_threshold,
           self.dsa_key_size_threshold, algo.dump(), None if public_key is None else _fingerprint(public_key))
    answer = _algorithm_answers.get(key)
    if answer is None:
        answer = _allowed(self, algo, moment, public_key)
        _algorithm_answers.put(key, answer)
    return answer


async def validate_cert_usage(cert, validation_context, key_usage_settings, paths,
                              pkix_validation_params=None, *, _validate=generic_cms.validate_cert_usage):
    """pyHanko's ``validate_cert_usage`` with :data:`path_cache` in front of it."""
    lookup = None if pkix_validation_params is not None else path_cache.lookup(
        cert, validation_context, key_usage_settings)
    if lookup is not None:
        cached = path_cache.get(lookup)
        if cached is not None:
            await paths.cancel()
            return cached
    result = await _validate(cert, validation_context, key_usage_settings, paths, pkix_validation_params)
    if lookup is not None:
        path_cache.put(lookup, result)
    return result


_installed = False


def install() -> None:
    """Put these functions in place of pyHanko's (idempotent)."""
    global _installed
    if _installed:
        return
    generic.read_hex_string_from_stream = read_hex_string
    generic.read_until_delimiter = read_until_delimiter  # names and other bare tokens
    generic._decode_name = decode_name
    generic._read_string_literal_bytes = read_string_literal_bytes
    generic.ArrayObject.read_from_stream = staticmethod(read_number_array)
    general.match_issuer_serial = match_issuer_serial
    generic_cms.validate_cert_usage = validate_cert_usage
    asn1_x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep
    DisallowWeakAlgorithmsPolicy.signature_algorithm_allowed = signature_algorithm_allowed
    _installed = True
