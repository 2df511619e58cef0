"""core.abi_words gives eth_abi's answer whenever it answers, on the contract's own view types and on
random and hostile words: every word type, padding that is not zero, booleans past 1, short and
long data; and it declines (None, eth_abi then decides) everything it does not handle."""

from __future__ import annotations

import random

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.exceptions import DecodingError

from core import abi_words
from core.chain import _View, artifact

VIEWS = [_View.of(i) for i in artifact()["abi"]
         if i.get("type") == "function" and i.get("stateMutability") in ("view", "pure")]
TYPES = [("(bool,bytes32,address,uint64,uint8,uint16,uint32,bool)",), ("bool",), ("address",), ("uint256",),
         ("bytes4", "bytes1", "bytes31"), ("uint8", "uint64"), ("bytes32",), ()]


def eth_abi_answer(types, raw):
    try:
        return ("value", abi_decode(types, raw))
    except DecodingError as e:
        return ("error", type(e))


def word(rng: random.Random, t: str, hostile: bool) -> bytes:
    """A valid word for ``t``, or (``hostile``) often one that is not."""
    kind = rng.random() if hostile else 1.0
    if kind < 0.15:
        return rng.randbytes(32)  # anything
    if kind < 0.25:
        return bytes(31) + bytes([rng.choice([0, 1, 2, 255])])
    if kind < 0.3:
        return bytes([rng.randint(1, 255)]) + bytes(31)
    if t == "bool":
        return bytes(31) + bytes([rng.choice([0, 1])])
    if t == "address":
        return bytes(12) + rng.randbytes(20)
    if t.startswith("uint"):
        size = int(t[4:]) // 8
        return bytes(32 - size) + rng.randbytes(size)
    size = int(t[5:])
    return rng.randbytes(size) + bytes(32 - size)


@pytest.mark.parametrize("types", [v.outputs for v in VIEWS if v.words] + TYPES, ids=str)
def test_decoding_gives_eth_abis_answer_or_declines(types):
    rng = random.Random(str(types))
    flat = abi_words.flat_types(types)
    assert flat is not None
    for i in range(600):
        hostile = i % 2 == 1
        raw = b"".join(word(rng, t, hostile) for t in flat[0])
        if hostile and rng.random() < 0.2:  # short or long data
            raw = raw[:-rng.randint(1, 32)] if raw and rng.random() < 0.5 else raw + rng.randbytes(rng.choice([1, 32]))
        fast = abi_words.decode(*flat, raw)
        if fast is None:
            assert hostile, raw.hex()  # plain words are always decoded here
            continue
        expected = eth_abi_answer(types, raw)
        assert expected == ("value", fast) and [type(v) for v in _flatten(expected[1])] == \
            [type(v) for v in _flatten(fast)]


def _flatten(values):
    for v in values:
        yield from (_flatten(v) if isinstance(v, tuple) else (v,))


def test_what_it_does_not_handle_is_left_to_eth_abi():
    for types in (("(bytes32,uint64)[]",), ("string",), ("int64",), ("uint7",), ("bytes33",), ("uint0",),
                  ("((bool,bool),bool)",), ("uint064",)):
        assert abi_words.flat_types(types) is None, types
    assert abi_words.decode(("bool",), False, bytes(64)) is None  # one word too many


@pytest.mark.parametrize("types", [v.inputs for v in VIEWS] + [("uint8", "bytes32"), ("uint256",)], ids=str)
def test_encoding_gives_eth_abis_bytes_or_declines(types):
    rng = random.Random(str(types))
    for _ in range(300):
        args = []
        for t in types:
            if t == "bytes32":
                args.append(rng.choice([rng.randbytes(32), rng.randbytes(31), bytearray(32), "0x" + "00" * 32]))
            elif t.startswith("uint"):
                bits = int(t[4:])
                args.append(rng.choice([0, 1, (1 << bits) - 1, 1 << bits, -1, rng.getrandbits(bits), True, 2.0]))
            else:
                args.append(rng.choice(["0x" + "11" * 20, rng.randbytes(20)]))
        fast = abi_words.encode(types, tuple(args))
        if fast is not None:
            assert fast == abi_encode(types, args)
    assert abi_words.encode(("bytes32", "uint64"), (bytes(32), -1)) is None  # eth_abi raises its own error
    assert abi_words.encode(("bytes32", "uint64"), (bytes(32), True)) is None
