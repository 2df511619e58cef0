"""Errors of the school-side signer, each with a stable machine-readable code."""

from __future__ import annotations

from core.errors import SogocError


class SignerError(SogocError):
    """The signer could not render or sign a document.

    Codes (never change once released):

    - ``font_missing``: no DejaVu Sans TTF in ``signer/fonts/`` nor in the system font folder.
    - ``transcript_too_long``: the transcript does not fit on one A4 page.
    - ``legacy_not_rendered``: a paper diploma entered from the paper register is not rendered as a new
      diploma (it is anchored as a register entry; a certified copy is rendered from it).
    - ``pki_inconsistent``: the PKI folder holds certificates that do not chain to each other.
    - ``bad_key_file``: a PKCS#12 or key file is unreadable, or the passphrase is wrong.
    - ``unknown_role``: no signing key for that role.
    - ``no_timestamper``: neither a TSA URL nor a development PKI was given.
    - ``stamp_glyph_missing``: the signer's name or certificate issuer has a character that the
      document's fonts do not carry (outside :data:`signer.fonts.STAMP_ALPHABET`), so the stamp cannot show it.
    - ``certificate_not_valid``: a B-LT signature could not prove the signer's or the TSA's certificate
      valid at signing (revoked, expired, untrusted, or no current CRL for it).
    - ``timestamp_unavailable``: the time-stamping authority (``tsa_url``) did not answer or refused;
      nothing was signed, and a re-run signs what is left.
    - ``signing_failed``: pyHanko refused to sign (broken input PDF, ...).
    """

    code = "signer_error"
    http_status = 500
