"""verifier.open_speedups opens a file as pyHanko does: the same reader state (every section's
entries, dictionaries in the same order, metadata, every trailer revision with its objects,
classes and ``container_ref``), or the same exception with the same message.

Compared on the files the verifier sees (a B-LT transcript, the demo transcripts unsigned and
signed, a diploma, a file changed after signing) and on random cross-reference tables, well formed
or not: odd white space and ends of line, wrong counts, several subsections, free entries,
generation numbers up to 99999, comments, garbage, files cut short. The reference is pyHanko's
own reader with pyHanko's own token readers (test_pdf_objects.pyhanko_parser).
"""

from __future__ import annotations

import decimal
import enum
import io
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic, xref
from pyhanko.pdf_utils.reader import PdfFileReader
from test_pdf_objects import pyhanko_parser

from verifier import open_speedups


@contextmanager
def pyhanko_reader():
    """pyHanko's table reader, object parser and token readers, as pyHanko ships them."""
    open_speedups.uninstall()
    try:
        with pyhanko_parser():
            yield
    finally:
        open_speedups.install()


def describe(obj, reader, seen: dict):
    """Everything in ``obj``'s state, recursively; the reader itself and its stream by a token,
    objects met twice by their first position (identity)."""
    if obj is reader:
        return "READER"
    if obj is None or isinstance(obj, (bool, enum.Enum)):
        return obj
    if isinstance(obj, io.BytesIO):
        return "STREAM", obj.tell()
    key = id(obj)
    if key in seen:
        return "SEEN", seen[key]
    seen[key] = len(seen)
    kind = type(obj)
    if isinstance(obj, decimal.Decimal):
        body = str(obj)
    elif isinstance(obj, (str, bytes, int, float)):
        body = (obj,)
    elif isinstance(obj, dict):
        body = [(describe(k, reader, seen), describe(v, reader, seen)) for k, v in dict.items(obj)]
    elif isinstance(obj, (list, tuple)):
        body = [describe(v, reader, seen) for v in obj]
    elif isinstance(obj, (set, frozenset)):
        body = sorted(repr(describe(v, reader, {})) for v in obj)
    else:
        body = None
    attrs = sorted((name, describe(value, reader, seen)) for name, value in vars(obj).items()) \
        if hasattr(obj, "__dict__") else ()
    return kind, body, attrs


def outcome(data: bytes, strict: bool = True):
    """The reader's whole state after opening ``data``, or (exception class, message)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=strict)
    except Exception as e:  # noqa: BLE001 - the error is part of what must be equal
        return type(e), str(e)
    state = {name: value for name, value in vars(reader).items() if name != "_decode_context"}
    return describe(state, reader, {})


def assert_same(data: bytes, strict: bool = True):
    assert xref.XRefBuilder._read_xref_table is open_speedups.read_xref_table
    ours = outcome(data, strict)
    with pyhanko_reader():
        theirs = outcome(data, strict)
    assert ours == theirs, data[-600:]
    return ours


def assert_fast_and_same(data: bytes) -> None:
    """Same state, and no section went to pyHanko's table reader."""
    calls = []
    stock = open_speedups._stock_read_xref_table
    open_speedups._stock_read_xref_table = lambda self, startxref: calls.append(startxref) or stock(self, startxref)
    try:
        ours = outcome(data)
    finally:
        open_speedups._stock_read_xref_table = stock
    assert not calls
    assert ours[0] is dict  # opened, not an exception
    assert assert_same(data) == ours


# -- real files ---------------------------------------------------------------------------------

def test_a_b_lt_transcript_opens_the_same(signed_transcript):
    assert_fast_and_same(signed_transcript.pdf)
    assert PdfFileReader(io.BytesIO(signed_transcript.pdf)).xrefs.total_revisions >= 4


def test_the_demo_transcripts_and_a_diploma_open_the_same(
        transcripts, demo_cohort, dev_keys, dev_timestamper, dev_ltv, verify_url_for, signed_diploma):
    from signer.render import render_transcript
    from signer.sign import sign_transcript

    for transcript in transcripts[1:]:
        credential = transcript.to_credential(demo_cohort["issued_on"])
        unsigned = render_transcript(transcript, credential, verify_url_for(credential))
        assert_same(unsigned)
        assert_fast_and_same(sign_transcript(unsigned, *dev_keys, dev_timestamper, dev_ltv))
    assert_same(signed_diploma)


def test_a_file_changed_after_signing_and_cut_short_opens_the_same(signed_transcript):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed_transcript.pdf))
    page = writer.root["/Pages"]["/Kids"][0]
    page[generic.pdf_name("/Odd")] = generic.TextStringObject("Học bạ (sửa)")
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    assert_fast_and_same(out.getvalue())
    pdf = signed_transcript.pdf
    start = pdf.rfind(b"xref")
    for cut in range(start, len(pdf), 7):  # the last table and trailer cut anywhere
        assert_same(pdf[:cut] + pdf[pdf.rfind(b"startxref"):])


# -- random and malformed tables ----------------------------------------------------------------

_OBJECT = b"<< /Type /Catalog /Pages 2 0 R >>"
_EOL = st.sampled_from([b" \n", b" \r", b"\r\n", b"\n", b"\r", b"  \n", b" \r\n", b"\n\n", b""])
_WS = st.sampled_from([b" ", b"\n", b"\r\n", b"  ", b"\t", b"\x00", b"\f", b"", b"%c\n", b" \n "])


@st.composite
def pdf_with_table(draw):
    """A small file whose last section is a random table, perhaps malformed, and its trailer."""
    objects = [b"%PDF-1.7\n"]
    offsets = {}
    for idnum in (1, 2, 3):
        offsets[idnum] = sum(map(len, objects))
        body = _OBJECT if idnum == 1 else b"<< /Type /Pages /Kids [] /Count 0 >>" if idnum == 2 else b"(x)"
        objects.append(b"%d 0 obj\n%s\nendobj\n" % (idnum, body))
    start = sum(map(len, objects))
    table = [b"xref", draw(st.sampled_from([b"\n", b"\r\n", b" \n", b"\r"]))]
    first = 0
    for _ in range(draw(st.integers(1, 3))):
        first = draw(st.sampled_from([first, 0, 1, 2, 3, 7, 70000]))
        count = draw(st.integers(0, 4))
        declared = draw(st.sampled_from([count, count, count, count + 1, max(count - 1, 0), 10]))
        table.append(b"%d%s%d%s" % (first, draw(_WS) or b" ", declared, draw(_WS)))
        for i in range(count):
            idnum = first + i
            free = draw(st.booleans()) if idnum else True
            generation = draw(st.sampled_from([0, 0, 1, 65535, 65536, 99999]))
            offset = 0 if free else offsets.get(idnum, draw(st.integers(0, 10**10 - 1)))
            form = draw(st.sampled_from(["%010d %05d %s", "%010d %05d %s", "%d %d %s", "%10d %5d %s", "%010d %05d%s"]))
            marker = b"f" if free else draw(st.sampled_from([b"n", b"n", b"n", b"x", b"N"]))
            table.append((form % (offset, generation, marker.decode())).encode() + draw(_EOL))
        first += count
    table.append(draw(st.sampled_from([b"trailer", b"trailer", b"trailer", b"trailr", b"%c\ntrailer"])))
    table.append(draw(_WS))
    size = draw(st.sampled_from([b"4", b"4", b"3", b"1", b"2 0 R", b"(x)", b"4.5"]))
    extra = draw(st.sampled_from([b"", b"", b"/Info 3 0 R ", b"/ID [<0a0b> <0c>] ", b"/XRefStm 5 ", b"/Prev (x) ",
                                  b"/Size 4 ", b"/Root 1 0 R ", b"% c\n"]))
    table.append(b"<< /Root 1 0 R " + extra + b"/Size " + size + b" >>")
    table.append(draw(st.sampled_from([b"\nstartxref\n", b"\nstream\nstartxref\n", b" startxref\n"])))
    data = b"".join(objects + table) + b"%d\n%%%%EOF\n" % start
    cut = draw(st.sampled_from([None, None, None, "cut", "garbage"]))
    if cut == "cut":
        at = draw(st.integers(start, len(data)))
        data = data[:at] + data[data.rfind(b"startxref"):]
    elif cut == "garbage":
        at = draw(st.integers(start, len(data) - 30))
        data = data[:at] + draw(st.sampled_from([b"x", b"%", b"\n", b" ", b"0", b"<<", b"\x00"])) + data[at:]
    return data


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pdf_with_table(), st.booleans())
def test_random_tables_open_as_pyhanko_opens_them(data, strict):
    assert_same(data, strict)


def test_chosen_tables_open_as_pyhanko_opens_them():
    head = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    start = len(head)
    good = b"0000000009 00000 n"
    for table in [
        b"xref\n0 2\n0000000000 65535 f \n" + good + b" \n",      # the usual
        b"xref\n0 2\n0000000000 65535 f\r\n" + good + b"\r\n",    # CRLF
        b"xref\n0 2\n0000000000 65535 f\n" + good + b"\n",        # one-byte ends of line
        b"xref\n0 2\n0000000000 65535 f \r\n" + good + b" \r\n",  # 21-byte lines
        b"xref\n0 1\n0000000000 65535 f \n1 1\n" + good + b" \n",  # two subsections
        b"xref\n0 3\n0000000000 65535 f \n" + good + b" \n",      # a count too high
        b"xref\n0 2\n0000000000 65535 f \n0000000009 99999 n \n",  # a generation above 65535
        b"xref\n0 2\n0000000000 65535 f \n0000000009 00000 x \n",  # an unknown marker
        b"xref\n%c\n0 2\n0000000000 65535 f \n" + good + b" \n",   # a comment
        b"xref\n0 2\n0000000000 65535 f \n" + good + b" \n0 0\n",  # an empty subsection
    ]:
        for trailer in [b"trailer\n<< /Root 1 0 R /Size 2 >>", b"trailer << /Root 1 0 R /Size 1 >>",
                        b"trailer\n<< /Root 1 0 R /Size 2 /Root 1 0 R >>", b"trailer\n[ /Size 2 ]"]:
            for strict in (True, False):
                assert_same(head + table + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % start, strict)


def test_the_verifier_installs_the_fast_table_reader():
    import verifier.pdf  # noqa: F401 - installs it

    assert xref.XRefBuilder._read_xref_table is open_speedups.read_xref_table


# -- the DSS's CRLs and certificates, parsed once per process -----------------------------------

def _dss_ders(pdf: bytes, key: str) -> list[bytes]:
    reader = PdfFileReader(io.BytesIO(pdf))
    return [ref.get_object().data for ref in reader.root["/DSS"][key]]


def test_a_crl_is_parsed_once_per_process_and_reads_as_a_fresh_one(signed_transcript):
    from asn1crypto.crl import CertificateList

    ders = _dss_ders(signed_transcript.pdf, "/CRLs")
    assert ders
    open_speedups.clear()
    for der in ders:
        shared = open_speedups.shared_crl(der)
        assert isinstance(shared, CertificateList) and shared.dump() == der
        assert open_speedups.shared_crl(bytes(der)) is shared  # same bytes, another document
        fresh = CertificateList.load(der)
        assert shared.native == fresh.native and shared.issuer.hashable == fresh.issuer.hashable
    assert open_speedups.shared_crl(ders[0][:-1]) == ders[0][:-1]  # does not parse: pyHanko gets the bytes
    assert open_speedups.shared_crl(ders[0] + b"\x00") == ders[0] + b"\x00"  # not its own encoding
    open_speedups.uninstall()
    try:
        assert open_speedups.shared_crl(ders[0]) is ders[0]
    finally:
        open_speedups.install()


def test_the_dss_reads_the_same_certificates_shared_between_documents(signed_transcript):
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    def dss_state(pdf):
        store = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf)))
        return ([(key, ref.idnum) for key, ref in store.certs.items()], [r.idnum for r in store.crls],
                [c.dump() for c in store.load_certs()])

    ours = dss_state(signed_transcript.pdf)
    with pyhanko_reader():
        assert dss_state(signed_transcript.pdf) == ours
    first = list(DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(signed_transcript.pdf))).load_certs())
    again = list(DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(signed_transcript.pdf))).load_certs())
    assert first and all(a is b for a, b in zip(first, again))


def test_reports_are_the_same_with_shared_crls(signed_transcript, dev_pki, monkeypatch):
    from verifier import pdf_speedups
    from verifier.pdf import read_pdf

    monkeypatch.setattr(pdf_speedups.path_cache, "lookup", lambda *args: None)  # every path validated with the CRLs
    open_speedups.clear()
    ours = read_pdf(signed_transcript.pdf, dev_pki.trust_roots())
    again = read_pdf(signed_transcript.pdf, dev_pki.trust_roots())  # the shared CRLs now
    with pyhanko_reader():
        theirs = read_pdf(signed_transcript.pdf, dev_pki.trust_roots())
    assert ours == again == theirs
    assert [r.ok for r in ours[1]] == [True, True]
    assert {r.certificate_revocation for r in ours[1]} == {"checked"}


def test_a_table_longer_than_the_first_block_opens_the_same():
    parts, offsets = [b"%PDF-1.7\n"], []
    for idnum in range(1, 400):
        offsets.append(sum(map(len, parts)))
        parts.append(b"%d 0 obj\n%s\nendobj\n" % (idnum, b"<< /Type /Catalog >>" if idnum == 1 else b"(x)"))
    start = sum(map(len, parts))
    entries = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    data = b"".join(parts) + b"xref\n0 400\n0000000000 65535 f \n" + entries \
        + b"trailer\n<< /Root 1 0 R /Size 400 >>\nstartxref\n%d\n%%%%EOF\n" % start
    assert len(entries) > open_speedups._BLOCK
    assert_fast_and_same(data)
    for cut in (open_speedups._BLOCK - 30, open_speedups._BLOCK + 5):  # the block ends in the table, the trailer
        assert_same(data[:start + cut] + data[data.rfind(b"startxref"):])
    # a table whose first block ends inside the trailer: pyHanko's dictionary reader reads it
    table = b"xref\n0 203\n0000000000 65535 f \n" + entries[:20 * 202]
    trailer = b"trailer\n<< /Root 1 0 R /Size 400 >>\n"
    assert len(table) < open_speedups._BLOCK < len(table) + len(trailer)
    assert_same(b"".join(parts) + table + trailer + b"startxref\n%d\n%%%%EOF\n" % start)
