"""The registry's writing side of the chain: deploy, set up institutions, anchor, revoke.

Transactions are signed locally with the institution's key (from a :class:`registry.keystore.Keystore`) and sent
raw over JSON-RPC, so the same code runs against anvil and a Besu QBFT network. A revert is
reported with the contract's custom error name, e.g. ``RegistryUnauthorized``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import (BlockNotFound, ContractCustomError, ContractLogicError, TimeExhausted, TransactionNotFound,
                             Web3Exception, Web3RPCError)

from core.chain import RegistryReader, artifact
from core.errors import ChainError
from core.hashes import ZERO, Hash32, institution_id
from registry.keystore import Keystore
from registry.ledger import (Block, Inclusion, RecordedRevocation, RecordedSupersession, SignedTransaction,
                            TxReceipt)


def _error_names() -> dict[str, str]:
    """4-byte selector (hex) -> custom error signature, from the ABI."""
    names = {}
    for item in artifact()["abi"]:
        if item["type"] == "error":
            sig = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            names["0x" + keccak(text=sig)[:4].hex()] = item["name"]
    return names


#: What nodes answer for a transaction they already hold (geth, Besu, anvil wordings).
KNOWN_TRANSACTION = ("already known", "known transaction", "already imported", "already exists",
                     "transaction already")
#: ... and for a nonce that a mined transaction used.
NONCE_USED = ("nonce too low", "nonce is too low", "nonce has already been used", "old nonce")


class ContractRevert(ChainError):
    """The contract refused a transaction; ``error`` is its custom error name."""

    code = "contract_revert"
    http_status = 403

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail)
        self.error = error


@dataclass(frozen=True)
class Deployment:
    """Where a CredentialRegistry lives: its address, and the block that created it (no event of
    it is older, so whoever reads its events starts there)."""

    address: str
    block: int


def deploy_registry(w3: Web3, admin: LocalAccount) -> Deployment:
    """Deploy a CredentialRegistry with ``admin`` (the Ministry) as owner."""
    art = artifact()
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    receipt = _transact(w3, admin, lambda: factory.constructor())
    return Deployment(Web3.to_checksum_address(receipt["contractAddress"]), int(receipt["blockNumber"]))


def _sign(w3: Web3, account: LocalAccount, call: Any) -> tuple[Any, int]:
    """Build (gas estimated, so a revert shows here) and sign one call with the account's next
    nonce (pending transactions included); returns the signed transaction and its nonce."""
    tx = call.build_transaction({
        "from": account.address,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "chainId": w3.eth.chain_id,
        # Legacy pricing at the node's price: 0 on anvil here and on a free-gas Besu network.
        "gasPrice": w3.eth.gas_price,
    })
    return account.sign_transaction(tx), int(tx["nonce"])


@contextlib.contextmanager
def _chain_errors(what: str) -> Iterator[None]:
    """Turn web3 and connection errors into ChainError (reverts into ContractRevert, with the error's name)."""
    try:
        yield
    except ContractCustomError as e:
        selector = str(e.data)[:10] if e.data else ""
        name = _error_names().get(selector, "unknown custom error")
        raise ContractRevert(name, f"the contract refused: {name}") from e
    except ContractLogicError as e:
        raise ContractRevert("revert", f"the contract refused: {e}") from e
    except TimeExhausted as e:
        raise ChainError(f"{what}: no receipt in time: {e}") from e
    except (Web3Exception, OSError, ValueError) as e:
        raise ChainError(f"{what}: {e}") from e


def _transact(w3: Web3, account: LocalAccount, build: Callable[[], Any], timeout: float = 60) -> Any:
    """Sign and send one transaction, wait for its receipt, turn reverts into ContractRevert."""
    with _chain_errors("the chain node did not accept the transaction"):
        signed, _nonce = _sign(w3, account, build())
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.02)
    if receipt["status"] != 1:
        raise ContractRevert("revert", f"transaction {Web3.to_hex(receipt['transactionHash'])} reverted")
    return receipt


class Web3Ledger:
    """:class:`registry.ledger.Ledger` on a real node."""

    def __init__(self, reader: RegistryReader, keyring: Keystore) -> None:
        self.reader = reader
        self.w3 = reader.w3
        self.functions = reader.contract.functions
        self.keyring = keyring

    def _send(self, code: str, build: Callable[[], Any]) -> TxReceipt:
        receipt = _transact(self.w3, self.keyring[code], build)
        block = self.w3.eth.get_block(receipt["blockNumber"])
        return TxReceipt(tx_hash=Hash32(bytes(receipt["transactionHash"])),
                         block_number=receipt["blockNumber"], block_time=block["timestamp"],
                         block_hash=Hash32(bytes(receipt["blockHash"])))

    # -- institutions (set-up acts of the Ministry and the authorities)

    def register_authority(self, ministry_code: str, code: str) -> None:
        account = self.keyring[code].address
        self._send(ministry_code, lambda: self.functions.registerAuthority(bytes(institution_id(code)), account))

    def register_issuer(self, authority_code: str, code: str, valid_from: int = 0, valid_until: int = 0) -> None:
        account = self.keyring[code].address
        self._send(authority_code, lambda: self.functions.registerIssuer(
            bytes(institution_id(code)), account, valid_from, valid_until))

    def add_certificate(self, actor_code: str, issuer_code: str, fingerprint: Hash32,
                        valid_from: int = 0, valid_until: int = 0) -> None:
        self._send(actor_code, lambda: self.functions.addCertificate(
            bytes(institution_id(issuer_code)), bytes(fingerprint), valid_from, valid_until))

    def certificates(self, issuer_code: str) -> set[Hash32]:
        """Fingerprints of every signing certificate registered for ``issuer_code`` (whatever their windows)."""
        try:
            listed = self.functions.certificates(bytes(institution_id(issuer_code))).call()
        except (Web3Exception, OSError, ValueError) as e:
            raise ChainError(f"cannot read the certificates of {issuer_code}: {e}") from e
        return {Hash32(bytes(c[0])) for c in listed}

    # -- the Ledger port

    def find_anchor(self, issuer_code: str, root: Hash32) -> TxReceipt | None:
        """The anchor of ``root`` if the chain has it, with its transaction found in the block's logs."""
        status = self.reader.credential_status(root, ZERO)
        if not status.anchored:
            return None
        if status.issuer_id != institution_id(issuer_code):
            raise ChainError(f"root {root.hex0x} was anchored by another institution than {issuer_code}",
                             code="root_taken")
        block = status.anchored_block
        try:
            logs = self.reader.contract.events.RootAnchored().get_logs(
                from_block=block, to_block=block, argument_filters={"root": bytes(root)})
        except (Web3Exception, OSError, ValueError) as e:
            raise ChainError(f"cannot read the anchor event of {root.hex0x}: {e}") from e
        tx_hash = Hash32(bytes(logs[0]["transactionHash"])) if logs else None
        found = self.block(block)
        return TxReceipt(tx_hash=tx_hash, block_number=block, block_time=status.anchored_at,
                         block_hash=found.hash if found else None)

    def find_revocation(self, root: Hash32, leaf: Hash32) -> RecordedRevocation | None:
        status = self.reader.credential_status(root, leaf)
        return RecordedRevocation(status.revocation_decision, status.revoked_at, status.cancelled) \
            if status.revoked else None

    def find_supersession(self, root: Hash32, leaf: Hash32) -> RecordedSupersession | None:
        status = self.reader.credential_status(root, leaf)
        return RecordedSupersession(status.superseded_by, status.supersede_decision) if status.superseded_at else None

    def anchor(self, issuer_code: str, root: Hash32, leaf_count: int, kind: int) -> TxReceipt:
        """Anchor directly and wait for the receipt: an act on the contract outside the registry's
        pipeline (tests, benchmarks). The registry anchors through :mod:`registry.anchoring`."""
        return self._send(issuer_code, lambda: self.functions.anchor(bytes(root), leaf_count, kind))

    # -- the steps of durable anchoring (registry.anchoring stores what each returns)

    def sign_anchor(self, issuer_code: str, root: Hash32, leaf_count: int, kind: int) -> SignedTransaction:
        account = self.keyring[issuer_code]
        with _chain_errors("cannot build the anchor transaction"):
            signed, nonce = _sign(self.w3, account, self.functions.anchor(bytes(root), leaf_count, kind))
        return SignedTransaction(Hash32(bytes(signed.hash)), account.address, nonce, bytes(signed.raw_transaction))

    def broadcast(self, raw: bytes) -> None:
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Web3RPCError as e:
            message = str(e).lower()
            if any(known in message for known in KNOWN_TRANSACTION):
                return  # the node has exactly these bytes already
            if any(low in message for low in NONCE_USED):
                raise ChainError(f"the node refused the transaction: {e}", code="nonce_used") from e
            raise ChainError(f"the node refused the transaction: {e}") from e
        except (Web3Exception, OSError, ValueError) as e:
            raise ChainError(f"the chain node did not take the transaction: {e}") from e

    def inclusion(self, tx_hash: Hash32) -> Inclusion | None:
        with _chain_errors("cannot read a transaction receipt"):
            try:
                receipt = self.w3.eth.get_transaction_receipt(bytes(tx_hash))
            except TransactionNotFound:
                return None
        if receipt is None or receipt.get("blockNumber") is None:
            return None
        return Inclusion(int(receipt["blockNumber"]), Hash32(bytes(receipt["blockHash"])), receipt["status"] == 1)

    def is_pending(self, tx_hash: Hash32) -> bool:
        with _chain_errors("cannot read a transaction"):
            try:
                tx = self.w3.eth.get_transaction(bytes(tx_hash))
            except TransactionNotFound:
                return False
        return tx is not None and tx.get("blockNumber") is None

    def mined_nonce(self, account: str) -> int:
        with _chain_errors("cannot read an account's nonce"):
            return int(self.w3.eth.get_transaction_count(Web3.to_checksum_address(account), "latest"))

    def head(self) -> int:
        with _chain_errors("cannot read the latest block"):
            return int(self.w3.eth.block_number)

    def block(self, number: int) -> Block | None:
        with _chain_errors(f"cannot read block {number}"):
            try:
                found = self.w3.eth.get_block(number)
            except BlockNotFound:
                return None
        return None if found is None else Block(number, Hash32(bytes(found["hash"])), int(found["timestamp"]))

    def revoke(self, actor_code: str, root: Hash32, leaf: Hash32, proof: Sequence[Hash32],
               reason: int, decision: Hash32, *, cancel: bool = False) -> TxReceipt:
        function = self.functions.cancel if cancel else self.functions.revoke
        return self._send(actor_code, lambda: function(
            bytes(root), bytes(leaf), [bytes(p) for p in proof], reason, bytes(decision)))

    def supersede(self, actor_code: str, root: Hash32, leaf: Hash32, proof: Sequence[Hash32], new_root: Hash32,
                  new_leaf: Hash32, new_proof: Sequence[Hash32], decision: Hash32) -> TxReceipt:
        return self._send(actor_code, lambda: self.functions.supersede(
            bytes(root), bytes(leaf), [bytes(p) for p in proof], bytes(new_root), bytes(new_leaf),
            [bytes(p) for p in new_proof], bytes(decision)))
