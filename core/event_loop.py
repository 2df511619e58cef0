"""One event loop per thread, for synchronous code that calls pyHanko's coroutines.

``asyncio.run`` makes a new loop for each call and, in a process's main thread, installs a Ctrl-C
handler and removes it afterwards; the removal asks ``signal`` for the current handler, which
formats the running task's repr into an error message it then drops. Together about 1.4 ms per
call: ``make bench-signing`` (two calls per transcript, in the main thread of each worker process,
as ``sogoc transcripts issue``) went from 41.3 to 38.5 ms of CPU per B-LT transcript. Verifying
runs one call.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_loops = threading.local()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion on this thread's event loop (made on first use, kept open).

    Not for code already inside a running loop (as ``asyncio.run``, it refuses). Ctrl-C during the
    call raises ``KeyboardInterrupt`` where the coroutine is, without cancelling it first."""
    loop = getattr(_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = _loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coroutine)
