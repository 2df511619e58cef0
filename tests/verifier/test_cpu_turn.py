"""Uploads verified in a thread pool take turns for the CPU-bound part (verifier.pdf.cpu_turn):
never two files' checks interleaved in one process, unless one runs past the wait."""

from __future__ import annotations

import threading
import time

import pytest

from verifier import pdf as pdf_module
from verifier.pdf import cpu_turn


def test_threads_take_turns():
    inside, most, lock = 0, 0, threading.Lock()

    def work():
        nonlocal inside, most
        with cpu_turn():
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.01)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1


def test_behind_a_long_file_the_others_go_ahead_after_the_wait(monkeypatch):
    """A hostile file that takes long holds the turn: the next upload waits TURN_WAIT_SECONDS at
    most, then runs beside it (sharing the core), and the turn is still free afterwards."""
    monkeypatch.setattr(pdf_module, "TURN_WAIT_SECONDS", 0.05)
    holding, release = threading.Event(), threading.Event()

    def long_file():
        with cpu_turn():
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=long_file)
    holder.start()
    holding.wait(5)
    started = time.monotonic()
    with cpu_turn():
        waited = time.monotonic() - started
    release.set()
    holder.join()
    assert 0.04 <= waited < 1
    with cpu_turn(wait=0):  # nobody holds it now: taken at once
        pass
    assert pdf_module._turn.acquire(blocking=False)
    pdf_module._turn.release()


def test_an_error_inside_gives_the_turn_back():
    with pytest.raises(ValueError):
        with cpu_turn():
            raise ValueError("broken file")
    assert pdf_module._turn.acquire(blocking=False)
    pdf_module._turn.release()
