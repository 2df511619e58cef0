"""pyHanko's map of the paths to every object of a signed revision, built with less work.

The modification analysis after a signature (pyHanko's ``StandardDiffPolicy``) asks, for each
object a later revision overwrites, through which paths from the trailer the signed revision
reached it: a page's content stream replaced after signing is then known to be a page's
content, not a new object nobody uses. ``HistoricalResolver._load_reverse_xref_cache`` builds
that map once per signed revision by walking every path to every object. On a B-LT transcript
(two signed revisions, about 2,400 values each) that walk was about 12 ms of a 31 ms
verification (docs/verification-speed.md), most of it overhead rather than reading the file:

- a call and a path cell for every number and name (a font's 241 ``/Widths``), where
  pyHanko's walk does nothing but return;
- a copy of every object into the revision's view (``_subsume_object``) just to read it, when
  the file's own parsed object has the same keys, values and order;
- a scan of the path (a linked list) to detect cycles at every reference.

:func:`load_reverse_xref_cache` walks the same paths in the same order, with the same rules
(the ``/Parent`` and structure-tree ``/P`` entries skipped, the page tree entered only by its
canonical path, the structure tree only from ``/Root/StructTreeRoot/K``), reads every object
pyHanko's walk reads (so a broken object raises the same error at the same point), and stores
the same map: the same sets of the same paths, inserted in the same order. What it does not do:

- it does not copy objects unchanged since the signed revision into the revision's view: they
  are read from the file's parsed objects (pyHanko caches those), and copied later by pyHanko
  if a rule asks for them. Objects changed after the signed revision (pyHanko re-parses those
  each time) go through the view, as in pyHanko, so nothing is parsed twice;
- it does not visit numbers, names and strings, which have no path below them.

An encrypted file (objects behind decryption proxies), and a file nested deeper than
:data:`MAX_DEPTH` (where pyHanko's recursion may reach Python's limit, an answer that depends
on the caller's stack rather than the file), get pyHanko's own walk from the start.
``tests/verifier/test_reverse_paths.py`` compares both maps, and both verification reports, on
transcripts, diplomas and hostile files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.reader import HistoricalResolver, RawPdfPath

from verifier import pruned_paths

#: Deeper paths than this go to pyHanko's own walk (a transcript's deepest is about 20).
MAX_DEPTH = 100
_stock = HistoricalResolver._load_reverse_xref_cache
_stock_usages = HistoricalResolver._get_usages_of_ref
_CONTAINERS = (generic.IndirectObject, generic.DictionaryObject, generic.ArrayObject)
_ROOT_ONLY = misc.ConsList.sing("/Root")


class _TooDeep(Exception):
    """The walk went past :data:`MAX_DEPTH`: pyHanko's walk answers instead."""


def load_reverse_xref_cache(self: HistoricalResolver) -> None:
    """``HistoricalResolver._load_reverse_xref_cache``, same map (module docstring), mapped
    lazily: the paths to the references pyHanko is going to ask about first
    (``verifier.pruned_paths``), everything else on the first other question."""
    if self._indirect_object_access_cache is not None:
        return
    if self.reader.encrypted:
        return _stock(self)
    trees = _trees(self)  # raises as pyHanko's does, before any walk
    planned = pruned_paths.plan(self, _fetcher(self), MAX_DEPTH)
    if planned is None:
        try:
            self._indirect_object_access_cache = _as_paths(_walk(self, trees))
        except _TooDeep:
            return _stock(self)
    else:
        self._indirect_object_access_cache = _PathMap(self, trees, *planned)


def _as_paths(collected: dict) -> dict:
    return {ref: {RawPdfPath(*reversed(list(p))) for p in paths} for ref, paths in collected.items()}


class _PathMap(Mapping):
    """The map of paths of one revision, as pyHanko's ``_indirect_object_access_cache``: the
    paths to the planned targets, mapped when loaded; the whole map on any other question
    (another reference, iteration, size), mapped then, once."""

    def __init__(self, resolver: HistoricalResolver, trees: tuple, targets: set, reaching: set):
        self._resolver, self._trees, self._targets, self._full = resolver, trees, targets, None
        self._pruned = _as_paths(_walk(resolver, trees, targets, reaching))

    def __getitem__(self, ref):
        if ref in self._targets:
            return self._pruned[ref]
        return self.full()[ref]

    def full(self) -> dict:
        if self._full is None:
            self._full = _as_paths(_walk(self._resolver, self._trees))  # not too deep: planned
        return self._full

    def __iter__(self):
        return iter(self.full())

    def __len__(self):
        return len(self.full())


def get_usages_of_ref(self: HistoricalResolver, ref: generic.Reference) -> set:
    """``HistoricalResolver._get_usages_of_ref``: the same set, without asking the lazy map
    for its size (pyHanko's ``cache or {}`` would map everything)."""
    cache = self._indirect_object_access_cache
    if not isinstance(cache, _PathMap):
        return _stock_usages(self, ref)
    try:
        return cache[ref]
    except KeyError:
        return set()


def _fetcher(self: HistoricalResolver):
    reader, revision, view = self.reader, self.revision, self.cache
    xrefs = reader.xrefs

    def fetch(ref):
        """``self(ref)``, without copying an object unchanged since this revision."""
        obj = view.get(ref)
        if obj is not None:
            return obj
        try:
            last_change = xrefs.get_last_change(ref)
        except KeyError:
            return self(ref)  # pyHanko logs it and reads the historical value
        if last_change is not None and last_change <= revision:
            return reader.get_object(ref, transparent_decrypt=False)  # what self(ref) would copy
        return self(ref)  # historical: parsed again each time, so keep pyHanko's copy

    return fetch


def _walk(self: HistoricalResolver, trees: tuple, targets: set | None = None, reaching: set | None = None) -> dict:
    """The paths to every reference; with ``targets``, only to those, not entering the objects
    outside ``reaching`` (nothing below them leads to a target: ``verifier.pruned_paths``)."""
    page_tree_nodes, struct_tree_nodes = trees
    collected: dict = defaultdict(set)
    on_path: set = set()  # the references on the current path: pyHanko's seen_in_path
    IndirectObject, DictionaryObject, ArrayObject = _CONTAINERS
    fetch = _fetcher(self)

    def visit(obj, cur_path, depth, is_struct_tree):
        """pyHanko's ``_compute_paths_to_refs`` for an indirect object or a container."""
        if depth > MAX_DEPTH:
            raise _TooDeep
        ref = None
        if isinstance(obj, IndirectObject):
            ref = obj.reference
            if ref in on_path:
                return
            if targets is None or ref in targets:
                collected[ref].add(cur_path)
            if reaching is not None and ref not in reaching:
                return
            obj = fetch(ref)
            if page_tree_nodes.get(ref, cur_path) != cur_path:
                return
            if not is_struct_tree and ref in struct_tree_nodes:
                return
            on_path.add(ref)
        try:
            if isinstance(obj, DictionaryObject):
                enters_struct_tree = cur_path.head == "/StructTreeRoot" and cur_path.tail == _ROOT_ONLY
                for k, v in obj.items():
                    if k == "/Parent" or (is_struct_tree and k == "/P"):
                        continue
                    if isinstance(v, _CONTAINERS):
                        visit(v, cur_path.cons(k), depth + 1,
                              is_struct_tree or (enters_struct_tree and k == "/K"))
            elif isinstance(obj, ArrayObject):
                for ix, v in enumerate(obj):
                    if isinstance(v, _CONTAINERS):
                        visit(v, cur_path.cons(ix), depth + 1, is_struct_tree)
        finally:
            if ref is not None:
                on_path.discard(ref)

    visit(self.trailer_view, misc.ConsList.empty(), 0, False)
    return collected


def _trees(self: HistoricalResolver) -> tuple[dict, set]:
    """The page tree's canonical paths and the structure tree's elements, as pyHanko's
    ``_load_reverse_xref_cache`` computes them before its walk (its code, unchanged)."""

    def _collect_page_tree_refs(pages_obj, path):
        for ix, kid in enumerate(pages_obj['/Kids']):
            kid_path = path.cons('/Kids').cons(ix)
            if isinstance(kid, generic.IndirectObject):
                yield kid.reference, kid_path
            kid = kid.get_object()
            if kid.get('/Type', None) == '/Pages':
                yield from _collect_page_tree_refs(kid, kid_path)

    def _collect_struct_tree_refs(struct_elem):
        try:
            children = struct_elem['/K']
        except KeyError:
            return
        if not isinstance(children, generic.ArrayObject):
            children = (children,)
        for child in children:
            child_ref = None
            if isinstance(child, generic.IndirectObject):
                child_ref = child.reference
                child = child.get_object()
            if not isinstance(child, generic.DictionaryObject):
                continue
            try:
                if child['/Type'] != '/StructElem':
                    continue
            except KeyError:
                pass
            if child_ref is not None:
                yield child_ref
            yield from _collect_struct_tree_refs(child)

    pages_ref = self.root.raw_get('/Pages')
    pages_path = misc.ConsList.sing('/Root').cons('/Pages')
    page_tree_nodes = {}
    if isinstance(pages_ref, generic.IndirectObject):
        page_tree_nodes[pages_ref.reference] = pages_path
    for ref, path in _collect_page_tree_refs(pages_ref.get_object(), pages_path):
        if ref in page_tree_nodes:
            raise misc.PdfReadError("Circular reference in page tree in mapping stage")
        page_tree_nodes[ref] = path
    struct_tree_nodes = set()
    try:
        struct_tree_root_ref = self.root.raw_get('/StructTreeRoot')
        struct_tree_root = struct_tree_root_ref.get_object()
        for ref in _collect_struct_tree_refs(struct_tree_root):
            if ref in struct_tree_nodes:
                raise misc.PdfReadError("Circular reference in structure tree in mapping stage")
            struct_tree_nodes.add(ref)
    except KeyError:
        pass
    return page_tree_nodes, struct_tree_nodes


def install() -> None:
    """Put :func:`load_reverse_xref_cache` in place of pyHanko's (idempotent)."""
    HistoricalResolver._load_reverse_xref_cache = load_reverse_xref_cache
    HistoricalResolver._get_usages_of_ref = get_usages_of_ref


def uninstall() -> None:
    """pyHanko's own walk again (the equivalence tests compare both)."""
    HistoricalResolver._load_reverse_xref_cache = _stock
    HistoricalResolver._get_usages_of_ref = _stock_usages
