"""A small fake of the chain for unit tests of the registry (the real one is tested on anvil).

It keeps what the pipeline relies on: one anchor per root, nonces per account, a pool of
pending transactions, blocks with hashes, revocations recorded once.
"""

from __future__ import annotations

import json

from core.errors import ChainError
from core.hashes import Hash32, keccak256
from core.merkle import verify_proof
from registry.ledger import Block, Inclusion, RecordedRevocation, RecordedSupersession, SignedTransaction, TxReceipt


class FakeLedger:
    def __init__(self, *, automine: bool = True) -> None:
        self.automine = automine
        self.blocks: list[Hash32] = [keccak256(b"genesis")]
        self.pool: dict[bytes, dict] = {}
        self.mined: dict[bytes, tuple[int, bool]] = {}
        self.nonces: dict[str, int] = {}
        self.anchored: dict[bytes, tuple[str, TxReceipt]] = {}
        self.sent = 0  # anchor transactions broadcast and accepted
        self.revoked: list[tuple[str, bytes, int]] = []
        self.revocations: dict[bytes, RecordedRevocation] = {}
        self.supersessions: dict[bytes, RecordedSupersession] = {}

    # -- anchoring
    def sign_anchor(self, issuer_code, root, leaf_count, kind):
        sender = "0x" + keccak256(issuer_code.encode()).hex()[:40]
        nonce = self.nonces.get(sender, 0) + sum(1 for t in self.pool.values() if t["sender"] == sender)
        raw = json.dumps({"issuer": issuer_code, "root": bytes(root).hex(), "n": leaf_count, "kind": kind,
                          "sender": sender, "nonce": nonce}).encode()
        return SignedTransaction(keccak256(raw), sender, nonce, raw)

    def broadcast(self, raw):
        tx = json.loads(raw)
        tx_hash = bytes(keccak256(raw))
        if tx_hash in self.pool:
            return
        if tx_hash in self.mined or tx["nonce"] < self.nonces.get(tx["sender"], 0):
            raise ChainError("nonce too low", code="nonce_used")
        self.pool[tx_hash] = tx
        self.sent += 1
        if self.automine:
            self.mine()

    def mine(self) -> None:
        for tx_hash, tx in sorted(self.pool.items(), key=lambda kv: kv[1]["nonce"]):
            number = len(self.blocks)
            self.blocks.append(keccak256(b"block %d" % number))
            root = bytes.fromhex(tx["root"])
            ok = root not in self.anchored
            if ok:
                self.anchored[root] = (tx["issuer"], TxReceipt(Hash32(tx_hash), number, 1_790_000_000 + number,
                                                               self.blocks[number]))
            self.mined[tx_hash] = (number, ok)
            self.nonces[tx["sender"]] = tx["nonce"] + 1
        self.pool.clear()

    def inclusion(self, tx_hash):
        found = self.mined.get(bytes(tx_hash))
        return None if found is None else Inclusion(found[0], self.blocks[found[0]], found[1])

    def is_pending(self, tx_hash):
        return bytes(tx_hash) in self.pool

    def mined_nonce(self, account):
        return self.nonces.get(account, 0)

    def head(self):
        return len(self.blocks) - 1

    def block(self, number):
        if number >= len(self.blocks):
            return None
        return Block(number, self.blocks[number], 1_790_000_000 + number)

    def find_anchor(self, issuer_code, root):
        if bytes(root) not in self.anchored:
            return None
        owner, receipt = self.anchored[bytes(root)]
        if owner != issuer_code:
            raise ChainError("taken", code="root_taken")
        return receipt

    # -- revocation
    def find_revocation(self, root, leaf):
        return self.revocations.get(bytes(leaf))

    def revoke(self, actor_code, root, leaf, proof, reason, decision, *, cancel=False):
        assert verify_proof(root, leaf, proof)
        self.revoked.append((actor_code, leaf, reason))
        self.revocations[bytes(leaf)] = RecordedRevocation(decision, 1_790_000_100, cancel)
        return TxReceipt(keccak256(bytes(leaf)), 99, 1_790_000_100)

    # -- correction
    def find_supersession(self, root, leaf):
        return self.supersessions.get(bytes(leaf))

    def supersede(self, actor_code, root, leaf, proof, new_root, new_leaf, new_proof, decision):
        assert verify_proof(root, leaf, proof) and verify_proof(new_root, new_leaf, new_proof)
        self.supersessions[bytes(leaf)] = RecordedSupersession(new_leaf, decision)
        return TxReceipt(keccak256(b"supersede" + bytes(leaf)), 98, 1_790_000_090)
