"""The real thing: the `sogoc` command, a real anvil, SQLite, real signatures, a real HTTP server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

if str(Path(__file__).parent) not in sys.path:  # tests/browser loads this file by its path
    sys.path.insert(0, str(Path(__file__).parent))

from demo_helpers import Demo, running_demo  # noqa: E402


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    """`sogoc demo` on a fresh data dir, then `sogoc serve` running for the whole session."""
    yield from running_demo(tmp_path_factory)


