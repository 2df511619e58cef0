"""kill -9 at every step of anchoring, then restart: every document anchored exactly once.

The worker runs as a real ``sogoc registry worker`` process. The test seam
``SOGOC_ANCHORING_PAUSE_AT=<checkpoint>`` (registry/anchoring.py) makes it stop right after the
commit that precedes that point and say so on stderr; the test then SIGKILLs it, and finishes
the work with ``sogoc anchor`` (one pass that waits until confirmed). The chain is counted
directly: one ``RootAnchored`` event per batch, never two for a root.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_utils import event_abi_to_log_topic
from sqlalchemy import func, select

from chain_helpers import anvil_and_registry
from core.chain import artifact
from core.transcript import cohort_from_json
from registry import service
from registry.db import make_engine, make_sessionmaker
from registry.models import Batch, Document

pytestmark = pytest.mark.chain

EXAMPLE = Path(__file__).parents[2] / "examples" / "demo-transcripts.json"
SOGOC = [sys.executable, "-m", "sogoc.cli"]
CODES = ("BGDDT", "SGD-79", "THPT-79-NTMK", "THPT-79-LHP")  # the institutions whose keys `sogoc` loads
CHECKPOINTS = ("sealed", "tx_stored", "broadcast", "receipt_recorded", "confirmed")


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    directory = tmp_path_factory.mktemp("crash-chain")
    with anvil_and_registry(directory, "BGDDT", "SGD-79", ["THPT-79-NTMK", "THPT-79-LHP"]) as (anvil, ledger):
        yield directory, ledger


@dataclass(frozen=True)
class Site:
    data_dir: Path
    database_url: str


@pytest.fixture
def registry_dir(tmp_path, chain, database_url) -> Site:
    """A data directory and a database (SQLite, then PostgreSQL) holding 7 pending documents of two schools."""
    _directory, ledger = chain
    (tmp_path / "chain").mkdir()
    # the chain keys, as the plain file an older demo left: `sogoc` moves them into its own keystore
    (tmp_path / "chain" / "dev-keys.json").write_text(json.dumps({code: ledger.keyring[code].key.hex()
                                                                  for code in CODES}))
    sessions = make_sessionmaker(make_engine(database_url))
    transcripts = cohort_from_json(json.loads(EXAMPLE.read_text("utf-8")))
    with sessions() as s:
        for code, kind, parent in zip(CODES, ("ministry", "authority", "issuer", "issuer"),
                                      (None, "BGDDT", "SGD-79", "SGD-79")):
            service.register_institution(s, code=code, name=code, kind=kind, parent_code=parent,
                                         chain_address=ledger.keyring[code].address)
        for i in range(7):
            issuer = "THPT-79-NTMK" if i < 4 else "THPT-79-LHP"
            c = transcripts[i % 3].to_credential("2026-06-05")
            c = type(c)(c.id, c.kind, issuer, c.issued_on, c.fields, c.salt)
            service.submit_document(s, c, b"%PDF-1.7\n% transcript " + b"%d" % i)
    return Site(tmp_path, database_url)


def environment(site: Site, ledger, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOGOC_")}
    env.update(SOGOC_RPC_URL=ledger.w3.provider.endpoint_uri, SOGOC_CONTRACT_ADDRESS=ledger.reader.address,
               SOGOC_DATABASE_URL=site.database_url,
               SOGOC_BATCH_MAX_SIZE="3", SOGOC_BATCH_MAX_AGE_SECONDS="0", SOGOC_ANCHORING_INTERVAL_SECONDS="1",
               SOGOC_CONFIG=str(site.data_dir / "none.toml"), **extra)
    return env


def start_worker(site: Site, ledger, **extra: str) -> tuple[subprocess.Popen, Path]:
    log = site.data_dir / f"worker-{time.monotonic_ns()}.log"
    process = subprocess.Popen([*SOGOC, "--data-dir", str(site.data_dir), "registry", "worker"],
                               env=environment(site, ledger, **extra), stdout=subprocess.DEVNULL,
                               stderr=open(log, "wb"), cwd=Path(__file__).parents[2])
    return process, log


def wait_for(log: Path, text: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert process.poll() is None, f"the worker exited ({process.returncode}):\n{log.read_text()}"
        assert time.monotonic() < deadline, f"no {text!r} after {timeout} s:\n{log.read_text()}"
        time.sleep(0.05)


def root_anchored_events(ledger) -> dict[bytes, int]:
    topic = next(event_abi_to_log_topic(e) for e in artifact()["abi"]
                 if e.get("type") == "event" and e["name"] == "RootAnchored")
    counts: dict[bytes, int] = {}
    for entry in ledger.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": ledger.reader.address,
                                         "topics": [topic]}):
        root = bytes(entry["topics"][2])
        counts[root] = counts.get(root, 0) + 1
    return counts


def assert_anchored_exactly_once(site: Site, ledger) -> None:
    sessions = make_sessionmaker(make_engine(site.database_url))
    events = root_anchored_events(ledger)
    with sessions() as s:
        assert dict(s.execute(select(Document.state, func.count()).group_by(Document.state)).all()) == {"anchored": 7}
        batches = s.scalars(select(Batch)).all()
        assert all(b.state == "anchored" for b in batches)
        assert sorted(b.leaf_count for b in batches) == [1, 3, 3]  # 4 + 3 documents, batches of at most 3
        for b in batches:  # each document in exactly one batch, each batch's root on chain once
            assert s.scalar(select(func.count()).select_from(Document).where(Document.batch_id == b.id)) == b.leaf_count
            assert events.get(b.root) == 1
    assert all(n == 1 for n in events.values())  # no root anchored twice, ever, in this chain


@pytest.mark.parametrize("checkpoint", CHECKPOINTS)
def test_a_worker_killed_at_each_step_loses_nothing_and_duplicates_nothing(registry_dir, chain, checkpoint):
    _directory, ledger = chain
    worker, log = start_worker(registry_dir, ledger, SOGOC_ANCHORING_PAUSE_AT=checkpoint)
    wait_for(log, f"paused at anchoring checkpoint {checkpoint}", worker)
    os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait(10) == -signal.SIGKILL
    again = subprocess.run([*SOGOC, "--data-dir", str(registry_dir.data_dir), "anchor", "--timeout", "60"],
                           env=environment(registry_dir, ledger), capture_output=True, text=True, timeout=120,
                           cwd=Path(__file__).parents[2])
    assert again.returncode == 0, again.stderr
    assert_anchored_exactly_once(registry_dir, ledger)


def test_the_worker_anchors_by_itself_and_stops_cleanly_on_sigterm(registry_dir, chain):
    _directory, ledger = chain
    worker, log = start_worker(registry_dir, ledger)
    wait_for(log, "anchored in block", worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with make_sessionmaker(make_engine(registry_dir.database_url))() as s:
            if s.scalar(select(func.count()).select_from(Document).where(Document.state != "anchored")) == 0:
                break
        time.sleep(0.2)
    busy = subprocess.run([*SOGOC, "--data-dir", str(registry_dir.data_dir), "anchor"],
                          env=environment(registry_dir, ledger),
                          capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[2])
    assert busy.returncode == 2 and "anchoring_busy" in busy.stderr  # one anchoring process per database
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0, log.read_text()
    assert "stopped after" in log.read_text()
    assert_anchored_exactly_once(registry_dir, ledger)

