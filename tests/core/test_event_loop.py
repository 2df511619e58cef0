"""core.event_loop.run: asyncio.run's answer, on one loop kept per thread."""

import asyncio
import threading

import pytest

from core import event_loop


async def _loop_and(value):
    await asyncio.sleep(0)
    return asyncio.get_running_loop(), value


def test_it_returns_the_coroutines_result_and_reuses_the_threads_loop():
    first, a = event_loop.run(_loop_and("a"))
    second, b = event_loop.run(_loop_and("b"))
    assert (a, b) == ("a", "b") and first is second and not first.is_closed()


def test_each_thread_has_its_own_loop():
    here, _ = event_loop.run(_loop_and(1))
    there = []
    worker = threading.Thread(target=lambda: there.append(event_loop.run(_loop_and(2))[0]))
    worker.start()
    worker.join()
    assert there and there[0] is not here


def test_an_exception_reaches_the_caller_and_the_loop_still_runs():
    async def fails():
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        event_loop.run(fails())
    assert event_loop.run(_loop_and("after"))[1] == "after"

