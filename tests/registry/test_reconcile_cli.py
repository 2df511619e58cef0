"""`sogoc registry reconcile` as a command: exit codes and what --repair says (its own anvil)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from registry.db import make_engine, make_sessionmaker
from registry.models import Batch
from chain_helpers import anvil_and_registry
from test_anchoring_crash import SOGOC, environment, registry_dir  # noqa: F401 - fixtures

pytestmark = pytest.mark.chain


@pytest.fixture
def chain(tmp_path_factory):
    """A chain of this test's own: reconcile reads every event of the contract, and another
    database's anchors on a shared chain would be differences too."""
    directory = tmp_path_factory.mktemp("reconcile-chain")
    with anvil_and_registry(directory, "BGDDT", "SGD-79", ["THPT-79-NTMK", "THPT-79-LHP"]) as (_anvil, ledger):
        yield directory, ledger


def test_reconcile_exits_1_on_differences_and_repair_says_what_it_did(registry_dir, chain):
    from core.hashes import Hash32
    from registry.anchoring import AnchoringRules, seal_due

    _directory, ledger = chain
    sessions = make_sessionmaker(make_engine(registry_dir.database_url))
    with sessions() as s:
        [first, *_rest] = seal_due(s, AnchoringRules(batch_max_size=3), force=True)
        batch = s.get(Batch, first)
        ledger.anchor(batch.issuer_code, Hash32(batch.root), batch.leaf_count, batch.kind)  # behind its back

    def reconcile(*extra):
        return subprocess.run([*SOGOC, "--data-dir", str(registry_dir.data_dir), "registry", "reconcile", *extra],
                              env=environment(registry_dir, ledger), capture_output=True, text=True, timeout=60,
                              cwd=Path(__file__).parents[2])

    found = reconcile()
    assert found.returncode == 1 and f"anchored_on_chain_not_in_db: batch {first} (sealed" in found.stdout
    repaired = reconcile("--repair")
    assert repaired.returncode == 0 and f"repaired: batch {first} and its 3 documents marked anchored" in repaired.stdout
    assert reconcile().returncode == 0
