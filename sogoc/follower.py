"""The chain follower: keeps stored reports true when the chain changes behind the registry's back.

Revocations and corrections made through the registry refresh their report at once (the
service path does it). Anything done directly on the contract is found here: every couple of
seconds, ``eth_getLogs`` from the block after the cursor (at first, the contract's deployment
block, ``Settings.deployment_block``) to the head, for the contract's events
that change a verdict:

- ``CredentialRevoked`` / ``CredentialCancelled`` / ``CredentialSuperseded`` name a leaf: the reports of that leaf are
  verified again in full (and dropped if that fails, so the next look-up verifies afresh);
- ``RootAnchored`` may turn a ``not_anchored`` report valid, ``CertificateAdded`` an
  ``untrusted_signer`` one: those reports (few, and never the valid ones) are dropped.

Between polls it also renders again a few stored landing pages made by an older deployment
(:meth:`sogoc.reports.ReportStore.render_stale_pages`).

The cursor (last block applied, and when) is stored beside the reports; the pages show it as
the time up to which a report's chain state is known. Staleness is thus bounded by one poll
interval plus one poll's duration while the follower runs; if it stops, the time shown stops too.

Several worker processes: only the one holding an exclusive lock on ``follower.lock`` in the
data directory polls; the others try to take the lock at each interval, so one takes over if
its holder dies. One poller means one re-verification per event, not one per worker.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

from eth_utils import event_abi_to_log_topic
from web3 import Web3

from core.chain import artifact
from core.errors import SogocError
from sogoc.reports import Cursor, ReportStore

log = logging.getLogger("sogoc.follower")

LEAF_EVENTS = ("CredentialRevoked", "CredentialCancelled", "CredentialSuperseded")
#: Event -> verdicts whose stored reports it may make wrong.
VERDICT_EVENTS = {"RootAnchored": ["not_anchored"], "CertificateAdded": ["untrusted_signer"]}
#: Events after which any stored report may show a stale fact (a school's suspension is shown in
#: its accreditation chain): all are dropped, and look-ups verify afresh. These events are rare.
STORE_EVENTS = ("IssuerSuspended", "IssuerReinstated")
#: Blocks per eth_getLogs request (nodes cap the range of one request).
CHUNK = 5_000


def topics() -> dict[bytes, str]:
    """Topic 0 of each event the follower applies, from the contract's ABI."""
    wanted = set(LEAF_EVENTS) | set(VERDICT_EVENTS) | set(STORE_EVENTS)
    return {event_abi_to_log_topic(e): e["name"] for e in artifact()["abi"]
            if e.get("type") == "event" and e["name"] in wanted}


class ChainFollower:
    def __init__(self, w3: Web3, contract: str, store: ReportStore, refresh: Callable[[str], object], *,
                 interval: float = 2.0, lock_path: Path | None = None, from_block: int = 0) -> None:
        self.w3, self.contract = w3, Web3.to_checksum_address(contract)
        self.from_block = from_block  # the contract's deployment: no event of it is older
        self.store, self.refresh, self.interval = store, refresh, interval
        self.lock_path = lock_path
        self._lock_fd: int | None = None
        self._topics = topics()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one poll

    def poll_once(self) -> int:
        """Apply every event after the cursor up to the head; returns how many were applied."""
        now = int(time.time())  # before the head: the cursor never claims a block mined after "now"
        head = self.w3.eth.block_number
        cursor = self.store.cursor()
        start = self.from_block if cursor is None else cursor.block + 1
        applied = 0
        while start <= head:
            end = min(head, start + CHUNK - 1)
            logs = self.w3.eth.get_logs({"fromBlock": start, "toBlock": end, "address": self.contract,
                                         "topics": [[Web3.to_hex(t) for t in self._topics]]})
            for entry in logs:
                self._apply(entry)
                applied += 1
            self.store.set_cursor(Cursor(end, now))
            start = end + 1
        self.store.set_cursor(Cursor(start - 1, now))  # nothing new up to the head: current as of now
        return applied

    def _apply(self, entry) -> None:
        name = self._topics.get(bytes(entry["topics"][0]))
        if name in LEAF_EVENTS:
            leaf = bytes(entry["topics"][2])
            for document_id in self.store.ids_by_leaf(leaf):
                try:
                    self.refresh(document_id)
                except Exception as e:  # noqa: BLE001 - a failed refresh must not leave a stale report
                    log.warning("report %s dropped after %s: %s", document_id[:6], name, e)
                    self.store.drop([document_id])
        elif name in VERDICT_EVENTS:
            self.store.drop_verdicts(VERDICT_EVENTS[name])
        elif name in STORE_EVENTS:
            self.store.drop_all()

    # -- the background thread

    def start(self) -> "ChainFollower":
        self._thread = threading.Thread(target=self._run, name="sogoc-chain-follower", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._holds_lock():
                try:
                    self.poll_once()
                    self.store.render_stale_pages()
                except (SogocError, OSError, ValueError) as e:
                    log.warning("chain follower: poll failed, retrying: %s", e)
                except Exception:  # noqa: BLE001 - keep following; the next poll starts from the cursor
                    log.exception("chain follower: poll failed")
            self._stop.wait(self.interval)

    def _holds_lock(self) -> bool:
        if self.lock_path is None or self._lock_fd is not None:
            return True
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True
