"""signer.qr_speedups: segno's mask penalties and masking, row by row, give segno's QR codes."""

import random

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st
from segno import encoder

from signer import qr_speedups


def _segno(function, *args):
    qr_speedups.uninstall()
    try:
        return function(*args)
    finally:
        qr_speedups.install()


def test_rendering_installs_them():
    import signer.render  # noqa: F401

    assert encoder.mask_scores is qr_speedups.mask_scores and encoder.apply_mask is qr_speedups.apply_mask


@pytest.mark.parametrize("size", [21, 25, 37, 57, 177])
@pytest.mark.parametrize("dark", [0.05, 0.5, 0.9])
def test_penalties_of_random_matrices_are_segnos(size, dark):
    rng = random.Random(size * 1000 + int(dark * 100))
    for _ in range(20 if size < 100 else 3):
        matrix = tuple(bytearray(1 if rng.random() < dark else 0 for _ in range(size)) for _ in range(size))
        assert qr_speedups.mask_scores(matrix, size, size) == _segno(encoder.mask_scores, matrix, size, size)


def test_a_matrix_with_unset_modules_goes_to_segno():
    matrix = tuple(bytearray([2] * 21) for _ in range(21))
    assert qr_speedups.mask_scores(matrix, 21, 21) == _segno(encoder.mask_scores, matrix, 21, 21)


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=300), st.sampled_from("lmqh"))
def test_whole_symbols_are_segnos(data, error):
    """The same mask chosen and the same modules, for any text and error correction level."""
    ours = segno.make(data, error=error, micro=False, boost_error=False)
    theirs = _segno(lambda: segno.make(data, error=error, micro=False, boost_error=False))
    assert (ours.mask, ours.version, ours.matrix) == (theirs.mask, theirs.version, theirs.matrix)


def test_a_transcripts_url_is_segnos():
    url = "https://xacthuc.sogd.hcm.edu.vn/v/" + "ABCDEFGHJKMNPQRSTVWXYZ0123456789" * 2
    for _ in range(3):  # the second time, the mask rows are the remembered ones
        ours = segno.make(url, error="m", micro=False)
        theirs = _segno(lambda: segno.make(url, error="m", micro=False))
        assert (ours.mask, ours.matrix) == (theirs.mask, theirs.matrix)
