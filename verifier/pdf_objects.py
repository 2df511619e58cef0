"""pyHanko's ``generic.read_object`` for a whole indirect object at once, same objects.

The modification analysis reads about 44 object versions per verification of a B-LT
transcript, and pyHanko's parser reads each of them token by token in pure Python: a peek and
a seek per token, ``read_non_whitespace`` between tokens, an ``IndirectObject`` detected by a
20-byte peek and re-read byte by byte (about 6.9 ms of a 27 ms verification; a 190-byte page
dictionary took 100 µs, the Info dictionary with its UTF-16 strings 260 µs).

:func:`read_object` reads a block from the stream and walks it with one compiled regular
expression (:data:`_TOKEN`), building the objects pyHanko builds, of the same classes, in the
same order, each with the same ``container_ref`` (every value ``read_object`` returns gets it;
dictionary keys do not), and leaves the stream where pyHanko leaves it. It only takes what it
knows pyHanko reads the same way; for anything else it rewinds and calls pyHanko's own function
from the start, so the answer, the error and the stream position are pyHanko's:

- a comment, a byte no rule below expects, a keyword other than ``true``, ``false``, ``null``
  (``R`` alone, ``stream`` after a nested dictionary), white space pyHanko's reference pattern
  and its white-space skipping disagree on (``\\v``; ``\\0`` between a reference's parts);
- a number pyHanko's constructors refuse (``1,2``, ``+-1``, ``.``), a reference pyHanko's
  20-byte peek would not see as one (longer than the peek, followed by a letter, number 0),
  a name with a byte pyHanko's decoder refuses, a literal string with an escape it refuses;
- a repeated dictionary key (pyHanko logs it or, strict, refuses it), nesting deeper than
  :data:`MAX_DEPTH` (pyHanko's recursion limit depends on the caller's stack), an object
  that does not end inside the file;
- the content-stream modes (``in_content_stream``): pyHanko's function reads those.

A dictionary at the top is followed, as in pyHanko, by pyHanko's own
``_maybe_read_stream_payload`` from the byte after ``>>`` (the ``stream`` keyword, an indirect
``/Length``, the ``endstream`` repair), and becomes a ``StreamObject`` (``MetadataStream`` when
``as_metadata_stream``) the same way. While pyHanko's function reads a fallback, nested values
go straight to it (no fast attempt inside a failed one, so an odd file costs at most one
pyHanko parse more). ``tests/verifier/test_pdf_objects.py`` compares both on random object
syntax and on every object of every revision of real files.

The block is read as Latin-1 text so that names, numbers and references need no decoding per
token; literal strings whose escapes Python's bytes-literal decoding reads as pyHanko does
(``\\ddd`` up to 0o377, ``\\n`` and the like, ``\\(``) are decoded by it, and PDFDocEncoding
by a charmap of pyHanko's own table (:func:`_pdf_string`). :func:`read_object_header` reads
the usual ``12 0 obj`` at once, and any other header with pyHanko's (which may warn).

Installed by ``verifier.pdf`` (:func:`install`), like ``pdf_speedups``: the signer does not
install it, but in a process that imports ``verifier.pdf`` every pyHanko reader uses it (same
answers).
"""

from __future__ import annotations

import binascii
import codecs
import decimal
import re
import threading

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils import reader as reader_module
from pyhanko.pdf_utils.misc import PDF_DELIMITERS, PDF_WHITESPACE

from verifier.pdf_speedups import _literal

_stock = generic.read_object
_NO = generic.ContentOpReading.NO
_NameObject, _NumberObject, _FloatObject = generic.NameObject, generic.NumberObject, generic.FloatObject
_DictionaryObject, _ArrayObject = generic.DictionaryObject, generic.ArrayObject
_IndirectObject, _BooleanObject, _NullObject = generic.IndirectObject, generic.BooleanObject, generic.NullObject
_new_int, _new_decimal = int.__new__, decimal.Decimal.__new__
_dict_update, _dict_new = dict.update, dict.__new__

#: Containers nested deeper than this go to pyHanko (a transcript's objects nest 3-4 deep).
MAX_DEPTH = 32
_BLOCK = 4096
#: pyHanko's reference test peeks this many bytes at a number (``read_object``).
_REFERENCE_PEEK = 20
_INDIRECT_PATTERN = generic.INDIRECT_PATTERN

#: The block is read as Latin-1 text (one character per byte, same offsets): names, numbers
#: and references then need no decoding per token.
_WS = re.escape(PDF_WHITESPACE.decode("latin-1"))
_WS_CHARS = frozenset(PDF_WHITESPACE.decode("latin-1"))
#: White space that is white space both to pyHanko's skipping (PDF white space) and to its
#: reference pattern (``\s``, ``bytes.isspace``): not ``\0``, not ``\v``.
_REF_WS = r"[ \t\n\r\f]+"
_NAME_END = re.escape((PDF_WHITESPACE + PDF_DELIMITERS).decode("latin-1"))
_PLAIN = "".join(re.escape(chr(c)) for c in range(0x21, 0x7F) if c not in PDF_DELIMITERS and c != 0x23)
_NAME_TOKEN = r"(/[" + _PLAIN + r"]*+)(?![^" + _NAME_END + r"])"  # a name without escapes
_TOKEN = re.compile(
    r"[" + _WS + r"]*+"
    r"(?:" + _NAME_TOKEN + r"[" + _WS + r"]*+)?"                   # 1: a name before the token (a key)
    r"(?:" + _NAME_TOKEN +                                         # 2: a name
    r"|([0-9]++)" + _REF_WS + r"([0-9]++)" + _REF_WS + r"R"        # 3, 4: a reference
    r"|([0-9+\-.][0-9+,\-.]*+)"                                   # 5: a number (pyHanko's characters: ',' too)
    r"|(<<)|(>>)"                                                 # 6, 7
    r"|\[([0-9.+\-" + _WS + r"]*+)\]"                             # 8: an array of numbers only
    r"|(\[)|(\])"                                                 # 9, 10
    # 11: a literal string whose escapes Python's bytes-literal decoding reads as pyHanko does
    # (:func:`_simple_string`): octal up to 0o377 (a shorter one not followed by a digit:
    # pyHanko reads 8 and 9 as digits and refuses them), \n \r \t \b \f \\ \( \); no
    # parenthesis without a backslash
    r"|\(([^\\()]*+(?:\\(?:[0-3][0-7][0-7]|[0-7][0-7]?+(?![0-9])|[nrtbf\\()])[^\\()]*+)*+)\)"
    r"|(\()"                                                      # 12: any other literal string
    r"|(<)"                                                       # 13: a hex string (:func:`_hex`)
    r"|([A-Za-z]++)"                                              # 14: a keyword
    r"|/([^" + _NAME_END + r"]*+)"                                # 15: a name with escapes (or refused)
    r"|([^" + _WS + r"])"                                         # 16: anything else
    r")")
_finditer = _TOKEN.finditer
#: After a dictionary, what pyHanko's ``_maybe_read_stream_payload`` reads and puts back: white
#: space, then a byte that is neither the ``s`` of ``stream`` nor a comment's ``%``.
_NOT_A_STREAM = re.compile(rb"[" + re.escape(PDF_WHITESPACE) + rb"]*+[^s%" + re.escape(PDF_WHITESPACE) + rb"]")
(_NAME, _REF, _NUM, _OPEN_DICT, _CLOSE_DICT, _NUMBERS, _OPEN_ARRAY, _CLOSE_ARRAY, _STRING, _OTHER_STRING,
 _HEX, _WORD, _ESCAPED_NAME, _OTHER) = (2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)
_OPEN_ENDED = frozenset((_NAME, _REF, _NUM, _WORD, _ESCAPED_NAME))
_escape_decode = codecs.escape_decode
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


class _Incomplete(Exception):
    """The object runs past the block read: read more and try again."""


class _Fallback(Exception):
    """Something the fast path does not take: pyHanko's function reads the object."""


_local = threading.local()


def read_object(stream, container_ref, as_metadata_stream: bool = False, in_content_stream=_NO):
    """pyHanko's ``generic.read_object``, same result (module docstring)."""
    if in_content_stream is not _NO or getattr(_local, "stock", False):
        return _stock(stream, container_ref, as_metadata_stream, in_content_stream)
    start = stream.tell()
    size = _BLOCK
    while True:
        data = stream.read(size)
        try:
            handler = container_ref.get_pdf_handler()
            result, end, plain = _parse(data, container_ref, handler)
            break
        except _Incomplete:
            if len(data) < size:  # the end of the stream: pyHanko says what is wrong
                return _read_by_pyhanko(stream, start, container_ref, as_metadata_stream)
            size *= 4
            stream.seek(start)
        except Exception:  # noqa: BLE001 - pyHanko's parser gives its own answer or error
            return _read_by_pyhanko(stream, start, container_ref, as_metadata_stream)
    stream.seek(start + end)
    if plain is not None and not _NOT_A_STREAM.match(data, end):
        # a dictionary at the top, perhaps a stream's: pyHanko's own code reads on (the next byte
        # after white space is an "s", a comment, or past the block)
        stream_data = generic._maybe_read_stream_payload(stream, plain, handler)
        if stream_data is not None:
            stream_class = generic.StreamObject
            if as_metadata_stream:
                try:
                    from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream
                    stream_class = MetadataStream
                except ImportError:  # pragma: no cover - as in pyHanko
                    pass
            result = stream_class(plain, encoded_data=stream_data)
            result.container_ref = container_ref
    return result


def _read_by_pyhanko(stream, start, container_ref, as_metadata_stream):
    """pyHanko's ``read_object`` from ``start``, nested values included."""
    stream.seek(start)
    _local.stock = True
    try:
        return _stock(stream, container_ref, as_metadata_stream, _NO)
    finally:
        _local.stock = False  # read_object never calls this while it is True


def _parse(data: bytes, ref, handler):
    """(object, end offset, the plain dict of a top-level dictionary or None) of the object at
    the start of ``data``. Raises :class:`_Incomplete` (the object may go on past ``data``) or
    :class:`_Fallback` (anything else the fast path does not take)."""
    text = data.decode("latin-1")
    if not text or text[0] in _WS_CHARS:  # pyHanko reads the first byte as the object's
        raise _Fallback
    n = len(text)
    stack = []  # the enclosing containers: (container, is_dict, key)
    container, is_dict, key = None, False, None
    m, pos = None, 0
    try:
        while True:  # a new scan only after a string read by _string
            for m in _finditer(text, pos):
                lead = m[1]
                if lead is not None:  # a name, then the token: one match for a key and its value
                    value = _NameObject(lead)
                    if is_dict and key is None:
                        if value in container:
                            raise _Fallback  # pyHanko warns, or refuses in strict mode
                        key = value  # keys get no container_ref
                    else:
                        value.container_ref = ref
                        if is_dict:
                            container[key] = value
                            key = None
                        elif container is not None:
                            container.append(value)
                        else:  # the object itself: a name
                            return value, m.end(1), None
                kind = m.lastindex
                if kind == _NAME:
                    value = _NameObject(m[2])
                    if is_dict and key is None:
                        if value in container:
                            raise _Fallback  # pyHanko warns, or refuses in strict mode
                        key = value  # keys get no container_ref
                        continue
                elif kind == _REF:
                    end = m.end()
                    if text[end] in _LETTERS or end + 1 - m.start(3) > _REFERENCE_PEEK:
                        raise _Fallback  # pyHanko's 20-byte peek does not see a reference
                    idnum = int(m[3])
                    if idnum <= 0:
                        raise _Fallback
                    value = _IndirectObject(idnum, int(m[4]), handler)
                elif kind == _NUM:
                    token = m[5]
                    if "." in token:
                        value = _new_decimal(_FloatObject, token)
                    else:
                        value = _new_int(_NumberObject, int(token))
                elif kind == _OPEN_DICT or kind == _OPEN_ARRAY:
                    if is_dict and key is None:
                        raise _Fallback
                    stack.append((container, is_dict, key))
                    if len(stack) > MAX_DEPTH:
                        raise _Fallback
                    if kind == _OPEN_DICT:
                        container, is_dict, key = {}, True, None
                    else:
                        container, is_dict, key = [], False, None
                    continue
                elif kind == _CLOSE_DICT:
                    if not is_dict or key is not None:
                        raise _Fallback
                    plain = container
                    value = _dict_new(_DictionaryObject)  # DictionaryObject() is an empty dict too
                    _dict_update(value, plain)
                    value.container_ref = ref
                    container, is_dict, key = stack.pop()
                    if container is None:
                        return value, m.end(), plain
                elif kind == _NUMBERS:
                    value = _ArrayObject(_numbers(m[8], ref))
                elif kind == _CLOSE_ARRAY:
                    if is_dict or container is None:
                        raise _Fallback
                    value = _ArrayObject(container)
                    container, is_dict, key = stack.pop()
                elif kind == _STRING:
                    value = _pdf_string(_simple_string(m[11].encode("latin-1")))
                elif kind == _WORD:
                    word = m[14]
                    if word == "true":
                        value = _BooleanObject(True)
                    elif word == "false":
                        value = _BooleanObject(False)
                    elif word == "null":
                        value = _NullObject()
                    else:
                        raise _Fallback
                elif kind == _ESCAPED_NAME:
                    value = generic._decode_name(m[15].encode("latin-1"))
                    if is_dict and key is None:
                        if value in container:
                            raise _Fallback
                        key = value
                        continue
                elif kind == _OTHER_STRING or kind == _HEX:
                    pos = m.start(kind)
                    break  # read below, then scan on from its end
                else:  # a byte no rule takes: the object cut by the end of the block, or pyHanko
                    raise _Incomplete if m[16] == ">" and m.end() == n else _Fallback  # ">" of a ">>"?
                value.container_ref = ref
                if is_dict:
                    if key is None:
                        raise _Fallback
                    container[key] = value
                    key = None
                elif container is not None:
                    container.append(value)
                else:  # the object itself
                    if m.end() >= n and kind in _OPEN_ENDED:
                        raise _Incomplete
                    if kind == _NUM and _INDIRECT_PATTERN.match(data, 0, _REFERENCE_PEEK):
                        raise _Fallback  # pyHanko's pattern sees a reference (through a \v): its answer
                    return value, m.end(), None
            else:
                raise _Incomplete  # only white space left in the block
            value, pos = _hex(data, pos) if kind == _HEX else _string(data, pos)
            value.container_ref = ref
            if is_dict:
                if key is None:
                    raise _Fallback
                container[key] = value
                key = None
            elif container is not None:
                container.append(value)
            else:
                return value, pos, None
    except (_Incomplete, _Fallback):
        raise
    except Exception:  # a constructor refused a token: cut by the end of the block, or pyHanko's error
        if m is not None and m.end() >= n:
            raise _Incomplete from None
        raise _Fallback from None


def _numbers(span: str, ref) -> list:
    """The numbers of a number-only array, as pyHanko reads them one by one (``.``: a float)."""
    items = []
    append = items.append
    if "\x00" in span:  # PDF white space, not str.split's
        span = span.replace("\x00", " ")
    for token in span.split():
        if "." in token:
            item = _new_decimal(_FloatObject, token)
        else:
            item = _new_int(_NumberObject, int(token))
        item.container_ref = ref
        append(item)
    return items


def _simple_string(body: bytes) -> bytes:
    """The bytes of a literal string's body that :data:`_TOKEN` took as simple (group 10).

    Python's bytes-literal escapes read ``\\ddd`` (up to 0o377), ``\\n \\r \\t \\b \\f \\\\``
    as pyHanko does; ``\\(`` and ``\\)`` become ``\\050`` and ``\\051`` first (in such a body a
    backslash before a parenthesis always starts an escape: ``\\\\(`` would be a bare ``(``).
    """
    if b"\\" not in body:
        return body
    if b"\\(" in body or b"\\)" in body:
        body = body.replace(b"\\(", b"\\050").replace(b"\\)", b"\\051")
    return _escape_decode(body)[0]


def _hex(data: bytes, start: int):
    """(string object, end) of the hex string at ``data[start]`` (``<``), as pdf_speedups'
    reader: hex digits and white space up to the first ``>``, else pyHanko."""
    end = data.find(b">", start)
    if end < 0:
        raise _Incomplete
    digits = data[start + 1:end].translate(None, PDF_WHITESPACE)
    if digits.translate(None, _HEX_DIGITS):  # a comment, a stray byte
        raise _Fallback
    if len(digits) % 2:
        digits += b"0"
    return _pdf_string(binascii.unhexlify(digits)), end + 1


def _string(data: bytes, start: int):
    """(string object, end) of a literal string at ``data[start]`` (``(``) with nested
    parentheses or other escapes: pdf_speedups' reader of pyHanko's rules."""
    try:
        found = _literal(data, start)
    except IndexError:  # an escape cut by the end of the block
        raise _Incomplete from None
    if found is None:
        raise _Incomplete
    return _pdf_string(found[0]), found[1]


#: PDFDocEncoding as a charmap: pyHanko's table, its undefined codes (U+0000) as U+FFFE.
_PDF_DOC = "".join("\ufffe" if c == "\u0000" else c for c in generic._pdfDocEncoding)
_BOMS = (codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF8)
_charmap_decode = codecs.charmap_decode
_TextStringObject, _ByteStringObject = generic.TextStringObject, generic.ByteStringObject
_PDF_DOC_ENCODING = generic.TextStringEncoding.PDF_DOC


def _pdf_string(raw: bytes):
    """pyHanko's ``pdf_string`` of bytes: PDFDocEncoding decoded by a charmap instead of a
    generator per byte (same text, same failure); strings with a byte-order mark go to it."""
    if raw.startswith(_BOMS):
        return generic.pdf_string(raw)
    try:
        text = _charmap_decode(raw, "strict", _PDF_DOC)[0]
    except UnicodeDecodeError:
        return _ByteStringObject(raw)
    value = _TextStringObject(text)
    value.autodetected_encoding = _PDF_DOC_ENCODING
    return value


_stock_header = reader_module.read_object_header
#: ``12 0 obj`` as pyHanko's header reader reads it without a warning: digits, one white-space
#: byte, digits, one white-space byte, ``obj``, white space, then the object's first byte.
_HEADER = re.compile(rb"([0-9]+)[" + re.escape(PDF_WHITESPACE) + rb"]([0-9]+)[" + re.escape(PDF_WHITESPACE)
                     + rb"]obj[" + re.escape(PDF_WHITESPACE) + rb"]*+[^%" + re.escape(PDF_WHITESPACE) + rb"]")


def read_object_header(stream, strict):
    """pyHanko's ``read_object_header`` (``12 0 obj`` before an object), same numbers and stream
    position, for the usual header; anything else (white space or a comment before or inside
    it, where pyHanko may warn; a comment after it; the end of the stream) goes to pyHanko's."""
    start = stream.tell()
    header = _HEADER.match(stream.read(64))
    if header is None:
        stream.seek(start)
        return _stock_header(stream, strict)
    stream.seek(start + header.end() - 1)
    return int(header[1]), int(header[2])


def install() -> None:
    """Put :func:`read_object` and :func:`read_object_header` in place of pyHanko's (idempotent)."""
    generic.read_object = read_object
    reader_module.read_object_header = read_object_header


def uninstall() -> None:
    """pyHanko's own parser again (the equivalence tests compare both)."""
    generic.read_object = _stock
    reader_module.read_object_header = _stock_header
