"""Which references a signed revision's map of paths must answer for, and where the walk may stop.

pyHanko reads the map of paths (``verifier.reverse_paths``) only through
``HistoricalResolver._get_usages_of_ref``, and only for few references: those a later revision
writes (``StandardDiffPolicy.apply``), the form fields and their appearance dictionaries (the
form rules). Mapping every path to every font, ``/Widths`` array and image of the page to answer
them is most of the walk's work. :func:`plan` gives the walk what it needs to map only the paths
to those *targets*, exactly as the full walk maps them:

- the targets: the references written in every later revision, and every field reachable from
  ``/Root/AcroForm/Fields`` through ``/Kids`` with its indirect ``/AP``. A guess: a question
  about any other reference gets the full map, computed then (``reverse_paths._PathMap``);
- the references from which a target may be reached (the *reaching* set), following every
  reference in every object except under ``/Parent`` (the one key the walk never follows, at
  any depth): a superset of the ways the walk can go, so a subtree outside it holds no path the
  full walk would record for a target. The walk does not enter an object outside it.

The full walk would read every object the reachability pass reads, or fewer, and could go as deep
as its bound (:data:`reverse_paths.MAX_DEPTH`) in a subtree the pruned walk skips. So :func:`plan`
gives up (``None``: the full map, now, as before) if reading an object raises, or if the deepest
path the full walk could take, bounded over the graph's strongly connected components (a path
enters each object at most once, pyHanko's cycle check), exceeds the bound.
"""

from __future__ import annotations

from pyhanko.pdf_utils import generic

_CONTAINERS = (generic.IndirectObject, generic.DictionaryObject, generic.ArrayObject)


class _Unsure(Exception):
    """The reachability pass cannot vouch for the pruned walk: map everything."""


def plan(self, fetch, max_depth: int) -> tuple[set, set] | None:
    """``(targets, reaching)`` for the revision ``self`` (module docstring), or ``None``."""
    try:
        graph, trailer_edges, trailer_depth = _graph(self, fetch)
    except _Unsure:
        return None
    except Exception:  # noqa: BLE001 - a broken object: the full walk will raise it, or not, as before
        return None
    targets = _targets(self, fetch)
    reaching, depth = _reach(graph, trailer_edges, targets)
    if trailer_depth > max_depth or any(d + depth[ref] > max_depth for ref, d in trailer_edges):
        return None
    return targets, reaching


def _edges(obj) -> tuple[list, int]:
    """The references in ``obj`` with the depth of each below it (``/Parent`` values left out),
    and the deepest container or reference in it (the depth the walk reaches inside it)."""
    IndirectObject, DictionaryObject, ArrayObject = _CONTAINERS
    edges, deepest = [], 0
    stack = [(obj, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        if isinstance(value, DictionaryObject):
            children = (v for k, v in value.items() if k != "/Parent")
        elif isinstance(value, ArrayObject):
            children = iter(value)
        else:
            continue
        for child in children:
            if isinstance(child, IndirectObject):
                edges.append((child.reference, depth + 1))
                if depth + 1 > deepest:
                    deepest = depth + 1
            elif isinstance(child, _CONTAINERS):
                stack.append((child, depth + 1))
    return edges, deepest


def _graph(self, fetch) -> tuple[dict, list, int]:
    """Every reference reachable from the trailer: ``ref -> (edges, deepest)``."""
    trailer_edges, trailer_depth = _edges(self.trailer_view)
    graph: dict = {}
    todo = [ref for ref, _ in trailer_edges]
    while todo:
        ref = todo.pop()
        if ref in graph:
            continue
        obj = fetch(ref)
        if isinstance(obj, generic.IndirectObject):  # pragma: no cover - never from a parsed file
            raise _Unsure
        graph[ref] = entry = _edges(obj)
        todo.extend(r for r, _ in entry[0] if r not in graph)
    return graph, trailer_edges, trailer_depth


def _reach(graph: dict, trailer_edges: list, targets: set) -> tuple[set, dict]:
    """The references from which a target is reachable (itself included), and for each
    reference a bound on how deep the walk can go below it: Tarjan's components (iterative, a
    hostile file may chain thousands of objects), each bounded by the sum of its members'
    depths plus the deepest component it leads to."""
    index: dict = {}
    low: dict = {}
    on_stack: set = set()
    stack: list = []
    reaching: set = set()
    depth: dict = {}
    counter = 0
    for root, _ in trailer_edges:
        if root in index:
            continue
        work = [(root, iter(graph[root][0]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            pushed = False
            for child, _ in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child][0])))
                    pushed = True
                    break
                if child in on_stack and index[child] < low[node]:
                    low[node] = index[child]
            if pushed:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
            if low[node] != index[node]:
                continue
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            component = set(members)
            reaches = bool(component & targets)
            below = 0
            for member in members:
                for child, _ in graph[member][0]:
                    if child not in component:
                        reaches = reaches or child in reaching
                        below = max(below, depth[child])
            bound = sum(graph[m][1] for m in members) + below
            for member in members:
                depth[member] = bound
                if reaches:
                    reaching.add(member)
    return reaching, depth


def _targets(self, fetch) -> set:
    """The references written after this revision, and the fields (with their indirect ``/AP``)
    the form rules may ask about; a guess: an error or an odd shape just ends it early."""
    xrefs = self.reader.xrefs
    targets = set()
    for revision in range(self.revision + 1, xrefs.total_revisions):
        targets.update(xrefs.explicit_refs_in_revision(revision))
    try:
        root = self.trailer_view.raw_get("/Root")
        root = fetch(root.reference) if isinstance(root, generic.IndirectObject) else root
        form = root.raw_get("/AcroForm")
        form = fetch(form.reference) if isinstance(form, generic.IndirectObject) else form
        fields = form.raw_get("/Fields")
        fields = fetch(fields.reference) if isinstance(fields, generic.IndirectObject) else fields
        todo = list(fields)
        seen = set()
        while todo:
            field = todo.pop()
            if not isinstance(field, generic.IndirectObject) or field.reference in seen:
                continue
            seen.add(field.reference)
            targets.add(field.reference)
            obj = fetch(field.reference)
            ap = obj.raw_get("/AP") if "/AP" in obj else None
            if isinstance(ap, generic.IndirectObject):
                targets.add(ap.reference)
            kids = obj.raw_get("/Kids") if "/Kids" in obj else None
            if isinstance(kids, generic.IndirectObject):
                kids = fetch(kids.reference)
            if isinstance(kids, generic.ArrayObject):
                todo.extend(kids)
    except Exception:  # noqa: BLE001 - only a guess; other questions get the full map
        pass
    return targets
