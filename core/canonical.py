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
import unicodedata
from typing import Any

from core.errors import CanonicalFormError

#: I-JSON (RFC 7493) integer range, which RFC 8785 relies on.
MAX_SAFE_INTEGER = 2**53 - 1

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be")


def normalize(value: Any, _path: str = "$") -> Any:
    """Return ``value`` with every string in NFC and objects' keys in JCS order.

    Raises :class:`CanonicalFormError` naming the JSON path of the first value that has no
    canonical form.
    """
    if isinstance(value, str):
        return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        raise CanonicalFormError(f"{_path}: integer {value} is outside the I-JSON range")
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalFormError(f"{_path}: object key {key!r} is not a string")
            nkey = normalize(key)
            items.append((nkey, normalize(item, f"{_path}.{nkey}")))
        items.sort(key=lambda kv: _utf16_key(kv[0]))
        for (a, _), (b, _) in zip(items, items[1:]):
            if a == b:
                raise CanonicalFormError(f"{_path}: key {a!r} appears twice after NFC normalisation")
        return dict(items)
    if isinstance(value, (list, tuple)):
        return [normalize(item, f"{_path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, float):
        raise CanonicalFormError(f"{_path}: floats have no single canonical form here; write {value!r} as a string")
    raise CanonicalFormError(f"{_path}: {type(value).__name__} is not a JSON value")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of ``value`` (after NFC normalisation)."""
    return _encoder.encode(normalize(value)).encode("utf-8")


def parse_json(data: bytes | str, *, what: str = "JSON") -> Any:
    """Parse JSON text, turning every syntax error into a :class:`CanonicalFormError`.

    Duplicate keys are refused: two values for one key would make "the" hash ambiguous.
    """

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, item in pairs:
            if key in result:
                raise CanonicalFormError(f"{what}: key {key!r} appears twice")
            result[key] = item
        return result

    try:
        return json.loads(data, object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CanonicalFormError(f"{what} is not valid JSON: {e}") from e
