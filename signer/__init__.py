"""The issuing side's signer: render a transcript (học bạ), a diploma (văn bằng) or a certified copy
as a PDF and sign it.

- :mod:`signer.render` — the one-page A4 PDF, QR code and embedded credential.
- :mod:`signer.render_diploma` — diplomas and certified copies, A4 landscape.
- :mod:`signer.diplomas` — issue one diploma or copy: render and sign by the authority's signer.
- :mod:`signer.sign` — PAdES signatures, homeroom teacher then principal, with RFC 3161 timestamps.
- :mod:`signer.keys` — signing keys (PKCS#12 today, PKCS#11 tokens later).
- :mod:`signer.pki` — the development PKI (Ministry root, department CA, signers, TSA).
"""
