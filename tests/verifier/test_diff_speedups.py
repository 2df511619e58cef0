"""verifier.diff_speedups gives pyHanko's answers: the same reports, difference analyses and values.

For real transcripts and a diploma, files changed after signing the way a forger would (a field
painted over the page, a page's content replaced, a field's value swapped, the catalog redefined
with a cycle and an orphan, a DSS update that also changes the page, objects freed, nesting
deeper than the fast paths take), an encrypted file and random object graphs in incremental
updates, each compared with pyHanko's own code (``diff_speedups.uninstall()``):

- the verification report (``read_pdf``);
- every difference analysis pyHanko's policy makes between a revision and each later one
  (``DiffResult`` or the ``SuspiciousModification``, with its message), and then every revision's
  view: which objects were read, in which order, and their copies (classes, keys in order,
  values, the ``container_ref`` and handler of every copied container);
- the cross-reference look-ups for every object number of the file (and numbers and
  generations it does not have), in every revision;
- the orphans of every revision and the references each revision's objects reach.
"""

from __future__ import annotations

import io
import random
from contextlib import contextmanager

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.pdf_utils.xref import XRefCache
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, policies
from test_pdf import append_overlay_field
from test_reverse_paths import HOSTILE, deeply_nested, random_graph_updates, three_pages  # noqa: F401 - fixture

from verifier import diff_speedups
from verifier.pdf import read_pdf


@contextmanager
def stock():
    """pyHanko's own code inside the block; ours again afterwards."""
    diff_speedups.uninstall()
    try:
        yield
    finally:
        diff_speedups.install()


def _label(handler) -> object:
    """A handler as something comparable across two readers of the same bytes."""
    if isinstance(handler, HistoricalResolver):
        return ("view", handler.revision)
    return None if handler is None else type(handler).__name__


def _ref(ref) -> object:
    if ref is None:
        return None
    return (type(ref).__name__, getattr(ref, "idnum", None), getattr(ref, "generation", None),
            _label(getattr(ref, "pdf", getattr(ref, "reader", None))))


def shape(obj) -> object:
    """Everything a copy is made of: classes, keys in order, values, container_ref, handlers."""
    container = _ref(obj.container_ref)
    if isinstance(obj, generic.IndirectObject):
        return ("R", type(obj).__name__, _ref(obj.reference), container)
    if isinstance(obj, generic.DecryptedObjectProxy):
        return ("proxy", shape(obj.raw_object), container)
    if isinstance(obj, dict):
        extra = (obj._encoded_data, obj._data, type(obj._handler).__name__) if isinstance(obj, generic.StreamObject) else ()
        return (type(obj).__name__, container, [(type(k).__name__, k, shape(v)) for k, v in dict.items(obj)], extra)
    if isinstance(obj, list):
        return (type(obj).__name__, container, [shape(v) for v in obj])
    return (type(obj).__name__, obj, container)


def _outcome(call):
    """A call's answer, or its exception as (class, message): both are pyHanko's answer."""
    try:
        return ("ok", call())
    except Exception as e:  # noqa: BLE001 - the same error is part of the same answer
        return ("raised", type(e).__name__, str(e))


def _diff_result(result) -> object:
    return ("diff", result.modification_level, sorted(result.changed_form_fields))


def analyses(pdf: bytes) -> list:
    """Every difference analysis of every revision against each later one, then every view's
    objects in the order they were read, and every revision's orphans."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=True)
    total = reader.xrefs.total_revisions
    answers = []
    for base in range(total - 1):
        old = reader.get_historical_resolver(base)
        for revision in range(base + 1, total):
            new = reader.get_historical_resolver(revision)
            answers.append((base, revision, _outcome(lambda: _diff_result(DEFAULT_DIFF_POLICY.apply(old, new)))))
    for revision in range(1, total):
        answers.append(("orphans", revision,
                        _outcome(lambda: sorted(policies._find_orphans(reader.get_historical_resolver(revision)),
                                                key=lambda r: (r.idnum, r.generation)))))
    for revision in range(total):
        view = reader.get_historical_resolver(revision)
        answers.append(("view", revision, [(ref.idnum, ref.generation, shape(obj)) for ref, obj in view.cache.items()]))
    return answers


def reachable(pdf: bytes) -> list:
    """For each revision, the references its trailer and each object it wrote reach, read through
    a fresh view (``collect_dependencies``, with and without ``since_revision``)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=True)
    answers = []
    for revision in range(reader.xrefs.total_revisions):
        view = reader.get_historical_resolver(revision)
        objects = [view.trailer_view] + [_outcome(lambda: view(ref))[-1] for ref in sorted(
            view.explicit_refs_in_revision(), key=lambda r: (r.idnum, r.generation))]
        for since in (None, revision, max(revision - 1, 0)):
            for obj in objects:
                if isinstance(obj, generic.PdfObject):
                    answers.append((revision, since, _outcome(lambda: sorted(
                        view.collect_dependencies(obj, since_revision=since), key=lambda r: (r.idnum, r.generation)))))
        answers.append((revision, "read", [(ref.idnum, ref.generation, shape(o)) for ref, o in view.cache.items()]))
    return answers


def look_ups(pdf: bytes) -> list:
    """The three cross-reference look-ups for every object number the file mentions, its
    neighbours, other generations, in every revision (negative and past the last included)."""
    xrefs = PdfFileReader(io.BytesIO(pdf), strict=True).xrefs
    keys = set()
    for section in xrefs._xref_sections:
        data = section.xref_data
        for idnum, (generation, _) in data.standard_xrefs.items():
            keys |= {(idnum, generation), (idnum, generation + 1)}
        for idnum in data.xrefs_in_objstm:
            keys |= {(idnum, 0), (idnum, 1)}
        for idnum, next_generation in data.freed.items():
            keys |= {(idnum, next_generation - 1), (idnum, next_generation), (idnum, 0)}
    top = max(idnum for idnum, _ in keys)
    keys |= {(0, 0), (0, 65535), (top + 1, 0), (top + 7, 0)}
    total = xrefs.total_revisions
    answers = []
    for _ in range(2):  # asked twice: the remembered answer is the same
        for idnum, generation in sorted(keys):
            ref = generic.Reference(idnum, generation)
            answers.append((idnum, generation, _outcome(lambda: xrefs.get_last_change(ref)),
                            _outcome(lambda: xrefs.get_introducing_revision(ref)),
                            [xrefs.get_historical_ref(ref, revision) for revision in range(-total - 2, total + 2)]))
    return answers


def assert_same_answers(pdf: bytes, roots=None) -> list | None:
    """The same answers with pyHanko's code and with ours; returns the reports (with roots)."""
    assert XRefCache.get_last_change is diff_speedups.get_last_change
    ours = [look_ups(pdf), analyses(pdf), reachable(pdf)]
    with stock():
        theirs = [look_ups(pdf), analyses(pdf), reachable(pdf)]
    for mine, pyhankos in zip(ours, theirs):
        assert mine == pyhankos
    if roots is None:
        return None
    ours_read = read_pdf(pdf, roots)
    with stock():
        stock_read = read_pdf(pdf, roots)
    assert ours_read == stock_read  # the credential and every signature's report
    return ours_read[1]


def freed(pdf: bytes, idnum: int) -> bytes:
    """An incremental update whose cross-reference section frees object ``idnum``."""
    reader = PdfFileReader(io.BytesIO(pdf))
    trailer = reader.trailer
    prev = reader.last_startxref
    section = (b"xref\n0 1\n0000000000 65535 f \n" + f"{idnum} 1\n0000000000 00001 f \n".encode()
               + b"trailer\n<< /Size " + str(trailer["/Size"]).encode()
               + b" /Root " + f"{trailer.raw_get('/Root').idnum} 0 R".encode()
               + b" /Prev " + str(prev).encode() + b" >>\n")
    start = len(pdf)
    return pdf + section + b"startxref\n" + str(start).encode() + b"\n%%EOF\n"


def test_a_real_transcript_gets_the_same_answers(signed_transcript, dev_pki):
    reports = assert_same_answers(signed_transcript.pdf, dev_pki.trust_roots())
    assert [r.ok for r in reports] == [True, True]


def test_a_diploma_gets_the_same_answers(signed_diploma, dev_pki):
    assert [r.ok for r in assert_same_answers(signed_diploma, dev_pki.trust_roots())] == [True]


@pytest.mark.parametrize("change", sorted(HOSTILE))
def test_a_file_changed_after_signing_gets_the_same_answers_and_is_caught(change, signed_transcript, dev_pki):
    reports = assert_same_answers(HOSTILE[change](signed_transcript.pdf), dev_pki.trust_roots())
    assert not reports[-1].covers_document


def test_a_field_painted_with_a_font_after_the_last_signature_gets_the_same_answers(signed_transcript, dev_pki):
    teacher, principal = assert_same_answers(append_overlay_field(signed_transcript.pdf), dev_pki.trust_roots())
    assert not principal.covers_document and not teacher.covers_document


@pytest.mark.parametrize("which", ["credential", "page", "last"])
def test_an_object_freed_after_signing_gets_the_same_answers_and_is_caught(which, signed_transcript, dev_pki):
    reader = PdfFileReader(io.BytesIO(signed_transcript.pdf))
    idnum = {"credential": 2, "page": reader.root["/Pages"].raw_get("/Kids").raw_get(0).idnum,
             "last": reader.trailer["/Size"] - 1}[which]
    pdf = freed(signed_transcript.pdf, idnum)
    assert PdfFileReader(io.BytesIO(pdf)).xrefs.refs_freed_in_revision(reader.xrefs.total_revisions)
    reports = assert_same_answers(pdf, dev_pki.trust_roots())
    assert [r.covers_document for r in reports] == [False, False]


def test_nesting_deeper_than_the_fast_paths_take_gets_the_same_answers(signed_transcript, monkeypatch):
    pdf = deeply_nested(signed_transcript.pdf, diff_speedups.MAX_DEPTH + 20)
    used = []
    for name in ("_subsume_object", "_collect_indirect_references"):
        original = diff_speedups._stock[(HistoricalResolver, name)]
        monkeypatch.setitem(diff_speedups._stock, (HistoricalResolver, name),
                            lambda *a, _f=original, _n=name: used.append(_n) or _f(*a))
    analyses(pdf), reachable(pdf)
    assert {"_subsume_object", "_collect_indirect_references"} <= set(used)  # ours handed them to pyHanko's code
    monkeypatch.undo()
    assert_same_answers(pdf)


def test_an_encrypted_file_gets_the_same_answers():
    """Objects behind decryption proxies are copied by pyHanko's code (and objects in object
    streams, which are not encrypted one by one, by ours): the same copies."""
    writer = PdfFileWriter()
    writer.root[pdf_name("/Note")] = writer.add_object(generic.DictionaryObject(
        {pdf_name("/Text"): generic.pdf_string("Học bạ"), pdf_name("/N"): generic.NumberObject(7)}))
    writer.update_root()
    writer.encrypt("owner", "")
    out = io.BytesIO()
    writer.write(out)
    first = out.getvalue()
    reader = PdfFileReader(io.BytesIO(first))
    reader.decrypt("")
    update = IncrementalPdfFileWriter(io.BytesIO(first))
    update.encrypt("")
    note = update.root["/Note"]
    note[pdf_name("/N")] = generic.NumberObject(8)
    update.update_container(note)
    out = io.BytesIO()
    update.write(out)
    pdf = out.getvalue()

    def answers():
        result = []
        r = PdfFileReader(io.BytesIO(pdf))
        r.decrypt("")
        old, new = r.get_historical_resolver(0), r.get_historical_resolver(1)
        result.append(_outcome(lambda: _diff_result(DEFAULT_DIFF_POLICY.apply(old, new))))
        result.append(sorted((ref.idnum, ref.generation) for ref in policies._find_orphans(new)))
        for view in (old, new):
            result.append([(ref.idnum, ref.generation, shape(obj)) for ref, obj in view.cache.items()])
        return result

    ours = answers()
    with stock():
        theirs = answers()
    assert ours == theirs
    assert any(entry[2][0] == "proxy" for view in ours[2:] for entry in view)  # pyHanko's copy was exercised


@pytest.mark.parametrize("seed", range(40))
def test_random_object_graphs_get_the_same_answers(seed, three_pages):  # noqa: F811 - fixture
    pdf = random_graph_updates(three_pages, seed)
    if seed % 4 == 0:
        rnd = random.Random(seed)
        pdf = freed(pdf, rnd.randint(1, 8))
    assert_same_answers(pdf)


def test_a_broken_look_up_is_caught_by_these_comparisons(signed_transcript, monkeypatch):
    """The comparisons above notice a fast path that forgets freed entries."""
    pdf = freed(signed_transcript.pdf, 2)

    def forgetful(xrefs):
        mentions = [set(m) for m in original(xrefs)]
        mentions[-1].discard(2)
        return mentions

    original = diff_speedups._mentions
    monkeypatch.setattr(diff_speedups, "_mentions", forgetful)
    with pytest.raises(AssertionError):
        assert_same_answers(pdf)


def test_a_broken_copy_is_caught_by_these_comparisons(signed_transcript, monkeypatch):
    """The comparisons above notice a copy whose containers keep the file's handler."""
    original = diff_speedups._copy

    def careless(view, obj, refs, depth=0):
        result = original(view, obj, refs, depth)
        if isinstance(result, generic.DictionaryObject) and result is not obj:
            result.container_ref = obj.container_ref
        return result

    monkeypatch.setattr(diff_speedups, "_copy", careless)
    with pytest.raises(AssertionError):
        assert_same_answers(signed_transcript.pdf)


def test_the_speedups_stay_installed_with_the_verifier():
    assert XRefCache.get_last_change is diff_speedups.get_last_change
    assert HistoricalResolver._subsume_object is diff_speedups.subsume_object
    assert HistoricalResolver._collect_indirect_references is diff_speedups.collect_indirect_references
