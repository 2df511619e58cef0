"""The speed-ups give pyHanko's answers: same values, same stream positions, same errors;
and the certificate path cache never turns a refusal into trust."""

import io
from functools import partial
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import misc

from verifier import pdf_speedups
from verifier.pdf import check_signatures

#: Bytes that matter to the tokenizers, plus a few ordinary ones, so that examples hit every rule.
_SPECIAL = b"()<>[]{}/%#\\ \n\r\t\f\x00nrtbf0123456789aAfF8~\xff\xc3"
_pdf_bytes = st.lists(st.sampled_from([bytes([c]) for c in _SPECIAL]), max_size=60).map(b"".join)


def outcome(function, data: bytes):
    """(value, position) or (exception type, message) of ``function`` on a stream of ``data``."""
    stream = io.BytesIO(data)
    try:
        value = function(stream)
    except Exception as e:  # noqa: BLE001 - the error is part of what must be equal
        return type(e), str(e)
    return value, type(value), stream.tell()


def original(name):
    return getattr(pdf_speedups, name).__kwdefaults__["_fallback"]


@settings(max_examples=600, deadline=None)
@given(_pdf_bytes, _pdf_bytes)
def test_hex_strings_read_as_pyhanko_reads_them(body, rest):
    data = b"<" + body + rest
    assert outcome(pdf_speedups.read_hex_string, data) == outcome(original("read_hex_string"), data)


@settings(max_examples=600, deadline=None)
@given(_pdf_bytes, _pdf_bytes)
def test_literal_strings_read_as_pyhanko_reads_them(body, rest):
    data = b"(" + body + rest
    assert outcome(pdf_speedups.read_string_literal_bytes, data) == \
        outcome(original("read_string_literal_bytes"), data)


def test_a_literal_string_with_escapes_and_nesting_takes_the_fast_path():
    data = rb"(a\(b\) (c) \101\0121\\ \
x)tail"
    fast = outcome(pdf_speedups.read_string_literal_bytes, data)
    assert fast == outcome(original("read_string_literal_bytes"), data)
    assert fast[0] == b"a(b) (c) A\n1\\ x"


@settings(max_examples=600, deadline=None)
@given(_pdf_bytes)
def test_bare_tokens_read_as_pyhanko_reads_them(data):
    assert outcome(pdf_speedups.read_until_delimiter, data) == outcome(misc.read_until_delimiter, data)


@settings(max_examples=600, deadline=None)
@given(_pdf_bytes)
def test_names_decode_as_pyhanko_decodes_them(data):
    def decode(function):
        try:
            value = function(data)
        except Exception as e:  # noqa: BLE001
            return type(e), str(e)
        return value, type(value)

    assert decode(pdf_speedups.decode_name) == decode(original("decode_name"))


_array_bytes = st.lists(st.sampled_from([bytes([c]) for c in b"0123456789.+-,[]R /\n\r\t\f\x00\x0b%a("]),
                        max_size=40).map(b"".join)


def read_array(function, data: bytes):
    """``outcome`` of an array reader, each element with its type and container (1.0 == 1)."""
    container = object()
    result = outcome(lambda stream: function(stream, container), data)
    if isinstance(result[0], list):
        value, kind, position = result
        return [(type(x), x, x.container_ref is container) for x in value], kind, position
    return result


@settings(max_examples=1000, deadline=None)
@given(_array_bytes, _array_bytes)
def test_arrays_read_as_pyhanko_reads_them(body, rest):
    data = b"[" + body + rest
    assert read_array(pdf_speedups.read_number_array, data) == read_array(original("read_number_array"), data)


def test_a_fonts_widths_take_the_fast_path():
    data = b"[600.0977 612.793\n-3 +4 .5 0 ] /LastChar 240"
    def not_taken(*args, **kwargs):
        raise AssertionError("the fast path was not taken")

    fast = read_array(partial(pdf_speedups.read_number_array, _fallback=not_taken), data)
    assert fast == read_array(original("read_number_array"), data)
    assert [(kind.__name__, str(x)) for kind, x, _ in fast[0]] == [
        ("FloatObject", "600.0977"), ("FloatObject", "612.793"), ("NumberObject", "-3"), ("NumberObject", "4"),
        ("FloatObject", "0.5"), ("NumberObject", "0")]


def test_long_tokens_cross_the_read_ahead_block():
    digits = b"0a" * 5000
    data = b"<" + digits + b">rest"
    assert outcome(pdf_speedups.read_hex_string, data) == outcome(original("read_hex_string"), data)
    name = b"N" * 300 + b"/next"
    assert outcome(pdf_speedups.read_until_delimiter, name) == outcome(misc.read_until_delimiter, name)


# -- the certificate path cache


@pytest.fixture
def fresh_cache():
    pdf_speedups.path_cache.clear()
    yield pdf_speedups.path_cache
    pdf_speedups.path_cache.clear()


def test_a_second_document_of_the_school_reuses_the_validated_paths(signed_transcript, dev_pki, fresh_cache):
    first = check_signatures(signed_transcript.pdf, dev_pki.trust_roots())
    hits, misses = fresh_cache.hits, fresh_cache.misses
    assert misses > 0 and len(fresh_cache) > 0
    again = check_signatures(signed_transcript.pdf, dev_pki.trust_roots())
    assert again == first and all(r.ok for r in again)
    # all four chains came from the cache: both time-stamp tokens' (checked now, without revocation
    # data) and the teacher's and the principal's (checked with the CRLs the document embeds, B-LT)
    assert fresh_cache.hits - hits == 4 and fresh_cache.misses == misses


def test_after_a_cached_success_an_impostor_chain_is_still_refused(signed_transcript, dev_pki, untrusted_pki,
                                                                   fresh_cache):
    from signer.sign import make_timestamper, sign_transcript

    assert all(r.ok for r in check_signatures(signed_transcript.pdf, dev_pki.trust_roots()))
    keys = untrusted_pki.signer_key("teacher"), untrusted_pki.signer_key("principal")
    forged = sign_transcript(signed_transcript.unsigned_pdf, *keys, make_timestamper(None, untrusted_pki))
    reports = check_signatures(forged, dev_pki.trust_roots())
    assert [(r.signer_name, r.trusted, r.timestamped) for r in reports] == \
        [("Trần Thị Thu Hương", False, False), ("Nguyễn Văn Đức", False, False)]


def test_after_a_cached_success_other_trust_roots_are_another_key(signed_transcript, dev_pki, untrusted_pki,
                                                                  fresh_cache):
    assert all(r.ok for r in check_signatures(signed_transcript.pdf, dev_pki.trust_roots()))
    reports = check_signatures(signed_transcript.pdf, untrusted_pki.trust_roots())
    assert [(r.intact, r.trusted) for r in reports] == [(True, False)] * 2
    assert not any(r.trusted for r in check_signatures(signed_transcript.pdf, []))


def test_after_a_cached_success_a_signature_outside_the_validity_window_is_refused(
        signed_transcript, dev_pki, dev_keys, signing_time, fresh_cache):
    # Same school, same certificates, already validated: but time-stamped before they were issued.
    from signer.sign import make_timestamper, sign_transcript

    assert all(r.ok for r in check_signatures(signed_transcript.pdf, dev_pki.trust_roots()))
    hits = fresh_cache.hits
    early = sign_transcript(signed_transcript.unsigned_pdf, *dev_keys,
                            make_timestamper(None, dev_pki, fixed_time=signing_time - timedelta(days=60)))
    reports = check_signatures(early, dev_pki.trust_roots())
    assert [(r.intact, r.trusted, r.timestamped) for r in reports] == [(True, False, True)] * 2
    assert all("at the time of its timestamp" in r.problem for r in reports)
    assert fresh_cache.hits - hits <= 2  # only the TSA's paths (validated now) may come from the cache


def test_failures_are_never_cached(signed_transcript, dev_pki, untrusted_pki, fresh_cache):
    check_signatures(signed_transcript.pdf, untrusted_pki.trust_roots())
    assert len(fresh_cache) == 0


def test_reports_hold_plain_values_not_the_parsed_file(signed_transcript, dev_pki):
    # A pyHanko string object keeps the whole parsed PDF reachable: copying a report (as
    # dataclasses.asdict does for the JSON answer) then copied the file, 6 ms per signature.
    import copy

    for r in check_signatures(signed_transcript.pdf, dev_pki.trust_roots()):
        assert type(r.field_name) is str and type(r.signer_name) is str
        assert copy.deepcopy(r) == r


def test_a_certificate_carried_in_a_signature_never_stands_for_a_trust_root(dev_pki, dev_keys):
    # A signature may carry the root among its certificates: the cache key must still tell
    # "trusted root R" from "no root, R merely carried", or a success under R would be reused.
    from verifier.pdf import _context

    [root] = dev_pki.trust_roots()
    from verifier.pdf import _RevocationInfo

    trusting = _context([root], revinfo=_RevocationInfo())
    carrying = _context([], revinfo=_RevocationInfo())
    carrying.certificate_registry.register(root)
    signer = dev_keys[1].signer.signing_cert
    usage = "signer"
    assert pdf_speedups.path_cache.key(signer, trusting, usage) != pdf_speedups.path_cache.key(signer, carrying, usage)
