"""pyHanko's modification analysis around the object parser, with less work and the same answers.

After each signature pyHanko's ``StandardDiffPolicy`` compares the signed revision with every
later one. Besides parsing objects (``generic.read_object``, not touched here) and the walk of
paths (``verifier.reverse_paths``), its CPU goes to bookkeeping that repeats or throws away work:

- **cross-reference look-ups**: ``XRefCache.get_last_change``, ``get_introducing_revision`` and
  ``get_historical_ref`` scan the file's revisions one by one for every call, raising and
  catching a ``KeyError`` in each revision that does not hold the object; a B-LT transcript
  asks about 300 of them per verification (1,200 revision probes), for about 100 objects.
  Their answer depends only on the object number, the generation (and the revision asked
  about) and on the cross-reference sections, which never change once the file is read
  (``XRefCache`` is built from the finished sections and nothing in pyHanko writes to them
  afterwards). So each answer is remembered per ``XRefCache`` (that is, per file read),
  including "not found" (the ``KeyError`` is raised again, with the caller's reference, as
  pyHanko raises it). A revision whose section has no entry for the object number is skipped
  without asking it: ``try_resolve`` raises there at once (sections with a hybrid part are
  always asked);
- **copies into a revision's view** (``HistoricalResolver._subsume_object``): pyHanko copies each
  object it reads through a revision, and for every number, name and string inside it also
  builds a ``Reference`` that it then drops. :func:`subsume_object` builds the same copy (the same
  classes, keys in the same order, the same values, the same ``container_ref`` on every copied
  container) and leaves the primitives alone, as pyHanko does. It only handles exactly the
  classes the parser produces (dictionaries, arrays, streams with their encoded bytes, indirect
  references, numbers, names, strings, booleans, null) whose ``container_ref`` is a plain
  ``Reference``; anything else (an encrypted file's proxies, a subclass, an object without a
  container, a key pyHanko's dictionary would convert or refuse, nesting past :data:`MAX_DEPTH`)
  goes to pyHanko's own copy from the start. Building the copy changes nothing outside it, so
  starting again is safe. The containers of one object share one ``Reference`` value (frozen,
  compared by value; pyHanko makes an equal one per container);
- **the new objects a revision reaches** (``HistoricalResolver._collect_indirect_references``,
  for the orphan search): the same references, read in the same order through the same view,
  without a call per number and name (nesting past :data:`MAX_DEPTH`: pyHanko's recursion).

``install()`` puts these in place of pyHanko's code for the whole process (``verifier.pdf`` does
it, as it does for ``pdf_speedups`` and ``reverse_paths``); ``uninstall()`` restores pyHanko's.
``tests/verifier/test_diff_speedups.py`` compares the verification reports, each difference
analysis's result and the values replaced, with and without this module, on transcripts,
diplomas and hostile files.
"""

from __future__ import annotations

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver
from pyhanko.pdf_utils.xref import XRefCache

_stock = {
    (XRefCache, "get_last_change"): XRefCache.get_last_change,
    (XRefCache, "get_introducing_revision"): XRefCache.get_introducing_revision,
    (XRefCache, "get_historical_ref"): XRefCache.get_historical_ref,
    (HistoricalResolver, "_subsume_object"): HistoricalResolver._subsume_object,
    (HistoricalResolver, "_collect_indirect_references"): HistoricalResolver._collect_indirect_references,
}
_NOT_FOUND = object()  # a remembered KeyError
#: Deeper nesting goes to pyHanko's own recursion, whose answer there depends on the caller's stack.
MAX_DEPTH = 100


class _TooDeep(Exception):
    """Nested deeper than :data:`MAX_DEPTH`."""


# --- cross-reference look-ups, remembered per file ------------------------------------------

def _memo(xrefs: XRefCache, name: str) -> dict:
    """The answers of ``name`` already given for this file (created on first use)."""
    memos = xrefs.__dict__.get("_sogoc_memos")
    if memos is None:
        memos = xrefs.__dict__["_sogoc_memos"] = {}
    memo = memos.get(name)
    if memo is None:
        memo = memos[name] = {}
    return memo


def _mentions(xrefs: XRefCache) -> list:
    """For each revision's section, the object numbers it has an entry for (in use, in an object
    stream or freed). ``XRefSectionData.try_resolve`` raises ``KeyError`` for any other number
    without looking further, so those revisions are skipped. A section with a hybrid part (a
    cross-reference stream beside the table) has None: it is always asked."""
    mentions = xrefs.__dict__.get("_sogoc_mentions")
    if mentions is None:
        mentions = []
        for section in xrefs._xref_sections:
            data = section.xref_data
            mentions.append(None if data.hybrid is not None
                            else {*data.xrefs_in_objstm, *data.standard_xrefs, *data.freed})
        xrefs.__dict__["_sogoc_mentions"] = mentions
    return mentions


def _last_change(self: XRefCache, ref):
    """pyHanko's ``get_last_change``: the newest revision whose section resolves ``ref``."""
    sections, mentions, idnum = self._xref_sections, _mentions(self), ref.idnum
    for ix in reversed(range(len(sections))):
        if mentions[ix] is None or idnum in mentions[ix]:
            try:
                sections[ix].xref_data.try_resolve(ref)
                return ix
            except KeyError:
                pass
    raise KeyError(ref)


def _introducing_revision(self: XRefCache, ref):
    """pyHanko's ``get_introducing_revision``: the oldest revision that resolves ``ref`` to a place."""
    sections, mentions, idnum = self._xref_sections, _mentions(self), ref.idnum
    for ix in range(len(sections)):
        if mentions[ix] is None or idnum in mentions[ix]:
            try:
                if sections[ix].xref_data.try_resolve(ref) is not None:
                    return ix
            except KeyError:
                pass
    raise KeyError(ref)


def _historical_ref(self: XRefCache, ref, revision):
    """pyHanko's ``get_historical_ref``: what the newest section up to ``revision`` says of ``ref``
    (``range`` sliced as pyHanko slices its list of sections, negative revisions included)."""
    sections, mentions, idnum = self._xref_sections, _mentions(self), ref.idnum
    for ix in reversed(range(len(sections))[: revision + 1]):
        if mentions[ix] is None or idnum in mentions[ix]:
            try:
                return sections[ix].xref_data.try_resolve(ref)
            except KeyError:
                continue
    return None


def _remembered_or_key_error(name: str, find):
    def look_up(self: XRefCache, ref: generic.Reference):
        memo = _memo(self, name)
        key = (ref.idnum, ref.generation)  # all that try_resolve reads of the reference
        answer = memo.get(key, memo)
        if answer is memo:
            try:
                answer = find(self, ref)
            except KeyError:
                answer = _NOT_FOUND  # pyHanko's only exception here: KeyError(ref), after every revision
            memo[key] = answer
        if answer is _NOT_FOUND:
            raise KeyError(ref)
        return answer

    look_up.__name__ = look_up.__qualname__ = name
    look_up.__doc__ = f"``XRefCache.{name}``, each answer remembered for this file (module docstring)."
    return look_up


get_last_change = _remembered_or_key_error("get_last_change", _last_change)
get_introducing_revision = _remembered_or_key_error("get_introducing_revision", _introducing_revision)


def get_historical_ref(self: XRefCache, ref, revision):
    """``XRefCache.get_historical_ref``, each answer remembered for this file (it never raises)."""
    memo = _memo(self, "get_historical_ref")
    key = (ref.idnum, ref.generation, revision)
    answer = memo.get(key, memo)
    if answer is memo:
        answer = memo[key] = _historical_ref(self, ref, revision)
    return answer


# --- copies into a revision's view ------------------------------------------------------------

class _Unusual(Exception):
    """Something :func:`subsume_object` does not copy itself: pyHanko's copy answers instead."""


_Reference = generic.Reference
_IndirectObject = generic.IndirectObject
_DictionaryObject = generic.DictionaryObject
_ArrayObject = generic.ArrayObject
_StreamObject = generic.StreamObject
_NameObject = generic.NameObject
_dict_set = dict.__setitem__  # keys checked to be names: what DictionaryObject's own would store
#: Returned as they are by pyHanko's copy (after it checked their container_ref).
_PRIMITIVES = frozenset({generic.NumberObject, generic.FloatObject, generic.NameObject, generic.TextStringObject,
                         generic.ByteStringObject, generic.BooleanObject, generic.NullObject})


def subsume_object(self: HistoricalResolver, obj):
    """``HistoricalResolver._subsume_object``: the same copy, without the throw-away work."""
    try:
        return _copy(self, obj, {})
    except Exception:  # noqa: BLE001 - anything unusual: pyHanko's copy, from the start
        return _stock[(HistoricalResolver, "_subsume_object")](self, obj)


def _copy(view: HistoricalResolver, obj, refs: dict, depth: int = 0):
    """The copy of ``obj`` pyHanko makes; ``refs`` holds the view's ``Reference`` made for each
    container reference met (a frozen value: pyHanko makes an equal one for each container)."""
    if depth > MAX_DEPTH:
        raise _Unusual
    container = obj.container_ref
    if type(container) is not _Reference:  # pyHanko raises for None, or reads .idnum of another kind
        raise _Unusual
    kind = type(obj)
    if kind in _PRIMITIVES:
        return obj
    if kind is _IndirectObject:
        return _IndirectObject(idnum=obj.idnum, generation=obj.generation, pdf=view)  # no container_ref
    if kind is _ArrayObject:
        result = _ArrayObject()
        append = result.append
        for v in obj:
            append(v if type(v) in _PRIMITIVES and type(v.container_ref) is _Reference
                   else _copy(view, v, refs, depth + 1))
    else:
        if kind is _DictionaryObject:
            result = _DictionaryObject()
        elif kind is _StreamObject:
            encoded = obj._encoded_data
            if encoded is None:  # pyHanko would encode it now (and keep the result in obj)
                raise _Unusual
            result = _StreamObject(encoded_data=encoded)
        else:
            raise _Unusual
        for k, v in obj.items():
            if type(k) is not _NameObject:  # pyHanko's dictionary would convert or refuse it
                raise _Unusual
            _dict_set(result, k, v if type(v) in _PRIMITIVES and type(v.container_ref) is _Reference
                      else _copy(view, v, refs, depth + 1))
    key = (container.idnum, container.generation)
    ref = refs.get(key)
    if ref is None:
        ref = refs[key] = _Reference(idnum=container.idnum, generation=container.generation, pdf=view)
    result.container_ref = ref
    return result


# --- new objects a revision reaches, for the orphan search ------------------------------------

def collect_indirect_references(self: HistoricalResolver, obj, seen, since_revision=None):
    """``HistoricalResolver._collect_indirect_references``: the same references added to ``seen``,
    the same objects read through the view in the same order, no call per number or name."""
    before = set(seen)
    try:
        _collect(self, obj, seen, since_revision)
    except _TooDeep:  # where pyHanko's recursion may meet Python's limit: its own walk answers
        seen.clear()
        seen.update(before)
        _stock[(HistoricalResolver, "_collect_indirect_references")](self, obj, seen, since_revision)


def _collect(view: HistoricalResolver, obj, seen: set, since_revision) -> None:
    introduced = view.reader.xrefs.get_introducing_revision

    def visit(obj, depth):
        if depth > MAX_DEPTH:
            raise _TooDeep
        if isinstance(obj, _IndirectObject):
            ref = obj.reference
            if ref in seen:
                return
            if since_revision is None or introduced(ref) >= since_revision:
                seen.add(ref)
            else:
                return  # older than the revision: pyHanko does not look inside
            obj = view(ref)
        if isinstance(obj, _DictionaryObject):
            values = obj.values()
        elif isinstance(obj, _ArrayObject):
            values = obj
        else:
            return
        for v in values:
            if isinstance(v, _CONTAINERS):
                visit(v, depth + 1)

    visit(obj, 0)


_CONTAINERS = (_IndirectObject, _DictionaryObject, _ArrayObject)

_OURS = {
    (XRefCache, "get_last_change"): get_last_change,
    (XRefCache, "get_introducing_revision"): get_introducing_revision,
    (XRefCache, "get_historical_ref"): get_historical_ref,
    (HistoricalResolver, "_subsume_object"): subsume_object,
    (HistoricalResolver, "_collect_indirect_references"): collect_indirect_references,
}


def install() -> None:
    """Put this module's functions in place of pyHanko's (idempotent)."""
    for (owner, name), function in _OURS.items():
        setattr(owner, name, function)


def uninstall() -> None:
    """pyHanko's own code again (the equivalence tests compare both)."""
    for (owner, name), function in _stock.items():
        setattr(owner, name, function)
