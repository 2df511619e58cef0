"""verifier.pdf_objects reads every object as pyHanko's parser does: the same objects (classes,
values, nesting, order, ``container_ref``, the handler of each reference, the attributes pyHanko
sets), the stream left at the same byte, or the same exception with the same message.

Compared on random object syntax (nested dictionaries and arrays, references, numbers in their
odd forms, names with ``#`` escapes, strings with every escape, white space and comments, streams,
then cut short or with garbage spliced in) and on every object of every revision of real files: a
B-LT transcript, the other demo transcripts, a diploma, a reportlab file and files changed after
signing. The reference answer is pyHanko's parser with pyHanko's own token readers (not
pdf_speedups').
"""

from __future__ import annotations

import decimal
import io
import logging
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils import reader as reader_module
from pyhanko.pdf_utils.reader import PdfFileReader

from verifier import pdf_objects, pdf_speedups
from verifier.pdf import read_pdf

# pyHanko's own token readers, in place of pdf_speedups' (installed by verifier.pdf)
_PYHANKO_READERS = {
    "read_hex_string_from_stream": pdf_speedups.read_hex_string.__kwdefaults__["_fallback"],
    "read_until_delimiter": misc.read_until_delimiter,
    "_decode_name": pdf_speedups.decode_name.__kwdefaults__["_fallback"],
    "_read_string_literal_bytes": pdf_speedups.read_string_literal_bytes.__kwdefaults__["_fallback"],
}
_PYHANKO_ARRAY_READER = pdf_speedups.read_number_array.__kwdefaults__["_fallback"]


@contextmanager
def pyhanko_parser():
    """pyHanko's ``read_object`` and token readers, exactly as pyHanko ships them."""
    saved = {name: getattr(generic, name) for name in _PYHANKO_READERS}
    saved_array = generic.ArrayObject.__dict__["read_from_stream"]
    pdf_objects.uninstall()
    for name, function in _PYHANKO_READERS.items():
        setattr(generic, name, function)
    generic.ArrayObject.read_from_stream = staticmethod(_PYHANKO_ARRAY_READER)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(generic, name, function)
        generic.ArrayObject.read_from_stream = saved_array
        pdf_objects.install()


def describe(obj, seen_refs: dict) -> tuple:
    """Everything about a parsed object that pyHanko's API shows: class, value, nesting, order,
    instance attributes (``container_ref`` by identity, through ``seen_refs``)."""
    attrs = []
    for name, value in vars(obj).items() if hasattr(obj, "__dict__") else ():
        if name in ("container_ref", "_handler"):  # which object (the caller keeps them alive), and its value
            attrs.append((name, None if value is None else (seen_refs.setdefault(id(value), len(seen_refs)), repr(value))))
        elif name == "reference":
            attrs.append((name, value.idnum, value.generation, seen_refs.setdefault(id(value.pdf), len(seen_refs))))
        else:
            attrs.append((name, value))
    kind = type(obj)
    if isinstance(obj, dict):
        body = [(describe(k, seen_refs), describe(v, seen_refs)) for k, v in dict.items(obj)]
    elif isinstance(obj, list):
        body = [describe(v, seen_refs) for v in list.__iter__(obj)]
    elif isinstance(obj, decimal.Decimal):
        body = str(obj)  # 1.0 and 1.00, -0 and 0 are equal numbers but other objects
    elif isinstance(obj, (str, bytes, int)):
        body = (obj,)
    elif isinstance(obj, generic.BooleanObject):
        body = obj.value
    else:
        body = None
    return kind, body, attrs


class _Handler:
    """What the parser asks of a reader: strictness, and objects for an indirect /Length."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict

    def get_object(self, ref, *args, **kwargs):
        if ref.idnum == 99:
            raise misc.PdfReadError("no object 99")
        return generic.NumberObject(ref.idnum % 7)


_HANDLERS = {True: _Handler(True), False: _Handler(False)}
_REFS = {strict: generic.Reference(5, 0, handler) for strict, handler in _HANDLERS.items()}


def outcome(data: bytes, *, strict: bool = True, as_metadata_stream: bool = False) -> tuple:
    """(description, position after) or (exception class, message) of generic.read_object."""
    stream = io.BytesIO(data)
    refs: dict = {}
    try:
        value = generic.read_object(stream, _REFS[strict], as_metadata_stream=as_metadata_stream)
    except Exception as e:  # noqa: BLE001 - the error is part of what must be equal
        return type(e), str(e)
    return describe(value, refs), stream.tell()


def assert_same(data: bytes, **kwargs) -> tuple:
    assert generic.read_object is pdf_objects.read_object
    ours = outcome(data, **kwargs)
    with pyhanko_parser():
        theirs = outcome(data, **kwargs)
    assert ours == theirs, data
    return ours


# -- random object syntax ---------------------------------------------------------------------

_ws = st.sampled_from([b" ", b"", b"\n", b"\r\n", b"\t", b"\x00", b"\f", b"  ", b"\v", b"% c\n", b"%\r"])
_number = st.one_of(
    st.integers(-10**6, 10**6).map(lambda i: str(i).encode()),
    st.sampled_from([b"+.5", b"-0", b"1.", b"-.0", b"+0", b"007", b"0.000", b".", b"+", b"-", b"1,5", b"1.2.3",
                     b"--1", b"1e5", b"+-2", b"12345678901234567890", b"3.14159", b"-12.5"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(lambda d: str(d).encode()))
_name_char = st.sampled_from([b"A", b"z", b"0", b"_", b"-", b".", b"+", b"#20", b"#2F", b"#41", b"#", b"#4",
                              b"#G0", b"\xc3\xa9", b"\x80", b"~", b"!", b";", b"'", b"*"])
_name = st.lists(_name_char, max_size=6).map(lambda parts: b"/" + b"".join(parts))
_string_char = st.sampled_from([b"a", b" ", b"(", b")", b"\\(", b"\\)", b"\\\\", b"\\n", b"\\r", b"\\t", b"\\b",
                                b"\\f", b"\\101", b"\\0", b"\\12", b"\\1234", b"\\377", b"\\400", b"\\8", b"\\18",
                                b"\\\n", b"\\\r\n", b"\\\r", b"\\/", b"\\#", b"\\q", b"\xfe\xff", b"\xff\xfe",
                                b"\xef\xbb\xbf", b"\x00", b"\n", b"\x9f", b"\xe9", b"\\376\\377", b"\\000A"])
_literal = st.lists(_string_char, max_size=8).map(lambda parts: b"(" + b"".join(parts) + b")")
_hex = st.lists(st.sampled_from([b"4", b"1", b"a", b"F", b" ", b"\n", b"FE", b"FF", b"00", b"g", b"%c\n", b"<"]),
                max_size=10).map(lambda parts: b"<" + b"".join(parts) + b">")
_reference = st.tuples(st.integers(0, 10**6), st.integers(0, 70000),
                       st.sampled_from([b" ", b"  ", b"\n", b"\r\n", b"\t", b"\x00", b"\v", b"          "]),
                       st.sampled_from([b"", b" ", b"/", b"]", b">>", b"x", b"1", b"\n"])).map(
    lambda t: b"%d%s%d%sR%s" % (t[0], t[2], t[1], t[2], t[3]))
_keyword = st.sampled_from([b"true", b"false", b"null", b"truex", b"nul", b"R", b"stream", b"True", b"endobj"])
_leaf = st.one_of(_number, _name, _literal, _hex, _reference, _keyword)


def _container(children):
    array = st.tuples(st.lists(st.tuples(_ws, children), max_size=5), _ws).map(
        lambda t: b"[" + b"".join(w + v for w, v in t[0]) + t[1] + b"]")
    entries = st.tuples(st.lists(st.tuples(_ws, _name, _ws, children), max_size=5), _ws).map(
        lambda t: b"<<" + b"".join(w1 + k + w2 + v for w1, k, w2, v in t[0]) + t[1] + b">>")
    return st.one_of(array, entries, entries.map(lambda d: d[:-2] + b" >")) | st.sampled_from(
        [b"[1 2 3]", b"[0 0 595.2756 841.8898]", b"[ ]", b"[1 -2 +.5 7.]", b"[1 0 R]", b"<< >>", b"<<>>"])


_object = st.recursive(_leaf, _container, max_leaves=25)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_object, st.sampled_from([b"", b" ", b"\nendobj", b"endobj", b"/Next", b"]", b"1", b"stream"]),
       st.booleans())
def test_random_objects_are_read_as_pyhanko_reads_them(obj, after, strict):
    assert_same(obj + after, strict=strict)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_literal, _hex, _name, _number, _reference, _keyword), st.sampled_from([b" ", b"]", b"/B 1", b">>"]))
def test_each_kind_of_token_is_read_as_pyhanko_reads_it(token, after):
    assert_same(token + b" ")
    assert_same(b"<< /A " + token + after + b" >>")
    assert_same(b"[" + token + after + b"]")


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_object, st.integers(0, 200), st.binary(max_size=4), st.booleans())
def test_objects_cut_short_or_spliced_with_garbage_are_read_as_pyhanko_reads_them(obj, at, garbage, cut):
    at = min(at, len(obj))
    data = obj[:at] if cut else obj[:at] + garbage + obj[at:]
    assert_same(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([b"/Length 5", b"/Length 9 0 R", b"/Length 99 0 R", b"/Length 3", b"/Length 8", b"",
                        b"/Length /X"]),
       st.sampled_from([b"stream\n", b"stream\r\n", b"stream \n", b" stream\n", b"\nstream\r", b"%c\nstream\n",
                        b"streamx", b"\n"]),
       st.sampled_from([b"hello", b"hello\nendstream", b"hello world\nendstream", b"hel\nendstream", b""]),
       st.booleans())
def test_streams_are_read_as_pyhanko_reads_them(length, keyword, payload, as_metadata):
    assert_same(b"<< /Type /X " + length + b" >>" + keyword + payload, as_metadata_stream=as_metadata)


@pytest.mark.parametrize("data", [
    b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595.2756 841.8898] /Resources << /Font << /F1 6 0 R >> >> >>",
    rb"<< /Author (\376\377\000T\000r\001\260) /Producer (ReportLab \(opensource\)) /Keywords () >>",
    b"<< /Widths [ 600.0977 612.793 500 -0 +.5 1. ] /W [1 [2 3]] >>",
    b"<< /Contents <3082 16 03\n0609> /Odd <ABC> /Empty <> >>",
    b"<< /A#20B /C#2fD /E true /F false /G null /H (nested (paren) \\) ok) >>",
    b"<< /A 1 /A 2 >>",  # a repeated key: pyHanko's error in strict mode
    b"[1 0 R 2 0 R]", b"12 0 R ", b"12 0 Rx", b"0 0 R ", b"1         0 R ", b"-5 ", b"/Name ", b"(abc)x", b"<41>x",
    b"<< /A 1 %comment\n/B 2 >>", b" << >>", b"", b"<<", b"[", b"(", b"<", b"<< /A", b"{}", b"<< /A 1 >x",
])
def test_chosen_objects_are_read_as_pyhanko_reads_them(data):
    assert_same(data, strict=True)
    assert_same(data, strict=False)


def test_the_common_objects_take_the_fast_path(monkeypatch):
    fallbacks = []
    monkeypatch.setattr(pdf_objects, "_read_by_pyhanko", lambda *a: fallbacks.append(a) or pytest.fail("fallback"))
    for data in [b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595.2756 841.8898] /Rotate 0 >>",
                 rb"<< /Title (\376\377\000H\036\315) /Producer (a \(b\)) /Trapped /False >>",
                 b"<< /Contents <" + b"0A" * 20000 + b"> /ByteRange [0 10 20 30] >>"]:
        value, _ = outcome(data)
        assert value[0] is generic.DictionaryObject
    assert not fallbacks


def test_nesting_past_the_limit_goes_to_pyhanko():
    deep = b"[" * (pdf_objects.MAX_DEPTH + 5) + b"1" + b"]" * (pdf_objects.MAX_DEPTH + 5)
    assert assert_same(deep)[1] == len(deep)


def test_content_streams_are_left_to_pyhanko(monkeypatch):
    parsed = []
    monkeypatch.setattr(pdf_objects, "_parse", lambda *a: parsed.append(a) or pytest.fail("fast path"))
    stream = io.BytesIO(b"<< /A 1 >>")
    value = generic.read_object(stream, _REFS[True], in_content_stream=generic.ContentOpReading.GRAPHIC_OPS)
    assert value == {"/A": 1} and not parsed


_header_part = st.sampled_from([b"12", b"0", b"007", b"+1", b"1_0", b"-3", b"x", b" ", b"\n", b"\r\n", b"\x00", b"  ",
                                b"%c\n", b"obj", b"obx", b"ob", b"<<", b"/A", b"%x", b"\t", b"R"])


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname} {record.getMessage()}")


def header_outcome(data: bytes, strict: bool) -> tuple:
    """(numbers, position after) or (exception class, message) of the object header reader,
    with what it logged (pyHanko warns about superfluous white space in strict mode)."""
    records, logger = _Records(), logging.getLogger("pyhanko.pdf_utils.xref")
    logger.addHandler(records)
    stream = io.BytesIO(data)
    try:
        value = reader_module.read_object_header(stream, strict=strict)
    except Exception as e:  # noqa: BLE001 - the error is part of what must be equal
        return type(e), str(e), records.messages
    finally:
        logger.removeHandler(records)
    return value, stream.tell(), records.messages


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_header_part, max_size=8).map(b"".join), st.booleans())
def test_object_headers_are_read_as_pyhanko_reads_them(data, strict):
    for data in (data, b"12 0 obj" + data, b"3 0 obj " + data, b"3  0 obj" + data):
        ours = header_outcome(data, strict)
        with pyhanko_parser():
            theirs = header_outcome(data, strict)
        assert ours == theirs, data


# -- every object of every revision of real files ---------------------------------------------

def every_object(pdf: bytes) -> list:
    """Every object version the file holds (every revision's xref entries), as read by
    ``PdfFileReader._read_object``, with the stream position after it."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=True)
    refs: dict = {}
    found, alive = [], []  # alive: no id() of a described object is reused by a later one
    for revision in range(reader.xrefs.total_revisions):
        for ref in sorted(reader.xrefs.explicit_refs_in_revision(revision), key=lambda r: (r.idnum, r.generation)):
            marker = reader.xrefs.get_historical_ref(ref, revision)
            try:
                value = reader._read_object(ref, marker)
                alive.append(value)
                found.append((revision, ref, describe(value, refs), reader.stream.tell()))
            except Exception as e:  # noqa: BLE001 - the same error is part of the same answer
                found.append((revision, ref, type(e), str(e)))
    return found


def assert_every_object_the_same(pdf: bytes) -> int:
    ours = every_object(pdf)
    with pyhanko_parser():
        theirs = every_object(pdf)
    assert ours == theirs
    return len(ours)


def test_every_object_of_a_b_lt_transcript_is_the_same(signed_transcript, dev_pki):
    assert assert_every_object_the_same(signed_transcript.pdf) > 40
    ours = read_pdf(signed_transcript.pdf, dev_pki.trust_roots())
    with pyhanko_parser():
        assert read_pdf(signed_transcript.pdf, dev_pki.trust_roots()) == ours
    assert [r.ok for r in ours[1]] == [True, True]


def test_every_object_of_the_demo_transcripts_and_a_diploma_is_the_same(
        transcripts, demo_cohort, dev_keys, dev_timestamper, dev_ltv, verify_url_for, signed_diploma):
    from signer.render import render_transcript
    from signer.sign import sign_transcript

    for transcript in transcripts[1:]:
        credential = transcript.to_credential(demo_cohort["issued_on"])
        unsigned = render_transcript(transcript, credential, verify_url_for(credential))
        assert assert_every_object_the_same(unsigned) > 10
        assert assert_every_object_the_same(sign_transcript(unsigned, *dev_keys, dev_timestamper, dev_ltv)) > 40
    assert assert_every_object_the_same(signed_diploma) > 20


def test_every_object_of_files_changed_after_signing_is_the_same(signed_transcript):
    from pyhanko.pdf_utils.generic import pdf_name
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed_transcript.pdf))
    page = writer.root["/Pages"]["/Kids"][0]
    page[pdf_name("/Odd")] = generic.DictionaryObject({
        pdf_name("/Text"): generic.TextStringObject("Học bạ — điểm (sửa) \\ 10"),
        pdf_name("/Bytes"): generic.ByteStringObject(bytes(range(256))),
        pdf_name("/Name with space#"): generic.FloatObject("-0.000"),
        pdf_name("/Nested"): generic.ArrayObject([generic.ArrayObject([generic.NullObject(), generic.BooleanObject(False)])]),
    })
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    assert assert_every_object_the_same(out.getvalue()) > 40


def test_the_verifier_installs_the_fast_parser():
    assert generic.read_object is pdf_objects.read_object
    assert reader_module.read_object_header is pdf_objects.read_object_header
