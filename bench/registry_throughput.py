"""Benchmark: documents accepted by the registry's API and anchored on chain, per second.

    .venv/bin/python bench/registry_throughput.py [--documents 100000] [--bulk 1000] [--connections 4]

Everything runs as in production, on this machine, from a fresh data directory under
``var/bench-registry/``: anvil with the contract, the development institutions and their keys
(``sogoc demo``'s set-up), ``sogoc serve --workers 2`` (the institutions' API) and one
``sogoc registry worker`` (the anchoring pipeline: batches close by size, transactions stored
before they are sent, anchored once confirmed), each a process of its own. A client process
(this one) sends the school's documents through ``POST /api/v1/documents/bulk`` with its API key,
``--connections`` requests at a time, then waits until the database says every document is
``anchored``. Requests are built before the clock starts: a school's export is ready when it
submits.

What is real: credentials (``Credential.new``, the demo cohort with varied names, personal ids
and birth dates), the API, authentication, intake, audit log, SQLite (synchronous=FULL), Merkle
trees and proofs, the contract, gas. Synthetic: the PDFs are ``--pdf-kb`` KB stand-ins (a PDF
header and the document's id; the intake hashes PDFs but never parses them, and the registry
stores them: time grows with their size, see ``--pdf-kb``).

Printed: seconds to accept and to anchor every document, documents/s, batches and transactions,
gas per batch and per document. Target (issue #6): 100,000 documents accepted and anchored in
under 60 s.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.credential import Credential  # noqa: E402
from core.hashes import sha256  # noqa: E402
from core.status import DocumentKind  # noqa: E402
from loopback import free_port, wait_for_port  # noqa: E402  (bench/, the script's own directory)

BENCH = ROOT / "var" / "bench-registry"
TARGET_DOCUMENTS, TARGET_SECONDS = 100_000, 60.0
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
GIVEN = ["Thị Anh", "Văn Bình", "Minh Châu", "Ngọc Hà", "Quốc Huy", "Thu Trang", "Gia Bảo", "Hoài Nam"]


def site(rpc_port: int) -> tuple[Settings, object]:
    """A fresh development site: anvil, the contract, the institutions (as ``sogoc demo`` sets up)."""
    from sogoc.devchain import Anvil
    from sogoc.setup_chain import ensure_dev_setup

    shutil.rmtree(BENCH, ignore_errors=True)
    BENCH.mkdir(parents=True)
    settings = Settings.load(environ={}, data_dir=BENCH, rpc_url=f"http://127.0.0.1:{rpc_port}")
    anvil = Anvil(settings.rpc_url, BENCH / "chain", settings.chain_id)
    anvil.start()
    settings, _pki = ensure_dev_setup(settings)
    return settings, anvil


def api_key(settings: Settings, school: str) -> str:
    from registry import auth
    from registry.audit import Acting
    from registry.db import engine_for, make_sessionmaker

    with make_sessionmaker(engine_for(settings))() as s:
        return auth.create_key(s, school, Acting.cli()).token


def bodies(school: str, documents: int, bulk: int, pdf_kb: int) -> list[bytes]:
    """The bulk requests, ``bulk`` documents each, as JSON bytes."""
    from core.transcript import cohort_from_json
    from sogoc.demo import EXAMPLE

    rng = random.Random(6)
    issued_on = "2026-05-30"
    base = cohort_from_json(orjson.loads(EXAMPLE.read_bytes()))[0].to_credential(issued_on).fields
    out, items = [], []
    for i in range(documents):
        student = {**base["student"], "full_name": f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
                   "personal_id": f"079{rng.randrange(10**9):09d}",
                   "date_of_birth": f"2008-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
        credential = Credential.new(DocumentKind.TRANSCRIPT, school, issued_on, {**base, "student": student})
        pdf = stand_in_pdf(credential.id, pdf_kb)
        items.append({"credential": orjson.loads(credential.to_json()), "pdf_base64": base64.b64encode(pdf).decode(),
                      "pdf_sha256": sha256(pdf).hex()})
        if len(items) == bulk or i == documents - 1:
            out.append(orjson.dumps({"documents": items}))
            items = []
    return out


def stand_in_pdf(document_id: str, kb: int) -> bytes:
    head = f"%PDF-1.7\n% Sổ Gốc benchmark stand-in for document {document_id}\n".encode()
    return head + b"%" + b"x" * max(0, kb * 1024 - len(head) - 8) + b"\n%%EOF\n"


def start(args: list[str], settings: Settings, log: str, env: dict[str, str]) -> subprocess.Popen:
    full_env = {**os.environ, **env}
    full_env.pop("SOGOC_CONFIG", None)
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "sogoc"), "--data-dir", str(settings.data_dir), *args],
                            env=full_env, stdout=subprocess.DEVNULL, stderr=open(BENCH / log, "w"))


def anchored_count(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as c:
        return c.execute("SELECT count(*) FROM documents WHERE state = 'anchored'").fetchone()[0]


def gas(settings: Settings) -> tuple[int, list[int], list[int]]:
    """Transactions of the anchored batches: (count, gas used each, leaves each)."""
    from core.chain import connect

    w3 = connect(settings.rpc_url)
    with sqlite3.connect(settings.data_dir / "registry.db") as c:
        rows = c.execute("SELECT tx_hash, leaf_count FROM batches WHERE state = 'anchored' ORDER BY id").fetchall()
    used = [w3.eth.get_transaction_receipt(bytes(tx))["gasUsed"] for tx, _ in rows]
    return len(rows), used, [n for _, n in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=TARGET_DOCUMENTS)
    parser.add_argument("--bulk", type=int, default=1_000, help="documents per request")
    parser.add_argument("--connections", type=int, default=4, help="requests in flight at once")
    parser.add_argument("--pdf-kb", type=int, default=2, help="size of each stand-in PDF")
    parser.add_argument("--batch-size", type=int, default=10_000, help="the worker's batch_max_size")
    args = parser.parse_args()

    from sogoc.setup_chain import SCHOOL

    print("Registry throughput: documents accepted through the API and anchored on chain")
    rpc_port, port = free_port(), free_port()
    settings, anvil = site(rpc_port)
    server = worker = None
    try:
        token = api_key(settings, SCHOOL.code)
        t = time.perf_counter()
        requests = bodies(SCHOOL.code, args.documents, args.bulk, args.pdf_kb)
        print(f"  {args.documents:,} credentials and {args.pdf_kb} KB stand-in PDFs in {len(requests)} bulk requests "
              f"of {args.bulk:,} ({sum(map(len, requests)) / 1e6:,.0f} MB), built in {time.perf_counter() - t:.1f} s "
              f"(before the clock)", flush=True)
        env = {"SOGOC_RPC_URL": settings.rpc_url, "SOGOC_PORT": str(port),
               "SOGOC_BATCH_MAX_SIZE": str(args.batch_size), "SOGOC_ANCHORING_INTERVAL_SECONDS": "1"}
        server = start(["serve", "--workers", "2"], settings, "serve.log", env)
        worker = start(["registry", "worker"], settings, "worker.log", env)
        wait_for_port(port)
        import httpx

        url = f"http://127.0.0.1:{port}/api/v1/documents/bulk"
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        db = settings.data_dir / "registry.db"

        with httpx.Client(timeout=300, limits=httpx.Limits(max_connections=args.connections)) as client:
            def send(body: bytes) -> int:
                answer = client.post(url, content=body, headers=headers)
                if answer.status_code != 200:
                    raise RuntimeError(f"bulk submission refused: {answer.status_code} {answer.text[:300]}")
                return answer.json()["created"]

            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.connections) as pool:
                created = sum(pool.map(send, requests))
            t1 = time.perf_counter()
        print(f"  accepted: {created:,} documents in {t1 - t0:.1f} s ({created / (t1 - t0):,.0f} documents/s)",
              flush=True)
        while (anchored := anchored_count(db)) < args.documents:
            if time.perf_counter() - t0 > 600:
                raise TimeoutError(f"only {anchored:,} documents anchored after 600 s")
            time.sleep(0.1)
        t2 = time.perf_counter()
        print(f"  anchored: all {anchored:,} {t2 - t1:.1f} s after the last acceptance")
        total = t2 - t0
        transactions, used, leaves = gas(settings)
        print(f"Accepted and anchored: {args.documents:,} documents in {total:.1f} s "
              f"({args.documents / total:,.0f} documents/s); {transactions} batches of up to {args.batch_size:,}, "
              f"one transaction each")
        print(f"  gas: {min(used):,}-{max(used):,} per anchor transaction, "
              f"{sum(used) / sum(leaves):.2f} per document")
        if args.documents >= TARGET_DOCUMENTS:
            met = total < TARGET_SECONDS
            print(f"  target: {TARGET_DOCUMENTS:,} documents in under {TARGET_SECONDS:.0f} s: "
                  f"{'met' if met else 'NOT met'}")
        return 0
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
        for process in (server, worker):
            if process is not None:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
        anvil.stop()


if __name__ == "__main__":
    sys.exit(main())
