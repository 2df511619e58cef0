"""The modification analysis's map of paths (verifier.reverse_paths) is pyHanko's, exactly.

For every revision of real transcripts and diplomas, and of files changed after signing in the
ways a forger would (a field painted over the page, a page's content replaced, a signature
field's value swapped, an object redefined, a DSS update that also changes the page, cycles,
orphans, nesting deeper than the fast walk takes), and of random object graphs added and
redefined in incremental updates, the map built by pyHanko's own walk and by ours hold the same references with the same paths in the same order; and the verification
report of each file is the same with either walk.
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
from pyhanko.sign.fields import SigFieldSpec, append_signature_field

from verifier import pdf_speedups, reverse_paths
from verifier.pdf import read_pdf


@contextmanager
def _stock():
    reverse_paths.uninstall()
    try:
        yield
    finally:
        reverse_paths.install()


@pytest.fixture
def stock_walk():
    """``with stock_walk():`` runs pyHanko's own walk in the block; ours again afterwards."""
    yield _stock
    reverse_paths.install()


def loaded_revisions(reader: PdfFileReader):
    """(revision, its resolver with the map loaded, None), or (revision, None, the error's
    (revision, type, message)): the same error is part of the same answer."""
    for revision in range(reader.xrefs.total_revisions):
        resolver = reader.get_historical_resolver(revision)
        try:
            resolver._load_reverse_xref_cache()
        except Exception as e:  # noqa: BLE001 - compared, not raised
            yield revision, None, (revision, type(e).__name__, str(e))
            continue
        yield revision, resolver, None


def path_maps(pdf: bytes) -> list:
    """Every revision's map, as (reference, paths in the order the set yields them) pairs."""
    maps = []
    for revision, resolver, error in loaded_revisions(PdfFileReader(io.BytesIO(pdf), strict=True)):
        maps.append(error or (revision, [(ref, [p.path for p in paths])
                                         for ref, paths in resolver._indirect_object_access_cache.items()]))
    return maps


def assert_same_answers(pdf: bytes, roots, stock_walk) -> list:
    """Same maps and same reports with pyHanko's walk and with ours; returns the reports."""
    assert HistoricalResolver._load_reverse_xref_cache is reverse_paths.load_reverse_xref_cache
    ours_maps, ours_read = path_maps(pdf), read_pdf(pdf, roots)
    with stock_walk():
        stock_maps, stock_read = path_maps(pdf), read_pdf(pdf, roots)
    assert ours_maps == stock_maps
    assert any(isinstance(m[1], list) and m[1] for m in ours_maps)  # a walk happened and found paths
    assert ours_read == stock_read  # the credential and every signature's report
    return ours_read[1]


def _write(writer: IncrementalPdfFileWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _box(data: bytes) -> generic.StreamObject:
    return generic.StreamObject({pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
                                 pdf_name("/BBox"): generic.ArrayObject(map(generic.NumberObject, (0, 0, 100, 20)))},
                                stream_data=data)


def overlay_field(pdf: bytes) -> bytes:
    """An empty signature field whose widget paints a white box and another score."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    append_signature_field(writer, SigFieldSpec("Overlay", box=(300, 500, 400, 520)))
    field = next(f.get_object() for f in writer.root["/AcroForm"]["/Fields"] if f.get_object()["/T"] == "Overlay")
    field["/AP"][pdf_name("/N")] = writer.add_object(_box(b"1 1 1 rg 0 0 100 20 re f"))
    return _write(writer)


def replaced_page_content(pdf: bytes) -> bytes:
    """The page's content stream redefined in an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    contents = page.raw_get("/Contents")
    refs = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
    target = refs[0].reference if isinstance(refs[0], generic.IndirectObject) else None
    if target is None:
        page[pdf_name("/Contents")] = writer.add_object(generic.StreamObject(stream_data=b"BT ET"))
        writer.update_container(page)
    else:
        writer.mark_update(target)
        writer.objects[(target.generation, target.idnum)] = generic.StreamObject(stream_data=b"BT /F1 12 Tf (10.0) Tj ET")
    return _write(writer)


def swapped_field_value(pdf: bytes) -> bytes:
    """The teacher's signature field made to point at the principal's signature value."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields = [f.get_object() for f in writer.root["/AcroForm"]["/Fields"]]
    first, last = fields[0], fields[-1]
    first[pdf_name("/V")] = last.raw_get("/V")
    writer.update_container(first)
    return _write(writer)


def redefined_catalog(pdf: bytes) -> bytes:
    """The catalog redefined with an /OpenAction and a new cyclic object hung from the page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    loop = generic.ArrayObject()
    loop_ref = writer.add_object(loop)
    loop.append(loop_ref)  # a cycle through a new object
    loop.append(writer.root["/Pages"].raw_get("/Kids")[0])  # and back into the page tree
    writer.root[pdf_name("/OpenAction")] = generic.DictionaryObject(
        {pdf_name("/S"): pdf_name("/JavaScript"), pdf_name("/JS"): generic.pdf_string("app.alert(1)"),
         pdf_name("/Next"): loop_ref})
    writer.update_root()
    writer.add_object(generic.DictionaryObject({pdf_name("/Orphan"): generic.BooleanObject(True)}))  # reached by nothing
    return _write(writer)


def dss_update_with_a_page_change(pdf: bytes) -> bytes:
    """A DSS update (what B-LT adds) that also changes the page's resources."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    dss = writer.root["/DSS"]
    dss[pdf_name("/Certs")] = generic.ArrayObject(list(dss.get("/Certs", ())))
    writer.update_container(dss)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    resources = page["/Resources"]
    resources[pdf_name("/XObject")] = generic.DictionaryObject({pdf_name("/Sneak"): writer.add_object(_box(b"0 g"))})
    writer.update_container(page)
    return _write(writer)


def deeply_nested(pdf: bytes, depth: int) -> bytes:
    """Arrays nested ``depth`` deep hung from the catalog (past the fast walk's limit)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    inner = generic.ArrayObject([writer.add_object(generic.DictionaryObject())])
    for _ in range(depth):
        inner = generic.ArrayObject([inner])
    writer.root[pdf_name("/Deep")] = writer.add_object(inner)
    writer.update_root()
    return _write(writer)


def tagged(pdf: bytes) -> bytes:
    """A structure tree (a tagged PDF) whose elements point back to their parents and to the page,
    with a /ParentTree index, and a link annotation pointing across the page tree."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
    root_elem = generic.DictionaryObject({pdf_name("/Type"): pdf_name("/StructTreeRoot")})
    root_ref = writer.add_object(root_elem)
    kids = generic.ArrayObject()
    for tag in ("/H1", "/P", "/Table"):
        leaf = generic.DictionaryObject({pdf_name("/S"): pdf_name("/Span"), pdf_name("/K"): generic.NumberObject(0),
                                         pdf_name("/Pg"): page_ref})
        leaf_ref = writer.add_object(leaf)
        elem = generic.DictionaryObject({pdf_name("/Type"): pdf_name("/StructElem"), pdf_name("/S"): pdf_name(tag),
                                         pdf_name("/P"): root_ref, pdf_name("/Pg"): page_ref,
                                         pdf_name("/K"): generic.ArrayObject([leaf_ref])})
        elem_ref = writer.add_object(elem)
        leaf[pdf_name("/P")] = elem_ref
        kids.append(elem_ref)
    elem[pdf_name("/P")] = kids.raw_get(0)  # the last element's parent: not an ancestor on its path
    root_elem[pdf_name("/K")] = kids
    root_elem[pdf_name("/ParentTree")] = generic.DictionaryObject(
        {pdf_name("/Nums"): generic.ArrayObject([generic.NumberObject(0), generic.ArrayObject(list(kids))])})
    writer.root[pdf_name("/StructTreeRoot")] = root_ref
    writer.root[pdf_name("/Outlines")] = generic.DictionaryObject(  # another way into the page tree
        {pdf_name("/First"): generic.DictionaryObject({pdf_name("/Dest"): generic.ArrayObject([page_ref])})})
    writer.update_root()
    return _write(writer)


HOSTILE = {
    "overlay": overlay_field,
    "page content": replaced_page_content,
    "field value": swapped_field_value,
    "catalog": redefined_catalog,
    "dss and page": dss_update_with_a_page_change,
    "deep": lambda pdf: deeply_nested(pdf, reverse_paths.MAX_DEPTH + 20),
}


def test_a_real_transcript_gets_the_same_map_and_report(signed_transcript, dev_pki, stock_walk):
    reports = assert_same_answers(signed_transcript.pdf, dev_pki.trust_roots(), stock_walk)
    assert [r.ok for r in reports] == [True, True]


def test_every_demo_transcript_gets_the_same_map(transcripts, demo_cohort, dev_keys, dev_timestamper, dev_ltv,
                                                 verify_url_for, dev_pki, stock_walk):
    from signer.render import render_transcript
    from signer.sign import sign_transcript

    for transcript in transcripts[1:]:
        credential = transcript.to_credential(demo_cohort["issued_on"])
        unsigned = render_transcript(transcript, credential, verify_url_for(credential))
        pdf = sign_transcript(unsigned, *dev_keys, dev_timestamper, dev_ltv)
        assert [r.ok for r in assert_same_answers(pdf, dev_pki.trust_roots(), stock_walk)] == [True, True]


def test_a_diploma_gets_the_same_map_and_report(signed_diploma, dev_pki, stock_walk):
    reports = assert_same_answers(signed_diploma, dev_pki.trust_roots(), stock_walk)
    assert [r.ok for r in reports] == [True]
    assert_same_usages(signed_diploma, stock_walk)  # every question, in any order (the pruned map)


@pytest.mark.parametrize("change", sorted(HOSTILE))
def test_a_file_changed_after_signing_gets_the_same_map_and_report(change, signed_transcript, dev_pki, stock_walk):
    reports = assert_same_answers(HOSTILE[change](signed_transcript.pdf), dev_pki.trust_roots(), stock_walk)
    assert not reports[-1].covers_document  # and the change is caught, as pyHanko catches it


@pytest.mark.parametrize("change", [None, "overlay", "page content"])
def test_a_tagged_transcript_gets_the_same_map_and_report(change, signed_transcript, dev_keys, dev_timestamper,
                                                          dev_ltv, dev_pki, stock_walk):
    from signer.sign import sign_transcript

    pdf = sign_transcript(tagged(signed_transcript.unsigned_pdf), *dev_keys, dev_timestamper, dev_ltv)
    reports = assert_same_answers(pdf if change is None else HOSTILE[change](pdf), dev_pki.trust_roots(), stock_walk)
    assert [r.covers_document for r in reports] == ([True, True] if change is None else [False, False])


def test_a_signed_revision_nested_deeper_than_the_fast_walk_takes_goes_to_pyhankos_walk(
        signed_transcript, dev_keys, dev_timestamper, dev_ltv, dev_pki, stock_walk, monkeypatch):
    from signer.sign import sign_transcript

    original, walked = reverse_paths._stock, []
    monkeypatch.setattr(reverse_paths, "_stock", lambda self: walked.append(self.revision) or original(self))
    deep = deeply_nested(signed_transcript.unsigned_pdf, reverse_paths.MAX_DEPTH + 20)
    pdf = sign_transcript(deep, *dev_keys, dev_timestamper, dev_ltv)
    assert [r.ok for r in assert_same_answers(pdf, dev_pki.trust_roots(), stock_walk)] == [True, True]
    assert walked  # the signed revisions were mapped by pyHanko's walk


def test_the_speedups_stay_installed_with_the_verifier():
    assert HistoricalResolver._load_reverse_xref_cache is reverse_paths.load_reverse_xref_cache
    assert pdf_speedups._installed


_KEYS = ["/A", "/B", "/K", "/P", "/Parent", "/Kids", "/Annots", "/Obj", "/Pg", "/Next"]


def _random_value(rnd, refs, depth=0):
    """A number, a name, a reference to a random object, or a small container of those."""
    kind = rnd.random()
    if kind < 0.15 or depth > 3:
        return generic.NumberObject(rnd.randint(0, 9)) if rnd.random() < 0.5 else pdf_name(rnd.choice(_KEYS))
    if kind < 0.6:
        return rnd.choice(refs)
    if kind < 0.8:
        return generic.ArrayObject(_random_value(rnd, refs, depth + 1) for _ in range(rnd.randint(0, 3)))
    return _random_dict(rnd, refs, depth + 1)


def _random_dict(rnd, refs, depth=0):
    entries = {pdf_name(k): _random_value(rnd, refs, depth) for k in rnd.sample(_KEYS, rnd.randint(0, 4))}
    if rnd.random() < 0.3:
        entries[pdf_name("/Type")] = pdf_name(rnd.choice(["/StructElem", "/Pages", "/Page", "/Annot"]))
    return generic.DictionaryObject(entries)


def random_graph_updates(pdf: bytes, seed: int) -> bytes:
    """Incremental updates that add objects pointing at random objects (cycles, back-pointers,
    links into the page tree, a structure tree) and redefine random objects, the catalog included."""
    rnd = random.Random(seed)
    for _ in range(rnd.randint(1, 3)):
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        page_refs = list(writer.root["/Pages"].raw_get("/Kids"))
        new_refs = [writer.add_object(generic.DictionaryObject()) for _ in range(rnd.randint(2, 6))]
        refs = page_refs + new_refs
        for ref in new_refs:
            writer.objects[(ref.generation, ref.idnum)] = _random_dict(rnd, refs)
        for key in rnd.sample(["/X", "/StructTreeRoot", "/Outlines", "/OpenAction"], rnd.randint(1, 3)):
            writer.root[pdf_name(key)] = rnd.choice(new_refs) if key != "/StructTreeRoot" else generic.DictionaryObject(
                {pdf_name("/K"): generic.ArrayObject(rnd.sample(new_refs, rnd.randint(1, len(new_refs))))})
        writer.update_root()
        page = rnd.choice(page_refs).get_object()
        page[pdf_name("/Annots")] = generic.ArrayObject(rnd.sample(refs, rnd.randint(1, 3)))
        writer.update_container(page)
        out = io.BytesIO()
        writer.write(out)
        pdf = out.getvalue()
    return pdf


@pytest.fixture(scope="module")
def three_pages() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    for text in ("một", "hai", "ba"):
        canvas.drawString(72, 720, text)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


@pytest.mark.parametrize("seed", range(40))
def test_random_object_graphs_get_the_same_map_in_every_revision(seed, three_pages, stock_walk):
    pdf = random_graph_updates(three_pages, seed)
    ours = path_maps(pdf)
    with stock_walk():
        stock = path_maps(pdf)
    assert ours == stock


# --- The pruned map (verifier.pruned_paths): the same answer to every question, in any order ---


def _all_refs(reader) -> list:
    """Every reference the file defines in any revision, and a few it does not."""
    refs = {ref for rev in range(reader.xrefs.total_revisions) for ref in reader.xrefs.explicit_refs_in_revision(rev)}
    top = max(r.idnum for r in refs)
    refs |= {generic.Reference(top + 1, 0), generic.Reference(top + 50, 0), generic.Reference(1, 7)}
    return sorted(refs, key=lambda r: (r.idnum, r.generation))


def usages(pdf: bytes, order: str) -> list:
    """Every revision's answers of ``_get_usages_of_ref`` to every reference (paths in the order
    the returned set yields them), asked in ``order``: the references written later first (as the
    policy asks), or shuffled, or one absent reference first (the full map at once)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=True)
    refs = _all_refs(reader)
    answers = []
    for revision, resolver, error in loaded_revisions(reader):
        if error:
            answers.append(error)
            continue
        later = {r for rev in range(revision + 1, reader.xrefs.total_revisions)
                 for r in reader.xrefs.explicit_refs_in_revision(rev)}
        asked = {"later first": sorted(refs, key=lambda r: r not in later),
                 "shuffled": random.Random(revision).sample(refs, len(refs)),
                 "absent first": refs[-3:] + refs}[order]
        got = {ref: [p.path for p in resolver._get_usages_of_ref(ref)] for ref in asked}
        answers.append((revision, sorted(got.items(), key=lambda kv: (kv[0].idnum, kv[0].generation))))
    return answers


ORDERS = ["later first", "shuffled", "absent first"]


def assert_same_usages(pdf: bytes, stock_walk) -> None:
    with stock_walk():
        stock = usages(pdf, "shuffled")
    for order in ORDERS:
        assert usages(pdf, order) == stock, order
    assert any(isinstance(a[1], list) and any(paths for _, paths in a[1]) for a in stock)


def test_a_transcript_is_answered_from_the_pruned_map_alone(signed_transcript, dev_pki, monkeypatch):
    full_maps = []
    original = reverse_paths._PathMap.full
    monkeypatch.setattr(reverse_paths._PathMap, "full", lambda self: full_maps.append(self) or original(self))
    pruned, loaded = [], reverse_paths._PathMap.__init__

    def init(self, *args):
        loaded(self, *args)
        pruned.append(self)

    monkeypatch.setattr(reverse_paths._PathMap, "__init__", init)
    _, reports = read_pdf(signed_transcript.pdf, dev_pki.trust_roots())
    assert [r.ok for r in reports] == [True, True]
    assert len(pruned) == 2 and not full_maps  # both signed revisions, no question outside the targets


@pytest.mark.parametrize("change", [None, *sorted(HOSTILE)])
def test_every_question_about_a_transcript_gets_pyhankos_answer(change, signed_transcript, stock_walk):
    pdf = signed_transcript.pdf
    assert_same_usages(pdf if change is None else HOSTILE[change](pdf), stock_walk)


@pytest.mark.parametrize("change", [None, "overlay", "page content"])
def test_every_question_about_a_tagged_transcript_gets_pyhankos_answer(change, signed_transcript, dev_keys,
                                                                        dev_timestamper, dev_ltv, stock_walk):
    from signer.sign import sign_transcript

    pdf = sign_transcript(tagged(signed_transcript.unsigned_pdf), *dev_keys, dev_timestamper, dev_ltv)
    assert_same_usages(pdf if change is None else HOSTILE[change](pdf), stock_walk)


@pytest.mark.parametrize("seed", range(40))
def test_every_question_about_a_random_object_graph_gets_pyhankos_answer(seed, three_pages, stock_walk):
    assert_same_usages(random_graph_updates(three_pages, seed), stock_walk)


def _broken_edges(obj):
    """A reachability pass that leaves out /P as well as /Parent (the walk follows /P outside
    the structure tree)."""
    if isinstance(obj, generic.DictionaryObject):
        obj = generic.DictionaryObject({k: v for k, v in obj.items() if k != "/P"})
    return _edges(obj)


_edges = reverse_paths.pruned_paths._edges


def _reach_missing_cycles(graph, trailer_edges, targets):
    """A reachability pass that stops at a reference already on its way (so a reference on a
    cycle can be judged before what lies behind the cycle is known)."""
    reaching, done, depth = set(), set(), {}

    def go(ref):
        if ref in done:
            return ref in reaching
        done.add(ref)
        found = ref in targets
        for child, _ in graph[ref][0]:
            found = go(child) or found
        if found:
            reaching.add(ref)
        depth[ref] = 0
        return found

    for ref, _ in trailer_edges:
        go(ref)
    return reaching, depth


@pytest.mark.parametrize("broken", ["/P left out", "cycles missed"])
def test_a_wrong_reachability_pass_is_caught(broken, three_pages, signed_transcript, monkeypatch, stock_walk):
    pdfs = [random_graph_updates(three_pages, seed) for seed in range(40)] + [overlay_field(signed_transcript.pdf)]
    with stock_walk():
        stock = [usages(pdf, "shuffled") for pdf in pdfs]
    if broken == "/P left out":
        monkeypatch.setattr(reverse_paths.pruned_paths, "_edges", _broken_edges)
    else:
        monkeypatch.setattr(reverse_paths.pruned_paths, "_reach", _reach_missing_cycles)
    assert [usages(pdf, "later first") for pdf in pdfs] != stock
