"""Benchmark: documents batched per second in ``core``, and a 1,000,000-leaf tree with every proof.

Batching a document = a new credential (random id and salt, NFC normalisation and every check
of the canonical form), its canonical JSON, data hash and Merkle leaf, then the batch's tree
and every proof. The baseline does the same work the straightforward way, in the same process: the
reference ``rfc8785`` serialiser and eth-hash's default keccak (pycryptodome).

    .venv/bin/python bench/core_batching.py [--docs 20000] [--leaves 1000000]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import time
from pathlib import Path

import rfc8785
from Crypto.Hash import keccak as pycryptodome_keccak

from core.credential import Credential
from core.hashes import Hash32, sha256
from core.merkle import MerkleTree, leaf_hash
from core.status import DocumentKind
from core.transcript import cohort_from_json

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demo-transcripts.json"


def fields_pool(n: int) -> list[dict]:
    base = [t.to_fields() for t in cohort_from_json(json.loads(EXAMPLE.read_text("utf-8")))]
    pool = []
    for i in range(n):
        fields = json.loads(json.dumps(base[i % len(base)]))
        fields["student"]["personal_id"] = f"{79_000_000_000 + i:012d}"
        pool.append(fields)
    return pool


def batch_ours(pool: list[dict], pdf_hashes: list[Hash32]) -> bytes:
    leaves = []
    for fields, pdf_hash in zip(pool, pdf_hashes):
        credential = Credential.new(DocumentKind.TRANSCRIPT, "THPT-79-NTMK", "2026-06-05", fields)
        leaves.append(credential.leaf(pdf_hash))
    tree = MerkleTree.build(leaves)
    proofs = tree.all_proofs()
    assert len(proofs) == len(pool)
    return tree.root


def _keccak_slow(data: bytes) -> bytes:
    return pycryptodome_keccak.new(digest_bits=256, data=data).digest()


def batch_baseline(pool: list[dict], pdf_hashes: list[Hash32]) -> bytes:
    """Same work with rfc8785 (pure Python) and pycryptodome keccak, proofs walked per leaf."""
    import hashlib
    import secrets
    import unicodedata

    def nfc(v):
        if isinstance(v, str):
            return unicodedata.normalize("NFC", v)
        if isinstance(v, list):
            return [nfc(x) for x in v]
        if isinstance(v, dict):
            return {nfc(k): nfc(x) for k, x in v.items()}
        return v

    leaves = []
    for fields, pdf_hash in zip(pool, pdf_hashes):
        credential = {"format": "sogoc.credential/2", "id": secrets.token_hex(13)[:26], "kind": "transcript",
                      "issuer": "THPT-79-NTMK", "issued_on": "2026-06-05", "salt": secrets.token_hex(16),
                      "fields": nfc(fields)}
        data_hash = hashlib.sha256(rfc8785.dumps(credential)).digest()
        leaves.append(_keccak_slow(_keccak_slow(data_hash + pdf_hash)))
    nodes = _tree_slow(leaves)
    for i in range(len(leaves)):
        _proof_slow(nodes, len(nodes) - 1 - i)
    return nodes[0]


def _tree_slow(leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    nodes = [b""] * (2 * n - 1)
    for i, leaf in enumerate(sorted(leaves)):
        nodes[len(nodes) - 1 - i] = leaf
    for i in range(n - 2, -1, -1):
        a, b = nodes[2 * i + 1], nodes[2 * i + 2]
        nodes[i] = _keccak_slow(a + b if a < b else b + a)
    return nodes


def _proof_slow(nodes: list[bytes], i: int) -> list[bytes]:
    proof = []
    while i > 0:
        proof.append(nodes[i + 1] if i % 2 else nodes[i - 1])
        i = (i - 1) // 2
    return proof


def timed(fn, *args, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # "one core", literally

    pool = fields_pool(args.docs)
    pdf_hashes = [sha256(os.urandom(8)) for _ in range(args.docs)]
    ours = timed(batch_ours, pool, pdf_hashes)
    base = timed(batch_baseline, pool, pdf_hashes, repeat=1)
    print(f"documents batched (canonical form + salt + hashes + tree + every proof), {args.docs:,} documents, one core")
    print(f"  sogoc core : {args.docs / ours:>10,.0f} documents/s  ({ours:.2f} s)")
    print(f"  baseline   : {args.docs / base:>10,.0f} documents/s  ({base:.2f} s; rfc8785 + pycryptodome keccak)")
    print(f"  ratio      : {base / ours:>10.1f}x   target: at least 20,000 documents/s")

    leaves = [leaf_hash(sha256(i.to_bytes(8, "big")), sha256(i.to_bytes(9, "big"))) for i in range(args.leaves)]
    gc.collect()
    start = time.perf_counter()
    tree = MerkleTree.build(leaves)
    built = time.perf_counter()
    proofs = tree.all_proofs()
    done = time.perf_counter()
    assert len(proofs) == args.leaves
    print(f"\n{args.leaves:,}-leaf Merkle tree: build {built - start:.2f} s, every proof {done - built:.2f} s, "
          f"total {done - start:.2f} s   target: at most 6 s")


if __name__ == "__main__":
    main()
