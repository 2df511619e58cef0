"""The contract's static view arguments and results, word by word, without eth_abi's machinery.

Every upload reads ``credentialStatus`` (a struct of twenty static fields) and
``isCertificateValid``; eth_abi's decoder objects cost about 150 µs for the struct, most of a
chain read's own CPU. These functions handle only the plain cases (``bool``, ``address``,
``bytesN``, ``uintN``, and one level of tuple of those) and give exactly eth_abi's answer for
them; anything else (another type, a length that is not exactly the words expected, padding that
is not zero, a boolean that is neither 0 nor 1, a value out of range) returns None, and the
caller asks eth_abi, which decodes it or raises its own error. tests/core/test_abi_words.py
compares both on random and hostile words.
"""

from __future__ import annotations

from typing import Any

_ZERO = bytes(32)


def flat_types(abi_types: tuple[str, ...]) -> tuple[tuple[str, ...], bool] | None:
    """``("(bool,bytes32)",)`` -> ``(("bool", "bytes32"), True)``; ``("bool",)`` -> ``(("bool",), False)``:
    the word types of a result that is one static tuple, or static values. None if not handled."""
    if len(abi_types) == 1 and abi_types[0].startswith("(") and abi_types[0].endswith(")"):
        inner = tuple(abi_types[0][1:-1].split(","))
        return (inner, True) if all(_word_type(t) for t in inner) else None
    return (abi_types, False) if all(_word_type(t) for t in abi_types) else None


def _word_type(t: str) -> bool:
    if t in ("bool", "address"):
        return True
    for prefix, low, high, step in (("uint", 8, 256, 8), ("bytes", 1, 32, 1)):
        if t.startswith(prefix) and t[len(prefix):].isdigit():
            n = int(t[len(prefix):])
            return low <= n <= high and n % step == 0 and str(n) == t[len(prefix):]
    return False


def decode(types: tuple[str, ...], in_tuple: bool, raw: bytes) -> tuple | None:
    """eth_abi's ``decode`` of ``raw`` (exactly one word per type), or None outside the plain cases."""
    if len(raw) != 32 * len(types):
        return None
    values: list[Any] = []
    for i, t in enumerate(types):
        word = raw[32 * i: 32 * i + 32]
        if t == "bool":
            if word[:31] != _ZERO[:31] or word[31] > 1:
                return None
            values.append(word[31] == 1)
        elif t == "address":
            if word[:12] != _ZERO[:12]:
                return None
            values.append("0x" + word[12:].hex())
        elif t.startswith("uint"):
            size = int(t[4:]) // 8
            if word[:32 - size] != _ZERO[:32 - size]:
                return None
            values.append(int.from_bytes(word, "big"))
        else:  # bytesN: left-aligned, zero padding on the right
            size = int(t[5:])
            if word[size:] != _ZERO[size:]:
                return None
            values.append(word[:size])
    return (tuple(values),) if in_tuple else tuple(values)


def encode(types: tuple[str, ...], args: tuple[Any, ...]) -> bytes | None:
    """eth_abi's ``encode`` of ``args`` as ``bytes32`` and ``uintN`` words, or None outside the plain
    cases (exact 32-byte ``bytes``, ``int`` in range, never a ``bool``)."""
    if len(types) != len(args):
        return None
    words = []
    for t, value in zip(types, args):
        if t == "bytes32" and type(value) is bytes and len(value) == 32:
            words.append(value)
        elif (t.startswith("uint") and t[4:].isdigit() and type(value) is int
              and 0 <= value < 1 << min(256, int(t[4:]))):
            words.append(value.to_bytes(32, "big"))
        else:
            return None
    return b"".join(words)
