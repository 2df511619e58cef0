"""The accreditation chain of an anchored document: Ministry -> authority (Sở GD&ĐT) -> school.

Read from the contract, not from the registry: who registered whom (``institution(id)``'s
parent), each one's period, and whether it is suspended now. The Ministry is the contract's
owner, the root of the chain. "Valid at the time of issue" means the institution was registered
with a period containing the block time of the anchoring; the contract refuses to anchor for
a suspended school or outside its period, so an anchored root also proves the school was active
then. A suspension since then is shown as a present fact; it does not undo earlier documents.

Names are labels, not evidence: the registry's database names each code, and a name is shown
only for the on-chain id that its code hashes to; failing that, the names the signed document
itself prints (its school and supervising authority).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any, Mapping, Protocol

from core.chain import InstitutionRecord
from core.hashes import ZERO, Hash32, institution_id

LEVELS = {1: "authority", 2: "issuer"}
MAX_DEPTH = 3  # school -> Phòng -> Sở at most; the Ministry is added on top


class InstitutionSource(Protocol):
    """What this module reads from the chain (core.chain.RegistryReader provides it)."""

    def institution(self, institution_id: Hash32) -> InstitutionRecord: ...

    def ministry_account(self) -> str: ...


class AccreditationReader:
    """Institution records, kept for ``ttl`` seconds: they change rarely (a suspension), and a
    verification should not cost three more calls to the node each time."""

    def __init__(self, chain: InstitutionSource, ttl: float = 60.0) -> None:
        self.chain, self.ttl = chain, ttl
        self._cache: dict[Hash32 | None, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def _cached(self, key: Hash32 | None, load: Any) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
        value = load()
        with self._lock:
            self._cache[key] = (now + self.ttl, value)
        return value

    def chain_of(self, issuer: Hash32, anchored_at: int, names: Mapping[Hash32, str],
                 ministry_name: str | None = None, authority_fallback: str | None = None) -> list[dict[str, Any]]:
        """The chain from the Ministry down to ``issuer``, each level with its validity at ``anchored_at``."""
        levels: list[dict[str, Any]] = []
        current = issuer
        while current != ZERO and len(levels) < MAX_DEPTH:
            record: InstitutionRecord = self._cached(current, lambda c=current: self.chain.institution(c))
            level = LEVELS.get(record.kind, "unregistered")
            name = names.get(current) or (authority_fallback if level == "authority" else None)
            levels.append({
                "level": level, "id": current.hex0x, "name": name, "account": record.account,
                "registered": record.registered, "valid_from": _iso(record.valid_from),
                "valid_until": _iso(record.valid_until), "valid_at_issue": record.valid_at(anchored_at),
                "suspended_now": record.suspended,
            })
            if not record.registered:
                break
            current = record.parent
        if current == ZERO:
            levels.append({"level": "ministry", "id": ZERO.hex0x, "name": ministry_name,
                           "account": self._cached(None, self.chain.ministry_account), "registered": True,
                           "valid_from": None, "valid_until": None, "valid_at_issue": True,
                           "suspended_now": False})
        return levels[::-1]


def names_by_id(institutions: tuple[tuple[str, str, str], ...]) -> tuple[dict[Hash32, str], str | None]:
    """On-chain id -> name from the registry's (code, name, kind) list, and the Ministry's name."""
    names = {institution_id(code): name for code, name, kind in institutions if kind != "ministry"}
    ministry = next((name for _code, name, kind in institutions if kind == "ministry"), None)
    return names, ministry


def _iso(ts: int) -> str | None:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat() if ts else None
