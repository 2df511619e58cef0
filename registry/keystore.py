"""The chain accounts' keys, in an encrypted keystore: one Web3 Secret Storage file per institution.

Each key is encrypted with scrypt and AES-128-CTR (``eth_account.Account.encrypt``, the format of
geth and Besu keystores), so the files are safe to back up and useless without the passphrase.
The passphrase comes from the caller (:func:`passphrase`): the environment or a prompt, never a
file, never a log line. A key is decrypted on first use and kept in memory for the process's life.

WARNING: a process that holds decrypted keys can sign for every institution in its keystore; an
external signer (an HSM, web3signer) would keep them out of the registry's memory altogether.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from pathlib import Path
from typing import Callable, Iterable, Mapping

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from core.errors import ConfigurationError

PASSPHRASE_VARIABLE = "SOGOC_KEYSTORE_PASSPHRASE"
#: The development passphrase: not a secret. It protects the development chain's keys, which
#: protect nothing; a production registry refuses it (:func:`passphrase`).
DEVELOPMENT_PASSPHRASE = "sogoc-development-only"
#: scrypt's cost (N) for new keys: eth_account's own default, about 0.7 s and 256 MiB per key here.
STRONG_SCRYPT_N = 2**18
#: In development (the demo, tests): about 45 ms a key, so `make run` stays quick.
DEVELOPMENT_SCRYPT_N = 2**14
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class KeystoreError(ConfigurationError):
    code = "keystore"


def passphrase(environment: str, environ: Mapping[str, str] | None = None,
               prompt: Callable[[str], str] | None = None) -> str:
    """The keystore's passphrase: ``$SOGOC_KEYSTORE_PASSPHRASE``; else, in development, the
    development passphrase (so that ``make run`` asks nothing); else a prompt on a terminal."""
    environ = os.environ if environ is None else environ
    given = environ.get(PASSPHRASE_VARIABLE)
    if given is None and environment == "development":
        return DEVELOPMENT_PASSPHRASE
    if given is None:
        if prompt is None and not sys.stdin.isatty():
            raise KeystoreError(f"the keystore is locked: set {PASSPHRASE_VARIABLE} or run on a terminal",
                                code="keystore_locked")
        given = (prompt or getpass.getpass)("Passphrase of the chain keystore: ")
    if environment != "development" and given == DEVELOPMENT_PASSPHRASE:
        raise KeystoreError("the development passphrase is refused outside development", code="weak_passphrase")
    if not given:
        raise KeystoreError("the keystore passphrase is empty", code="weak_passphrase")
    return given


def scrypt_n(environment: str, configured: int) -> int:
    """The scrypt cost for new keys: the configured one, else the environment's default.
    Production refuses anything weaker than :data:`DEVELOPMENT_SCRYPT_N`."""
    n = configured or (DEVELOPMENT_SCRYPT_N if environment == "development" else STRONG_SCRYPT_N)
    if n < 2 or n & (n - 1):
        raise KeystoreError(f"keystore_scrypt_n must be a power of two, not {n}")
    if environment != "development" and n < DEVELOPMENT_SCRYPT_N:
        raise KeystoreError(f"keystore_scrypt_n {n} is too weak for production (at least {DEVELOPMENT_SCRYPT_N})")
    return n


class Keystore:
    """Chain accounts of the institutions this registry acts for, by institution code.

    ``keystore[code]`` is the decrypted account (what :class:`registry.chain.Web3Ledger` signs
    with); :meth:`address` reads an account's address without decrypting anything.
    """

    def __init__(self, directory: Path, passphrase: str, *, scrypt_n: int = STRONG_SCRYPT_N) -> None:
        self.directory = Path(directory)
        self._passphrase = passphrase
        self._scrypt_n = scrypt_n
        self._accounts: dict[str, LocalAccount] = {}

    def __repr__(self) -> str:  # never the passphrase
        return f"Keystore({str(self.directory)!r})"

    def _path(self, code: str) -> Path:
        if not _CODE.fullmatch(code):
            raise KeystoreError(f"{code!r} is not an institution code")
        return self.directory / f"{code}.json"

    def codes(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.json")) if self.directory.is_dir() else []

    def __contains__(self, code: str) -> bool:
        return self._path(code).is_file()

    def create(self, code: str, private_key: bytes | None = None) -> str:
        """Encrypt a new key (or ``private_key``) for ``code``; refuses to replace one. Returns its address."""
        path = self._path(code)
        if path.exists():
            raise KeystoreError(f"the keystore already holds a key for {code}", code="key_exists")
        account = Account.from_key(private_key) if private_key is not None else Account.create()
        encrypted = Account.encrypt(account.key, self._passphrase, kdf="scrypt", iterations=self._scrypt_n)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_suffix(".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(encrypted, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
        self._accounts[code] = account
        return account.address

    def create_missing(self, codes: Iterable[str]) -> None:
        for code in codes:
            if code not in self:
                self.create(code)

    def _file(self, code: str) -> dict:
        try:
            return json.loads(self._path(code).read_text("utf-8"))
        except FileNotFoundError:
            raise KeystoreError(f"no chain key for institution {code!r} in {self.directory}",
                                code="no_chain_key") from None
        except (OSError, ValueError) as e:
            raise KeystoreError(f"the keystore file of {code} cannot be read: {e}") from e

    def address(self, code: str) -> str:
        """The account's address, as the file states it (no decryption)."""
        if code in self._accounts:
            return self._accounts[code].address
        return to_checksum_address("0x" + str(self._file(code)["address"]).removeprefix("0x"))

    def __getitem__(self, code: str) -> LocalAccount:
        account = self._accounts.get(code)
        if account is None:
            try:
                key = Account.decrypt(self._file(code), self._passphrase)
            except ValueError:
                raise KeystoreError(f"wrong passphrase for the keystore file of {code}",
                                    code="wrong_passphrase") from None
            account = self._accounts[code] = Account.from_key(key)
        return account
