"""Read-only client of the CredentialRegistry contract, shared by the registry and the verifier.

This is the one module of ``core`` that talks to the outside world (a chain node over
JSON-RPC, through web3.py). It only reads: nothing here holds a key. The verifier trusts
what this returns because it comes from the chain, never from the registry's database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.exceptions import Web3Exception
from web3.middleware import ExtraDataToPOAMiddleware

from core.errors import ChainError, ConfigurationError
from core.hashes import Hash32

ARTIFACT = Path(__file__).parent / "abi" / "CredentialRegistry.json"


@cache
def artifact() -> dict[str, Any]:
    """The compiled contract (ABI and bytecode), built from contracts/ by ``make``."""
    try:
        return json.loads(ARTIFACT.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"{ARTIFACT} is missing: build the contracts first (make contracts)") from None


@dataclass(frozen=True)
class LeafStatus:
    """What the chain says about one leaf of one root (``credentialStatus``)."""

    anchored: bool
    issuer_id: Hash32
    authority_id: Hash32
    issuer_account: str
    issuer_suspended: bool
    anchored_at: int  # unix seconds of the anchoring block
    anchored_block: int
    kind: int
    leaf_count: int
    revoked: bool
    revocation_reason: int
    revocation_decision: Hash32
    revoked_at: int
    revoked_by: Hash32
    superseded_by: Hash32
    superseded_in_root: Hash32
    supersede_decision: Hash32
    superseded_at: int
    superseded_by_institution: Hash32


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _convert(value: Any) -> Any:
    return Hash32(value) if isinstance(value, bytes) and len(value) == 32 else value


def connect(rpc_url: str, *, poa: bool = False, timeout: float = 10.0) -> Web3:
    """A web3 connection; Besu/QBFT and Clique headers need the PoA middleware."""
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    if poa:
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3


class RegistryReader:
    """Views of one deployed CredentialRegistry."""

    def __init__(self, w3: Web3, address: str) -> None:
        if not address:
            raise ConfigurationError("no contract address configured (contract_address)")
        if not Web3.is_address(address):
            raise ConfigurationError(f"contract_address {address!r} is not an address")
        self.w3 = w3
        self.address = Web3.to_checksum_address(address)
        self.contract = w3.eth.contract(address=self.address, abi=artifact()["abi"])

    @classmethod
    def from_settings(cls, settings: Any) -> "RegistryReader":
        return cls(connect(settings.rpc_url, poa=settings.poa), settings.contract_address)

    def _call(self, fn: str, *args: Any) -> Any:
        try:
            return getattr(self.contract.functions, fn)(*args).call()
        except (Web3Exception, OSError, ValueError) as e:  # connection refused, timeouts, bad answers
            raise ChainError(f"the chain node at {self.w3.provider.endpoint_uri} did not answer {fn}: {e}") from e

    def _struct(self, fn: str, result: tuple, cls: type) -> Any:
        outputs = next(i for i in self.contract.abi if i.get("name") == fn)["outputs"][0]["components"]
        return cls(**{_snake(o["name"]): _convert(v) for o, v in zip(outputs, result)})

    def credential_status(self, root: Hash32, leaf: Hash32) -> LeafStatus:
        return self._struct("credentialStatus", self._call("credentialStatus", bytes(root), bytes(leaf)), LeafStatus)

    def is_certificate_valid(self, issuer_id: Hash32, fingerprint: Hash32, at: int) -> bool:
        return bool(self._call("isCertificateValid", bytes(issuer_id), bytes(fingerprint), at))

    def has_code(self) -> bool:
        try:
            return len(self.w3.eth.get_code(self.address)) > 0
        except (Web3Exception, OSError, ValueError) as e:
            raise ChainError(f"the chain node at {self.w3.provider.endpoint_uri} is unreachable: {e}") from e

    def institution(self, institution_id: Hash32) -> InstitutionRecord:
        """``institution(id)``: an authority's or a school's record (for the accreditation chain)."""
        kind, account, parent, valid_from, valid_until, suspended, registered = self._call(
            "institution", bytes(institution_id))
        return InstitutionRecord(int(kind), str(account), Hash32(bytes(parent)), int(valid_from),
                                 int(valid_until), bool(suspended), bool(registered))

    def ministry_account(self) -> str:
        """The contract's owner: the Ministry's account, root of the accreditation chain."""
        return str(self._call("owner"))


# -- the accreditation chain (Ministry -> authority -> school)


@dataclass(frozen=True)
class InstitutionRecord:
    """An institution as the contract holds it (``institution(id)``): who may act for it, under
    which parent, and the period in which it may anchor."""

    kind: int  # 0 not registered, 1 authority (Sở/Phòng GD&ĐT), 2 issuer (school)
    account: str
    parent: Hash32  # the authority of an issuer; zero (the Ministry) for an authority
    valid_from: int  # unix seconds, inclusive
    valid_until: int  # unix seconds, inclusive; 0 = open-ended
    suspended: bool  # now, not at any earlier time
    registered: bool

    def valid_at(self, when: int) -> bool:
        """Registered with a period that contains ``when`` (suspension is a separate, present fact)."""
        return self.registered and self.valid_from <= when and (self.valid_until == 0 or when <= self.valid_until)
