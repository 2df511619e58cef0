"""Per-client rate limits: one token bucket per client and budget, in process.

Why in process and not in a shared store: the verifier runs as one or a few workers behind
one reverse proxy; a per-worker budget is a small constant factor off, and it needs no Redis.
A client is the socket peer, unless that peer is a trusted proxy: then it is the last
address in ``X-Forwarded-For`` that is not itself a trusted proxy (the proxy appends the
address it saw; anything left of it was written by the client and proves nothing).
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass
from typing import Callable, Iterable


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucket:
    """``per_minute`` requests a minute per key, in bursts of at most ``per_minute``.

    ``per_minute`` 0 switches the budget off. The table of buckets is bounded: once it holds
    ``max_keys`` clients, the buckets that have refilled completely (idle clients) are dropped,
    and if that is not enough the idlest half (a flood of distinct addresses must not grow memory
    without end, nor wipe the budgets of the clients being limited right now).
    """

    def __init__(self, per_minute: int, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens a second
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def take(self, key: str) -> float:
        """Spend one token of ``key``: 0 if allowed, else the seconds until one is available."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._prune(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        else:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _prune(self, now: float) -> None:
        full = (self.capacity - 1.0) / self.rate if self.rate else 0.0
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < full}
        if len(self._buckets) >= self.max_keys:  # a flood of fresh keys: forget the idlest half, not everyone
            kept = sorted(self._buckets.items(), key=lambda kv: kv[1].updated)[len(self._buckets) // 2:]
            self._buckets = dict(kept)


def retry_after(seconds: float) -> int:
    """Whole seconds for a ``Retry-After`` header, at least 1."""
    return max(1, math.ceil(seconds))


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: Iterable[str]) -> str:
    """Who is asking: the socket peer, or what a trusted proxy says it saw. An IPv6 client is its
    /64: one subscriber gets a whole /64 and could otherwise take a fresh budget per address."""
    trusted = set(trusted_proxies)
    peer = peer or "unknown"
    if peer not in trusted or not forwarded_for:
        return _budget_key(peer)
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return _budget_key(hop)
    return _budget_key(hops[0] if hops else peer)


def _budget_key(address: str) -> str:
    if ":" not in address:
        return address
    try:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    except ValueError:
        return address
