"""segno's choice of a QR code's mask, computed row by row instead of module by module (same code).

ISO/IEC 18004 has the encoder try the eight data masks and keep the one whose symbol scores
the lowest penalty. segno (1.6) does it in pure Python one module at a time: XOR-ing each
module with a mask function called per module, then walking the symbol for the penalties.
For the 37 x 37 symbol of a transcript's URL that was about 5 ms of a transcript's 35.

Both functions below give segno's answer for every matrix (tested against segno on random
matrices and whole symbols):

- :func:`apply_mask` XORs each row at once with the mask's row over the encoding region,
  both read as integers (one byte per module). The rows are computed from the same mask
  function and region test segno passes, once per distinct (mask, region): a pure function of
  the symbol's size, the same for every document.
- :func:`mask_scores` counts the same four penalties: runs of five or more modules of one colour
  in rows and columns (N1), 2 x 2 blocks of one colour (N2, with integer bit operations over
  two rows), the finder-like pattern with its light area (N3, segno's own search, on the same
  rows and columns) and the proportion of dark modules (N4). A matrix holding anything but
  0 and 1 goes to segno's function.
"""

from __future__ import annotations

import re
from typing import Callable

from segno import encoder

_original = {"apply_mask": encoder.apply_mask, "mask_scores": encoder.mask_scores}
_RUN = re.compile(rb"\x00{5,}|\x01{5,}")
_N3_PATTERN = bytes((0x1, 0x0, 0x1, 0x1, 0x1, 0x0, 0x1))
_mask_rows: dict[tuple, tuple[int, ...]] = {}


def apply_mask(matrix, mask_pattern: Callable[[int, int], bool], width: int, height: int,
               is_encoding_region: Callable[[int, int], bool]) -> None:
    """``segno.encoder.apply_mask``: ``matrix[i][j] ^= mask_pattern(i, j)`` over the encoding region."""
    key = _key(mask_pattern, width, height, is_encoding_region)
    rows = _mask_rows.get(key) if key is not None else None
    if rows is None:
        rows = tuple(int.from_bytes(bytes(1 if is_encoding_region(i, j) and mask_pattern(i, j) else 0
                                          for j in range(width)), "big") for i in range(height))
        if key is not None:
            if len(_mask_rows) > 256:
                _mask_rows.clear()
            _mask_rows[key] = rows
    for i in range(height):
        row = matrix[i]
        row[:] = (int.from_bytes(row, "big") ^ rows[i]).to_bytes(width, "big")


def _key(mask_pattern, width: int, height: int, is_encoding_region) -> tuple | None:
    """What the mask's rows depend on: the mask function's code (segno defines the eight anew at
    each call, without closures) and the function-pattern matrix segno's region test reads
    (its one closure variable). None (nothing remembered) for functions of any other shape."""
    region = is_encoding_region.__closure__
    if mask_pattern.__closure__ is not None or region is None or len(region) != 1:
        return None
    function_matrix = region[0].cell_contents
    if not isinstance(function_matrix, (list, tuple)) or \
            not all(isinstance(row, (bytes, bytearray)) for row in function_matrix):
        return None
    return mask_pattern.__code__, width, height, b"".join(function_matrix)


def mask_scores(matrix, width: int, height: int) -> tuple[int, int, int, int]:
    """``segno.encoder.mask_scores``: the penalties (N1, N2, N3, N4) of a masked QR Code matrix."""
    rows = [bytes(row) for row in matrix]
    if width != height or any(row.translate(None, b"\x00\x01") for row in rows):
        return _original["mask_scores"](matrix, width, height)
    size = width
    columns = [bytes(column) for column in zip(*rows)]
    n1 = sum(len(run) - 2 for line in (*rows, *columns) for run in _RUN.findall(line))
    n2, above, all_but_first = 0, None, (1 << 8 * (size - 1)) - 1
    for row in rows:
        value = int.from_bytes(row, "big")
        if above is not None:
            vertical = value ^ above  # a 1 byte where the module differs from the one above
            differs = (vertical | vertical >> 8 | value ^ value >> 8) & all_but_first
            n2 += 3 * (size - 1 - differs.bit_count())
        above = value
    n3 = sum(_n3_occurrences(line, size) for line in (*rows, *columns))
    dark = sum(row.count(1) for row in rows)
    n4 = 10 * int(abs(float(dark) / (size ** 2) * 100 - 50) / 5)
    return n1, n2, n3, n4


def _n3_occurrences(seq: bytes, qr_size: int) -> int:
    """segno's ``n3_pattern_occurrences`` (inside its ``mask_scores``), unchanged."""
    count = 0
    idx = seq.find(_N3_PATTERN)
    while idx != -1:
        offset = idx + 7
        if idx in (0, qr_size - 7) \
                or not any(seq[max(idx - 4, 0):min(idx, qr_size)]) \
                or not any(seq[max(offset, 0):min(offset + 4, qr_size)]):
            count += 40
        else:
            offset = idx + 4
        idx = seq.find(_N3_PATTERN, offset)
    return count


def install() -> None:
    """Put these in place of segno's (its mask search looks both up at each call)."""
    encoder.apply_mask = apply_mask
    encoder.mask_scores = mask_scores


def uninstall() -> None:
    """segno's own functions back (tests compare the two)."""
    encoder.apply_mask = _original["apply_mask"]
    encoder.mask_scores = _original["mask_scores"]
