"""Opening a PDF: pyHanko's reading of a classic cross-reference table and its trailer, same state.

Every upload is opened once (``verifier.pdf._open``), and pyHanko reads each revision's
cross-reference table entry by entry (a generator yielding an ``XRefEntry`` per 20-byte line,
three seeks per line) and its trailer dictionary token by token: about 110 µs per revision,
0.6 ms of CPU for a B-LT transcript's six revisions.

:func:`read_xref_table` stands in for ``XRefBuilder._read_xref_table``. It reads the table with
one regular expression per subsection when every line is the usual 20-byte entry
(``0000012345 00000 n`` and an end of line of two bytes: `` \\r``, `` \\n`` or ``\\r\\n``),
subsection headers are plain decimal numbers, and white space between them holds no comment.
It fills a fresh ``XRefSectionData`` as pyHanko's ``process_entries`` does (same dictionaries,
same insertion order, same sets), and reads the trailer with ``verifier.pdf_objects``' parser.
For anything else it rewinds and calls pyHanko's own method from the start, so the state, the
error and its message are pyHanko's:

- any line of another length or form (a one-byte end of line, space padding, an unknown
  marker), a header that is not two plain numbers, a comment, a table cut by the end of file;
- a generation number above 65535 (pyHanko refuses it in strict mode, skips it otherwise);
- a trailer holding ``/XRefStm`` (a hybrid file: pyHanko reads the stream too, and refuses the
  file in strict mode), a trailer the fast parser does not take (it then goes to pyHanko's
  ``DictionaryObject.read_from_stream`` alone, the table being already read the same way), or
  a trailer followed by a ``stream`` keyword.

Cross-reference streams are not touched (``_read_xref_stream``). The rest of the method (the
``/Size`` check in strict mode, the section's metadata, the trailer revision, ``/Prev``) is
pyHanko's code, repeated here in the same order. ``tests/verifier/test_open_speedups.py``
compares the reader's whole state, or the exception, with pyHanko's on real files and on random
and malformed tables.

The document security store (DSS) of a B-LT document holds the same CRLs and certificates as
every other document of the school, and they were parsed afresh for each upload: pyHanko's
``read_dss`` parses each DSS certificate (for its issuer and serial), and each validation context
holding the CRLs parses them again (their dates, to sort them). :func:`shared_crl` gives one
parsed ``CertificateList`` per CRL, keyed by the SHA-256 of its whole DER encoding, fully parsed
and with its derived values worked out before anybody else sees it; DSS certificates go through
``cms_speedups.shared_certificate`` the same way (:class:`_DssCertificate`). pyHanko's certificate
validator only reads CRLs (it copies a name before extending it) and keeps nothing per object, so
the revocation checks run as before, for every validation; the path cache's key is the CRLs'
SHA-256, the same either way. A CRL that does not parse whole or does not re-encode to its own
bytes is passed on as bytes, as before.

Installed by ``verifier.pdf`` (:func:`install`), like the other speed-ups.
"""

from __future__ import annotations

import hashlib
import re

from asn1crypto.crl import CertificateList
from asn1crypto.x509 import Certificate
from pyhanko.pdf_utils import generic, misc, xref
from pyhanko.sign.validation import dss

from verifier import cms_speedups, pdf_objects
from verifier.pdf_speedups import _Memo

_stock_read_xref_table = xref.XRefBuilder._read_xref_table
_stock_dss_certificate = dss.Certificate
#: A few KB of parsed objects each (more for a long CRL); a school's DSS holds one or two.
_crls = _Memo(64)
_installed = False

_WS = b"[" + re.escape(misc.PDF_WHITESPACE) + b"]"
#: A subsection header (first object number, count) where pyHanko's number reader reads the same
#: two numbers; white space before it, none of it a comment's.
_HEADER = re.compile(_WS + b"*+([0-9]++)" + _WS + b"++([0-9]++)" + _WS + b"++")
#: One usual 20-byte entry; pyHanko reads the same offset, generation and marker from it.
_ENTRY = re.compile(rb"([0-9]{10}) ([0-9]{5}) ([nf])(?: \r| \n|\r\n)")
#: After the entries: ``trailer`` and white space up to the dictionary, or another subsection.
_AFTER = re.compile(_WS + b"*+(?:(trailer)" + _WS + b"*+(?=[^%" + re.escape(misc.PDF_WHITESPACE)
                    + b"])|(?=[0-9]))")
#: After the trailer's ``>>``: what pyHanko's ``_maybe_read_stream_payload`` reads and puts back
#: (no ``stream`` keyword: the usual ``startxref``, or another byte, at least six bytes read).
_NOT_A_STREAM = re.compile(_WS + b"*+(?:[^s%" + re.escape(misc.PDF_WHITESPACE) + b"]|s(?!tream)[\\s\\S]{5})")
_BLOCK = 4096
_MAX_GENERATION = 0xFFFF


def _table(data: bytes):
    """(standard, freed, explicit, highest id, end offset) of the table at the start of ``data``,
    as pyHanko's ``parse_xref_table`` and ``process_entries`` make them; None when the fast path
    does not take it (module docstring)."""
    standard: dict[int, tuple[int, int]] = {}
    freed: dict[int, int] = {}
    explicit: set[tuple[int, int]] = set()
    highest, pos = 0, 0
    while True:
        header = _HEADER.match(data, pos)
        if header is None:
            return None
        # pyHanko's first number of a subsection is a NumberObject, the next ones (+1) ints
        first, count = generic.NumberObject(int(header[1])), int(header[2])
        idnum, pos = first, header.end()
        for entry in _ENTRY.finditer(data[pos:pos + 20 * count]):  # each exactly 20 bytes
            if entry.start() != 20 * (idnum - first):
                return None
            generation = int(entry[2])
            if generation > _MAX_GENERATION:
                return None
            if not highest > idnum:  # max(idnum, highest): the same object pyHanko keeps
                highest = idnum
            if idnum:
                if entry[3] == b"n":
                    standard[idnum] = (generation, int(entry[1]))
                    explicit.add((idnum, generation))
                else:
                    freed[idnum] = generation
                    explicit.add((idnum, generation - 1))
            idnum += 1
        if idnum - first != count:
            return None
        pos += 20 * count
        after = _AFTER.match(data, pos)
        if after is None:
            return None
        pos = after.end()
        if after[1] is not None:
            return standard, freed, explicit, highest, pos


def _trailer(data: bytes, handler):
    """(trailer dictionary, length read) as pyHanko's ``DictionaryObject.read_from_stream`` reads
    it from the start of ``data``; None when the fast path does not take it."""
    if not data.startswith(b"<<"):
        return None
    ref = generic.TrailerReference(handler)
    try:
        value, end, plain = pdf_objects._parse(data, ref, handler)
    except Exception:  # noqa: BLE001 - _Incomplete, _Fallback: pyHanko's reader reads it
        return None
    if plain is None or not _NOT_A_STREAM.match(data, end):
        return None
    del value.container_ref  # pyHanko's dictionary reader, called directly, does not set it
    return value, end, ref


def read_xref_table(self, declared_startxref: int):
    """pyHanko's ``XRefBuilder._read_xref_table``, same result (module docstring)."""
    stream = self.stream
    xref_start = stream.tell()
    data = stream.read(_BLOCK)
    table = _table(data)
    if table is None and len(data) == _BLOCK:  # perhaps a longer table: the rest of the file
        data += stream.read()
        table = _table(data)
    if table is None:
        stream.seek(xref_start)
        return _stock_read_xref_table(self, declared_startxref)
    standard, freed, explicit, highest, offset = table
    xref_end = xref_start + offset
    trailer = _trailer(data[offset:], self.handler)
    if trailer is None:
        stream.seek(xref_end)
        new_trailer = generic.DictionaryObject.read_from_stream(stream, generic.TrailerReference(self.handler))
    else:
        new_trailer, length, _ = trailer
        stream.seek(xref_end + length)
    assert isinstance(new_trailer, generic.DictionaryObject)
    if "/XRefStm" in new_trailer:  # a hybrid file: pyHanko reads it all
        stream.seek(xref_start)
        return _stock_read_xref_table(self, declared_startxref)
    declared_size = int(new_trailer.raw_get("/Size"))
    if self.strict and highest >= declared_size:
        raise misc.PdfStrictReadError(
            f"Xref table size mismatch: table allocated object with id "
            f"{highest}, but according to the trailer {declared_size - 1} "
            f"is the maximal allowed object id."
        )
    section_data = xref.XRefSectionData()
    section_data.standard_xrefs.update(standard)
    section_data.freed.update(freed)
    section_data.explicit_refs_in_revision.update(explicit)
    meta = xref.XRefSectionMetaInfo(
        xref_section_type=xref.XRefSectionType.STANDARD, size=declared_size,
        declared_startxref=declared_startxref, start_location=xref_start, end_location=xref_end,
        stream_ref=None)
    self.sections.append(xref.XRefSection(meta, section_data))
    self.trailer.add_trailer_revision(new_trailer)
    return xref._prev(new_trailer)


def _read_properties(obj) -> None:
    """Work out every property of ``obj``'s class (asn1crypto caches them on first use)."""
    for name, attribute in vars(type(obj)).items():
        if isinstance(attribute, property):
            getattr(obj, name)


def _warmed_crl(der: bytes) -> CertificateList | None:
    """``der`` parsed, every lazy part built and every derived value worked out (so that threads
    sharing it only read); None when it does not parse whole or does not re-encode to ``der``."""
    try:
        crl = CertificateList.load(der)
        crl.native  # parses every child, recursively, and every extension's value
        _read_properties(crl)
        issuer = crl.issuer
        issuer.native, issuer.sha1, issuer.sha256, issuer.hashable
        for entry in crl["tbs_cert_list"]["revoked_certificates"]:
            _read_properties(entry)
        if crl._is_mutated() or crl.dump() != der:
            return None
    except Exception:  # noqa: BLE001 - pyHanko's validator gets the bytes and judges them
        return None
    return crl


def shared_crl(der: bytes) -> CertificateList | bytes:
    """The process's parsed object for a CRL's DER bytes, or ``der`` itself when it is not
    shareable or this module is not installed (a validation context takes either)."""
    if not _installed or type(der) is not bytes:
        return der
    key = hashlib.sha256(der).digest()
    known = _crls.get(key)
    if known is None:
        known = _warmed_crl(der)
        if known is None:
            return der
        _crls.put(key, known)
    return known


class _DssCertificate:
    """Stands for asn1crypto's ``Certificate`` in pyHanko's ``dss`` module, which only loads
    certificates to read them: :meth:`load` gives the process's shared object for the bytes."""

    @staticmethod
    def load(encoded_data, strict=False):
        return cms_speedups.shared_certificate(_stock_dss_certificate.load(encoded_data, strict=strict))


def clear() -> None:
    """Forget the shared CRLs (tests)."""
    _crls.clear()


def install() -> None:
    """Put these functions in place of pyHanko's (idempotent)."""
    global _installed
    xref.XRefBuilder._read_xref_table = read_xref_table
    dss.Certificate = _DssCertificate
    _installed = True


def uninstall() -> None:
    """pyHanko's own code again (the equivalence tests compare both)."""
    global _installed
    xref.XRefBuilder._read_xref_table = _stock_read_xref_table
    dss.Certificate = _stock_dss_certificate
    _installed = False
