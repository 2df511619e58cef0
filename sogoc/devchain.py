"""The local development chain: anvil, started by the project, its state kept under the data dir.

anvil comes from the npm package ``@foundry-rs/anvil`` (``make`` installs it). With
``--state FILE --state-interval 1`` it reloads contracts, storage and nonces after a restart,
even after SIGKILL. Development accounts are funded with ``anvil_setBalance``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

from core.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]
NPM_ANVIL = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"


def anvil_binary() -> Path:
    for candidate in (os.environ.get("SOGOC_ANVIL"), NPM_ANVIL, shutil.which("anvil")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ConfigurationError("anvil is not installed: run `make setup` (npm package @foundry-rs/anvil)")


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


class Anvil:
    """One anvil process serving ``rpc_url``, persisting to ``state_dir/state.json``."""

    def __init__(self, rpc_url: str, state_dir: Path, chain_id: int) -> None:
        url = urlparse(rpc_url)
        if url.hostname not in ("127.0.0.1", "localhost"):
            raise ConfigurationError(f"the development chain runs on loopback only, not {rpc_url}")
        self.host, self.port = "127.0.0.1", url.port or 8545
        self.state_dir, self.chain_id = state_dir, chain_id
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> bool:
        """Start anvil unless something already serves the port. True if this call started it."""
        if port_open(self.host, self.port):
            return False
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.state_dir / "anvil.log", "ab")
        self.process = subprocess.Popen(
            [str(anvil_binary()), "--host", self.host, "--port", str(self.port),
             "--chain-id", str(self.chain_id), "--state", str(self.state_dir / "state.json"),
             "--state-interval", "1", "--accounts", "1"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not port_open(self.host, self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise ConfigurationError(f"anvil did not start; see {self.state_dir / 'anvil.log'}")
            time.sleep(0.05)
        return True

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # anvil writes its state on SIGTERM
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
