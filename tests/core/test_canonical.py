"""Canonical JSON must equal RFC 8785 and make NFC/NFD spellings of a name hash the same."""

import unicodedata

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from core.canonical import canonical_json, parse_json
from core.errors import CanonicalFormError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_equals_reference_rfc8785_on_nfc_text(value):
    def nfc(v):
        if isinstance(v, str):
            return unicodedata.normalize("NFC", v)
        if isinstance(v, list):
            return [nfc(x) for x in v]
        if isinstance(v, dict):
            return {nfc(k): nfc(x) for k, x in v.items()}
        return v

    try:
        ours = canonical_json(value)
    except CanonicalFormError:
        return  # two keys equal after NFC: refused, checked below
    assert ours == rfc8785.dumps(nfc(value))


def test_same_name_typed_nfc_or_nfd_gives_same_bytes():
    name = "Nguyễn Thị Ánh Tuyết"
    nfd = unicodedata.normalize("NFD", name)
    assert nfd != name
    assert canonical_json({"full_name": nfd}) == canonical_json({"full_name": name})
    assert canonical_json({"full_name": name}) == '{"full_name":"Nguyễn Thị Ánh Tuyết"}'.encode()


def test_keys_sorted_by_utf16_code_units():
    # U+1F600 (surrogates D83D DE00) sorts before U+FF5E in UTF-16, after it in code points.
    assert canonical_json({"\uff5e": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\uff5e":1}'.encode()


@pytest.mark.parametrize("bad", [1.5, float("nan"), 2**53, {"a": {1: 2}}, object()])
def test_values_without_canonical_form_are_refused(bad):
    with pytest.raises(CanonicalFormError):
        canonical_json(bad)


def test_keys_equal_after_nfc_are_refused():
    with pytest.raises(CanonicalFormError, match="twice"):
        canonical_json({"é": 1, "e\u0301": 2})


def test_parse_refuses_duplicate_keys_and_garbage():
    with pytest.raises(CanonicalFormError, match="twice"):
        parse_json(b'{"a":1,"a":2}')
    with pytest.raises(CanonicalFormError, match="not UTF-8"):
        parse_json(b"\xff{")
    with pytest.raises(CanonicalFormError, match="not valid JSON"):
        parse_json(b'{"a":')


@pytest.mark.parametrize("hostile", [b"[" * 200_000, b'{"a":' * 40 + b"1" + b"}" * 40])
def test_deeply_nested_json_is_refused_before_parsing(hostile):
    with pytest.raises(CanonicalFormError, match="nested deeper"):
        parse_json(hostile)


@pytest.mark.parametrize("number", [b"8.5", b"1e3", b"NaN", b"-Infinity"])
def test_parsed_floats_are_refused(number):
    with pytest.raises(CanonicalFormError, match="not an integer"):
        parse_json(b'{"score":' + number + b"}")


@settings(max_examples=300, deadline=None)
@given(json_values, st.floats())
def test_a_float_anywhere_is_refused(value, number):
    """The fast path finds floats by scanning orjson's output; nesting must not hide one."""
    for nested in ([value, number], {"a": [number, value]}, {"z": {"y": number}}, number):
        with pytest.raises(CanonicalFormError):
            canonical_json(nested)


@pytest.mark.parametrize("text", ["1:2.5", "[3.0]", "a,1e5", "-0.0", "x:-1.5e3,", "\ue000", "\U0001f600:1.5"])
def test_strings_that_look_like_floats_or_high_characters_stay_exact(text):
    for value in (text, {text: text}, [text, {"k": text}]):
        assert canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("text", [b'{"a":"x\\ud800"}', b'{"\\udfff":1}', b'["ok","\\ud83d"]'])
def test_a_lone_surrogate_has_no_canonical_form(text):
    """JSON may spell one (\\ud800); it is no character, so RFC 8785 refuses it, and so do we."""
    with pytest.raises(CanonicalFormError, match="surrogate"):
        canonical_json(parse_json(text))
