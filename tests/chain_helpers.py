"""A real anvil with the registry deployed, for tests that talk to the chain."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path
from typing import Iterator

from core.chain import RegistryReader, connect
from registry.chain import Web3Ledger, deploy_registry
from registry.keystore import Keystore
from sogoc.devchain import Anvil
from sogoc.setup_chain import fund_dev_accounts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def registry_on_anvil(directory: Path, ministry: str, authority: str, schools: list[str]) -> Iterator[Web3Ledger]:
    """anvil on a free port, the contract deployed by ``ministry``, ``authority`` registered by it and
    ``schools`` by the authority; the ledger acts for any of them. Stopped afterwards."""
    with anvil_and_registry(directory, ministry, authority, schools) as (_anvil, ledger):
        yield ledger


@contextlib.contextmanager
def anvil_and_registry(directory: Path, ministry: str, authority: str,
                       schools: list[str]) -> Iterator[tuple[Anvil, Web3Ledger]]:
    """:func:`registry_on_anvil`, with the anvil process too (tests that stop and restart the node)."""
    port = free_port()
    anvil = Anvil(f"http://127.0.0.1:{port}", directory, 1337)
    anvil.start()
    try:
        codes = [ministry, authority, *schools]
        w3 = connect(f"http://127.0.0.1:{port}")
        keys = Keystore(directory / "keystore", "test passphrase", scrypt_n=2**10)  # cheap KDF: tests only
        keys.create_missing(codes)
        fund_dev_accounts(w3, keys, codes)
        ledger = Web3Ledger(RegistryReader(w3, deploy_registry(w3, keys[ministry]).address), keys)
        ledger.register_authority(ministry, authority)
        for school in schools:
            ledger.register_issuer(authority, school)
        yield anvil, ledger
    finally:
        anvil.stop()
