"""Canonical JSON: RFC 8785 (JCS) over Unicode NFC text.

The same transcript typed on two machines must hash the same, so every string (keys
included) is normalised to NFC first, then serialised by the JSON Canonicalization
Scheme. Our documents hold only strings, integers, booleans, null, arrays and objects:
scores are strings such as ``"8.5"`` so that no float formatting is ever involved, and a
float is refused rather than guessed at.

For that subset JCS coincides with Python's C JSON encoder called with
``ensure_ascii=False, separators=(",", ":")`` and keys sorted by UTF-16 code units;
``tests/core/test_canonical.py`` checks this against the reference ``rfc8785`` package.
Using the C encoder keeps canonicalisation cheap enough to batch 20,000 documents a second.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import partial
from operator import itemgetter
from typing import Any

import orjson

from core.errors import CanonicalFormError

#: I-JSON (RFC 7493) integer range, which RFC 8785 relies on.
MAX_SAFE_INTEGER = 2**53 - 1

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_ORJSON_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER | orjson.OPT_PASSTHROUGH_DATACLASS
                   | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS)
_dumps = partial(orjson.dumps, option=_ORJSON_OPTIONS)
#: One pass of ``bytes.translate`` finds both things that stop orjson's output from being
#: canonical as is. A float is written as an optional "-", digits, then "." or an exponent,
#: right after "[", ":" or "," (or as the whole output): with digits and "-" deleted and
#: "[:" and "eE" mapped to "," and ".", every float leaves ",." behind. (Inside a string the
#: same can happen, as in "1:2.5": that only costs the careful path, never a wrong answer.)
#: A UTF-8 lead byte of U+E000 and above, where UTF-8 key order may differ from JCS's UTF-16
#: order, is mapped to 0xFF, a byte UTF-8 never uses.
_SCAN_MAP = bytes.maketrans(b"[:eE" + bytes(range(0xEE, 0xF5)), b",,.." + b"\xff" * 7)
_SCAN_DELETE = b"0123456789-"


def _utf16_key(item: tuple[str, Any]) -> bytes:
    return item[0].encode("utf-16-be")


_first = itemgetter(0)
_is_nfc = unicodedata.is_normalized
_nfc = unicodedata.normalize


class _NoCanonicalForm(Exception):
    """Raised by the fast walk; :func:`_locate` then finds the path for the message."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: str) -> str:
    """NFC of a string; a lone surrogate (no character, not encodable as UTF-8) has no canonical form."""
    if not value.isascii() and _SURROGATE.search(value):
        raise _NoCanonicalForm
    return value if _is_nfc("NFC", value) else _nfc("NFC", value)


def _norm(value: Any) -> Any:
    t = type(value)
    if t is str:
        return _text(value)
    if t is dict:
        items = []
        for key, item in value.items():
            if type(key) is not str:
                raise _NoCanonicalForm
            items.append((_text(key), _norm(item)))
        # Code-point order equals UTF-16 order unless a key has a character from U+E000 up.
        items.sort(key=_utf16_key if any(k and max(k) >= "\ue000" for k, _ in items) else _first)
        result = dict(items)
        if len(result) != len(items):
            raise _NoCanonicalForm
        return result
    if t is list or t is tuple:
        return [_norm(item) for item in value]
    if t is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        raise _NoCanonicalForm
    if value is None or t is bool:
        return value
    raise _NoCanonicalForm


def normalize(value: Any) -> Any:
    """Return ``value`` with every string in NFC and objects' keys in JCS order.

    Raises :class:`CanonicalFormError` naming the JSON path of the first value that has no
    canonical form.
    """
    try:
        return _norm(value)
    except _NoCanonicalForm:
        _locate(value, "$")
        raise CanonicalFormError("no canonical form") from None  # _locate always raises first


def _locate(value: Any, path: str) -> None:
    """Walk again, slowly, to name where the value without a canonical form is."""
    if isinstance(value, float):
        raise CanonicalFormError(f"{path}: floats have no single canonical form here; write {value!r} as a string")
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise CanonicalFormError(f"{path}: text holds a lone surrogate (\\u{ord(_SURROGATE.search(value)[0]):04x}), "
                                     "which is no character")
        return
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalFormError(f"{path}: integer {value} is outside the I-JSON range")
        return
    if isinstance(value, dict):
        seen: set[str] = set()
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalFormError(f"{path}: object key {key!r} is not a string")
            _locate(key, f"{path} (a key)")
            nkey = _nfc("NFC", key)
            if nkey in seen:
                raise CanonicalFormError(f"{path}: key {nkey!r} appears twice after NFC normalisation")
            seen.add(nkey)
            _locate(item, f"{path}.{nkey}")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _locate(item, f"{path}[{i}]")
        return
    raise CanonicalFormError(f"{path}: {type(value).__name__} is not a JSON value")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of ``value`` (after NFC normalisation).

    Fast path: orjson serialises with sorted keys, refusing non-string keys, integers beyond
    2^53 and non-JSON types; the output is accepted as is when it holds no float and no
    ``null`` (orjson writes NaN as null), its text is already NFC, and no character from U+E000
    up could make UTF-8 key order differ from JCS's UTF-16 order. Anything else takes the
    careful path (:func:`normalize`), which also names what is wrong.
    """
    out = _fast(value)
    return out if out is not None else _encoder.encode(normalize(value)).encode("utf-8")


def _fast(value: Any) -> bytes | None:
    """orjson's bytes when they are already canonical (see :func:`canonical_json`), else None."""
    try:
        out = _dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        return None
    return out if _already_canonical(out) else None


def _already_canonical(out: bytes) -> bool:
    """True when orjson's output needs no change to be JCS over NFC text."""
    if b"null" in out:  # orjson writes NaN as null
        return False
    scan = b"," + out.translate(_SCAN_MAP, _SCAN_DELETE)
    if b",." in scan:
        return False
    return out.isascii() or (b"\xff" not in scan and _is_nfc("NFC", out.decode("utf-8")))


#: Deeper nesting than this is refused before parsing: a hostile file must not exhaust the stack.
MAX_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _too_deep(text: str) -> bool:
    depth = 0
    for ch in _JSON_STRING.sub("", text):
        if ch == "[" or ch == "{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch == "]" or ch == "}":
            depth -= 1
    return False


def _no_float(text: str) -> Any:
    raise CanonicalFormError(f"number {text} is not an integer; write it as a string")


def parse_json(data: bytes | str, *, what: str = "JSON") -> Any:
    """Parse JSON text, turning every error into a :class:`CanonicalFormError`.

    Duplicate keys are refused (two values for one key would make "the" hash ambiguous), so
    are floats, NaN and Infinity (no single canonical form), and nesting deeper than
    :data:`MAX_DEPTH` (a hostile file must not exhaust the stack).
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as e:
        raise CanonicalFormError(f"{what} is not UTF-8: {e}") from e
    if _too_deep(text):
        raise CanonicalFormError(f"{what} is nested deeper than {MAX_DEPTH} levels")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, item in pairs:
            if key in result:
                raise CanonicalFormError(f"{what}: key {key!r} appears twice")
            result[key] = item
        return result

    try:
        return json.loads(text, object_pairs_hook=no_duplicates, parse_float=_no_float, parse_constant=_no_float)
    except (json.JSONDecodeError, RecursionError) as e:
        raise CanonicalFormError(f"{what} is not valid JSON: {e}") from e
