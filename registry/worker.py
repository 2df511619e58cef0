"""Running the anchoring pipeline: as a long-lived worker, or once until everything settles.

Both hold :class:`registry.worklock.AnchoringLock` and open a fresh session per pass, and
both hand each pass's document changes to ``on_change``: the composition root (``sogoc``)
publishes the reports of documents just anchored and drops those of documents a
reorganisation un-anchored. The registry knows nothing of reports.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import ChainError, SogocError
from registry.anchoring import AnchoringRules, PassResult, run_pass, stuck_batches, unsettled
from registry.ledger import Ledger
from registry.worklock import AnchoringLock

log = logging.getLogger("sogoc.anchoring")

OnChange = Callable[[PassResult], None]


@dataclass
class Settled:
    """What :func:`anchor_until_settled` achieved, summed over its passes."""

    anchored: list[int] = field(default_factory=list)  # batch ids
    anchored_documents: int = 0
    #: Batch id -> the error another pass will not cure (the contract refuses, the root is taken).
    stuck: dict[int, SogocError] = field(default_factory=dict)
    passes: int = 0


def _one_pass(sessions: sessionmaker[Session], ledger: Ledger, rules: AnchoringRules, on_change: OnChange,
              force_seal: bool) -> tuple[PassResult, int]:
    with sessions() as session:
        result = run_pass(session, ledger, rules, force_seal=force_seal)
        left = unsettled(session)
    if result.changed:
        on_change(result)
    return result, left


def anchor_until_settled(sessions: sessionmaker[Session], ledger: Ledger, rules: AnchoringRules, *,
                         on_change: OnChange = lambda _r: None, timeout: float = 300,
                         interval: float = 0.5) -> Settled:
    """Seal everything pending (whatever its age) and pass again and again until every document
    is anchored, or only batches that cannot be anchored are left. A chain that is down is
    waited for, up to ``timeout`` seconds; then :class:`ChainError` ``not_settled``."""
    settled = Settled()
    deadline = time.monotonic() + timeout
    with AnchoringLock(sessions.kw["bind"]):
        while True:
            result, left = _one_pass(sessions, ledger, rules, on_change, force_seal=True)
            settled.passes += 1
            settled.anchored += result.anchored
            settled.anchored_documents += len(result.anchored_documents)
            for batch_id in result.anchored:
                settled.stuck.pop(batch_id, None)
            stuck = stuck_batches(result)
            settled.stuck.update({b: result.failed[b] for b in stuck})
            if left == 0 or (stuck and not _in_flight(sessions, stuck)):
                return settled
            if time.monotonic() > deadline:
                errors = "; ".join(str(e) for e in result.failed.values()) or "confirmations still missing"
                raise ChainError(f"{left} documents not anchored after {timeout:.0f} s: {errors}",
                                 code="not_settled")
            time.sleep(interval)


def _in_flight(sessions: sessionmaker[Session], stuck: list[int]) -> bool:
    """True while some batch other than the stuck ones is still on its way."""
    from sqlalchemy import func, select

    from registry.models import Batch, Document

    with sessions() as session:
        other = session.scalar(select(func.count()).select_from(Batch)
                               .where(Batch.state != "anchored", Batch.id.not_in(stuck)))
        pending = session.scalar(select(func.count()).select_from(Document).where(Document.state == "pending"))
    return bool(other or pending)


class AnchoringWorker:
    """``sogoc registry worker``: pass after pass until :meth:`stop` (SIGTERM) is called.

    A pass that fails as a whole (the node down, the database busy) is logged and tried
    again after ``interval``; the state it left is always a committed one.
    """

    def __init__(self, sessions: sessionmaker[Session], ledger: Ledger, rules: AnchoringRules, *,
                 on_change: OnChange = lambda _r: None, interval: float = 2.0) -> None:
        self.sessions, self.ledger, self.rules = sessions, ledger, rules
        self.on_change, self.interval = on_change, interval
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self, *, max_passes: int | None = None) -> int:
        """Run until stopped; returns the number of passes."""
        passes = 0
        with AnchoringLock(self.sessions.kw["bind"]):
            while not self._stop.is_set() and (max_passes is None or passes < max_passes):
                try:
                    result, _left = _one_pass(self.sessions, self.ledger, self.rules, self.on_change,
                                              force_seal=False)
                    if result.failed.get(0):
                        log.warning("anchoring pass: %s", result.failed[0])
                except (SogocError, OperationalError) as e:
                    log.warning("anchoring pass failed, trying again in %s s: %s", self.interval, e)
                passes += 1
                self._stop.wait(self.interval)
        return passes
