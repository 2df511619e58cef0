"""The demo as e2e tests run it: `sogoc demo` on a fresh data dir and `sogoc serve` (real anvil, SQLite)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from chain_helpers import free_port  # tests/ is on the path (its conftest.py)

SOGOC = str(Path(sys.executable).with_name("sogoc"))


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


@dataclass
class Demo:
    data_dir: Path
    env: dict[str, str]
    base_url: str
    issued: list[tuple[Path, str]]  # (PDF path, verification URL)
    output: str

    def sogoc(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SOGOC, "--data-dir", str(self.data_dir), *args], env=self.env,
                              capture_output=True, text=True, timeout=300, check=check)

    @staticmethod
    def parse_issued(output: str) -> list[tuple[Path, str]]:
        return parse_issued(output)

    def document_id(self, i: int) -> str:
        return self.issued[i][1].rsplit("/", 1)[1]


def parse_issued(output: str) -> list[tuple[Path, str]]:
    return [(Path(p), u) for p, u in re.findall(r"^\s+(\S+\.pdf)\n\s+(http\S+)$", output, re.M)]


def running_demo(tmp_path_factory) -> Iterator[Demo]:
    """`sogoc demo` on a fresh data dir, then `sogoc serve` until the generator is closed
    (a fixture of its own for tests whose documents would change the shared demo's counts)."""
    data_dir = tmp_path_factory.mktemp("sogoc-var")
    rpc_port, http_port = free_port(), free_port()
    base_url = f"http://127.0.0.1:{http_port}"
    env = {**os.environ, "SOGOC_RPC_URL": f"http://127.0.0.1:{rpc_port}", "SOGOC_PORT": str(http_port),
           "SOGOC_PUBLIC_BASE_URL": base_url}
    env.pop("SOGOC_CONFIG", None)
    result = subprocess.run([SOGOC, "--data-dir", str(data_dir), "demo", "--no-serve"], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    server = subprocess.Popen([SOGOC, "--data-dir", str(data_dir), "serve"], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(data_dir / "serve.log", "w"))
    try:
        wait_for_port(http_port)
        yield Demo(data_dir, env, base_url, parse_issued(result.stdout), result.stdout)
    finally:
        server.terminate()
        server.wait(20)
    # the server stopped the chain it started (no stray anvil left behind)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and port_open(rpc_port):
        time.sleep(0.1)
    assert not port_open(rpc_port), "anvil still running after the server stopped"
