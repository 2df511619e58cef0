"""Sổ Gốc core: the credential format and everything pure the other packages share.

Nothing here touches a database, a web framework, a PDF library or the network, except
:mod:`core.chain`, the read-only chain client shared by the registry and the verifier.
"""
