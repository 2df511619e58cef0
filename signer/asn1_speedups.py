"""asn1crypto's DER encoder without its second encoding of every new value (same bytes).

Every CMS structure pyHanko builds at signing (signed attributes, ``SignerInfo``, ``SignedData``,
the time-stamp token) is new, so asn1crypto encodes it when asked for its bytes.
``Asn1Value.dump`` (asn1crypto 1.5.1) reads ``self.contents`` once for the value and a second
time for its length header; for a new (mutated) ``Sequence`` each read encodes every child
again, and each child's ``dump`` does the same: the work doubles at every level of nesting.
Profiled on a transcript's two B-T signatures, that was about 27 ms of CPU (a third of the
whole pipeline), almost all of it encoding the same bytes again.

:func:`dump` is ``Asn1Value.dump`` reading the contents once. Nothing happens between the two
reads of the original that could change them, except the switch from indefinite to definite
length (``method = 0``) of a BER value read from elsewhere: there, and whenever a re-encoding is
forced, it reads them again exactly as the original does. So the bytes are the original's for
every value (tested against the original on pyHanko's CMS output and on BER input).
"""

from __future__ import annotations

from asn1crypto import core

_original_dump = core.Asn1Value.dump


def dump(self: core.Asn1Value, force: bool = False) -> bytes:
    """``asn1crypto.core.Asn1Value.dump`` (1.5.1), the contents encoded once."""
    contents = self.contents

    # If the length is indefinite, force the re-encoding
    if self._header is not None and self._header[-1:] == b"\x80":
        force = True

    if self._header is None or force:
        if isinstance(self, core.Constructable) and self._indefinite:
            self.method = 0
            contents = self.contents  # as the original: read again after the change of method
        elif force:
            contents = self.contents

        header = core._dump_header(self.class_, self.method, self.tag, contents)

        if self.explicit is not None:
            for class_, tag in self.explicit:
                header = core._dump_header(class_, 1, tag, header + contents) + header

        self._header = header
        self._trailer = b""

    return self._header + contents + self._trailer


def install() -> None:
    """Replace ``Asn1Value.dump`` (subclasses that define their own call it through ``super``)."""
    core.Asn1Value.dump = dump


def uninstall() -> None:
    """Put asn1crypto's own ``dump`` back (tests compare the two)."""
    core.Asn1Value.dump = _original_dump
