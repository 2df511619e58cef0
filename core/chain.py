"""Read-only client of the CredentialRegistry contract, shared by the registry and the verifier.

This is the one module of ``core`` that talks to the outside world (a chain node over
JSON-RPC). It only reads: nothing here holds a key. The verifier trusts what this returns
because it comes from the chain, never from the registry's database.

The views the verifier asks for on every upload (``credentialStatus``, ``isCertificateValid``)
go through :class:`JsonRpc`, a keep-alive HTTP connection per thread, and ``eth_abi``: web3.py
asks the node for its chain id before calls and adds about 20 times the node's own
``eth_call`` time. The web3 connection stays for the registry's transactions and logs.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from web3 import Web3
from web3.exceptions import Web3Exception
from web3.middleware import ExtraDataToPOAMiddleware

from core import abi_words
from core.errors import ChainError, ConfigurationError
from core.hashes import Hash32, keccak256

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
    cancelled: bool = False  # the revocation is a cancellation (hủy bỏ)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


@lru_cache(maxsize=1024)
def _checksummed(address: str) -> str:
    """EIP-55 form of an address (a keccak each time; a school's few accounts come back on every upload)."""
    return Web3.to_checksum_address(address)


def _convert(value: Any, abi_type: str = "") -> Any:
    if abi_type == "address":
        return _checksummed(value)  # as web3.py returned it
    return Hash32(value) if isinstance(value, bytes) and len(value) == 32 else value


def _timeout_of(w3: Web3) -> float:
    return float(getattr(w3.provider, "_request_kwargs", {}).get("timeout", 10.0))


def connect(rpc_url: str, *, poa: bool = False, timeout: float = 10.0) -> Web3:
    """A web3 connection; Besu/QBFT and Clique headers need the PoA middleware."""
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    if poa:
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3


def _abi_type(param: dict[str, Any]) -> str:
    """``uint64``, or ``(bool,bytes32,...)`` for a struct (ABI JSON -> eth_abi type string)."""
    if param["type"].startswith("tuple"):
        return "(" + ",".join(map(_abi_type, param["components"])) + ")" + param["type"][len("tuple"):]
    return param["type"]


@dataclass(frozen=True)
class _View:
    """One view function of the contract: its selector and its argument and result types."""

    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    abi: dict[str, Any]
    words: tuple[tuple[str, ...], bool] | None  # the results' word types (core.abi_words), if plain

    @classmethod
    def of(cls, abi: dict[str, Any]) -> "_View":
        inputs = tuple(_abi_type(p) for p in abi["inputs"])
        selector = bytes(keccak256(f"{abi['name']}({','.join(inputs)})".encode()))[:4]
        outputs = tuple(_abi_type(p) for p in abi["outputs"])
        return cls(abi["name"], selector, inputs, outputs, abi, abi_words.flat_types(outputs))


class JsonRpc:
    """A JSON-RPC 2.0 client keeping one HTTP/1.1 connection alive per thread.

    The standard library's ``http.client`` costs about 0.13 ms of CPU per call here, httpx
    about 0.5 ms, web3.py several times more. A connection the node has closed meanwhile is
    reopened once (every request sent here is a read).
    """

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"rpc_url {url!r} is not an http(s) URL")
        self.url, self.timeout = url, timeout
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._local = threading.local()
        self._ids = itertools.count(1)

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            connection = self._local.connection = kind(self._host, self._port, timeout=self.timeout)
        return connection

    def _post(self, body: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            connection = self._connection()
            reused = connection.sock is not None
            try:
                connection.request("POST", self._path, body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                connection.close()
                self._local.connection = None
                if attempt == 2 or not reused:
                    raise
        raise AssertionError("unreachable")

    def _exchange(self, payload: Any, what: str) -> Any:
        """The node's parsed answer to ``payload``; ChainError on no answer, an HTTP error or not JSON."""
        try:
            status, raw = self._post(json.dumps(payload).encode())
            if status != 200:
                raise ValueError(f"HTTP {status}")
            return json.loads(raw)
        except (http.client.HTTPException, OSError, ValueError) as e:  # refused, timed out, not JSON
            raise ChainError(f"the chain node at {self.url} did not answer {what}: {e}") from e

    def _result(self, answer: Any, what: str) -> Any:
        if not isinstance(answer, dict) or "error" in answer or "result" not in answer:
            error = answer.get("error") if isinstance(answer, dict) else answer
            raise ChainError(f"the chain node at {self.url} refused {what}: {error}")
        return answer["result"]

    def request(self, method: str, params: list[Any], *, what: str | None = None) -> Any:
        """The ``result`` of ``method``; raises ChainError on no answer, an HTTP error or an error answer.

        ``what`` names the request in error messages (default: the method).
        """
        what = what or method
        answer = self._exchange({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}, what)
        return self._result(answer, what)

    def batch(self, calls: Sequence[tuple[str, list[Any], str]]) -> list[Reply]:
        """Several requests ``(method, params, what)`` in one HTTP round trip (a JSON-RPC batch:
        anvil, Besu and geth take them); one :class:`Reply` per call, in order.

        Each reply holds what :meth:`request` would have returned or raised for that call alone:
        an error answer to one item is that item's ChainError, the others keep their results. No
        connection (refused, timed out) raises ChainError at once, naming the first call. A node
        that answers the batch with an HTTP error or anything but a list (it takes no batches, or
        not that many: Besu's ``--rpc-http-max-batch-size``) is asked each call on its own.
        """
        if len(calls) <= 1:
            return [_reply(lambda c=c: self.request(c[0], c[1], what=c[2])) for c in calls]
        items = [{"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
                 for method, params, _what in calls]
        try:
            answer = self._exchange(items, calls[0][2])
        except ChainError as e:
            if not isinstance(e.__cause__, ValueError):  # no answer at all
                raise
            answer = None  # an HTTP error or not JSON: perhaps no batches here
        if not isinstance(answer, list):
            return [_reply(lambda c=c: self.request(c[0], c[1], what=c[2])) for c in calls]
        by_id = {a.get("id"): a for a in answer if isinstance(a, dict)}
        missing = {"message": "no answer to this request in the batch"}
        return [_reply(lambda i=i, c=c: self._result(by_id.get(i["id"], {"error": missing}), c[2]))
                for i, c in zip(items, calls)]


class Reply:
    """One call's answer in a batch: its value, or the error the call alone would have raised
    (raised by :meth:`value`, so that a caller that never needs the answer never sees it)."""

    __slots__ = ("_value", "_error")

    def __init__(self, value: Any = None, error: Exception | None = None) -> None:
        self._value, self._error = value, error

    @property
    def ok(self) -> bool:
        return self._error is None

    def value(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._value

    def then(self, decode: Callable[[Any], Any]) -> "Reply":
        """The reply with ``decode`` applied to its value (an error stays, or is ``decode``'s)."""
        return _reply(lambda: decode(self._value)) if self.ok else self


def _reply(compute: Callable[[], Any]) -> Reply:
    try:
        return Reply(compute())
    except Exception as e:  # noqa: BLE001 - kept for Reply.value(), raised there unchanged
        return Reply(error=e)


class RegistryReader:
    """Views of one deployed CredentialRegistry.

    ``w3`` stays available for the registry's transactions (``registry.chain``); the views
    are read with :class:`JsonRpc` from the same node.
    """

    def __init__(self, w3: Web3, address: str) -> None:
        if not address:
            raise ConfigurationError("no contract address configured (contract_address)")
        if not Web3.is_address(address):
            raise ConfigurationError(f"contract_address {address!r} is not an address")
        self.w3 = w3
        self.address = Web3.to_checksum_address(address)
        self.contract = w3.eth.contract(address=self.address, abi=artifact()["abi"])
        self.rpc = JsonRpc(w3.provider.endpoint_uri, timeout=_timeout_of(w3))
        self._views = {i["name"]: _View.of(i) for i in artifact()["abi"]
                       if i.get("type") == "function" and i.get("stateMutability") in ("view", "pure")}
        #: (field name in snake case, ABI type) of each view returning one struct
        self._fields = {name: [(_snake(o["name"]), o["type"]) for o in view.abi["outputs"][0]["components"]]
                        for name, view in self._views.items()
                        if len(view.abi["outputs"]) == 1 and "components" in view.abi["outputs"][0]}

    @classmethod
    def from_settings(cls, settings: Any) -> "RegistryReader":
        return cls(connect(settings.rpc_url, poa=settings.poa), settings.contract_address)

    def _request(self, fn: str, *args: Any) -> tuple[str, list[Any], str]:
        """The ``eth_call`` of view ``fn`` at the latest block, as (method, params, name)."""
        view = self._views[fn]
        words = abi_words.encode(view.inputs, args)  # None: not a plain case, eth_abi's answer
        data = view.selector + (words if words is not None else abi_encode(view.inputs, args))
        return "eth_call", [{"to": self.address, "data": "0x" + data.hex()}, "latest"], fn

    def _decode(self, fn: str, result: Any) -> tuple:
        try:
            raw = bytes.fromhex(result[2:] if isinstance(result, str) and result.startswith("0x") else "?")
            view = self._views[fn]
            fast = abi_words.decode(*view.words, raw) if view.words else None  # None: eth_abi decides
            return fast if fast is not None else abi_decode(view.outputs, raw)
        except (ValueError, DecodingError) as e:  # no contract there (empty answer), or not this contract
            raise ChainError(f"the chain node at {self.rpc.url} gave an unreadable answer to {fn}: {e}") from e

    def _call(self, fn: str, *args: Any) -> tuple:
        """``eth_call`` of view ``fn`` at the latest block, decoded to a tuple of its results."""
        method, params, what = self._request(fn, *args)
        return self._decode(fn, self.rpc.request(method, params, what=what))

    def _struct(self, fn: str, result: tuple, cls: type) -> Any:
        fields = self._fields[fn]
        return cls(**{name: _convert(v, abi_type) for (name, abi_type), v in zip(fields, result[0])})

    def credential_status(self, root: Hash32, leaf: Hash32) -> LeafStatus:
        return self._struct("credentialStatus", self._call("credentialStatus", bytes(root), bytes(leaf)), LeafStatus)

    def is_certificate_valid(self, issuer_id: Hash32, fingerprint: Hash32, at: int) -> bool:
        return bool(self._call("isCertificateValid", bytes(issuer_id), bytes(fingerprint), at)[0])

    def status_with_certificates(self, root: Hash32, leaf: Hash32,
                                 certificates: Sequence[tuple[Hash32, Hash32, int]]) -> tuple[LeafStatus, list[Reply]]:
        """:meth:`credential_status` and :meth:`is_certificate_valid` of each ``(issuer_id,
        fingerprint, at)``, in one round trip to the node (:meth:`JsonRpc.batch`).

        The status is returned (or its error raised) as :meth:`credential_status` would; each
        certificate's answer is a :class:`Reply` whose ``value()`` gives or raises what
        :meth:`is_certificate_valid` would, so a caller that turns out not to need an answer
        (the leaf is not anchored) never sees that call's error.
        """
        requests = [_reply(lambda: self._request("credentialStatus", bytes(root), bytes(leaf)))]
        requests += [_reply(lambda c=c: self._request("isCertificateValid", bytes(c[0]), bytes(c[1]), c[2]))
                     for c in certificates]  # an argument the ABI refuses is that call's error
        sent = [r.value() for r in requests[1:] if r.ok]
        replies = iter(self.rpc.batch([requests[0].value(), *sent]))
        status = next(replies).value()
        answers = [next(replies) if r.ok else r for r in requests[1:]]
        return (self._struct("credentialStatus", self._decode("credentialStatus", status), LeafStatus),
                [a.then(lambda result: bool(self._decode("isCertificateValid", result)[0])) for a in answers])

    def has_code(self) -> bool:
        try:
            return len(self.w3.eth.get_code(self.address)) > 0
        except (Web3Exception, OSError, ValueError) as e:
            raise ChainError(f"the chain node at {self.w3.provider.endpoint_uri} is unreachable: {e}") from e

    def institution(self, institution_id: Hash32) -> InstitutionRecord:
        """``institution(id)``: an authority's or a school's record (for the accreditation chain)."""
        (kind, account, parent, valid_from, valid_until, suspended, registered), = self._call(
            "institution", bytes(institution_id))  # one struct
        return InstitutionRecord(int(kind), Web3.to_checksum_address(account), Hash32(bytes(parent)), int(valid_from),
                                 int(valid_until), bool(suspended), bool(registered))

    def ministry_account(self) -> str:
        """The contract's owner: the Ministry's account, root of the accreditation chain."""
        return Web3.to_checksum_address(self._call("owner")[0])


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
