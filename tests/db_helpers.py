"""A real, throwaway PostgreSQL server for the tests, started the way chain_helpers starts anvil.

Debian's ``postgresql`` package (``make test-deps`` installs it) puts its programs under
``/usr/lib/postgresql/<version>/bin``. The server lives in a temporary directory: ``initdb``
there, ``postgres`` on a free loopback port with its socket in the same directory, trust
authentication for the one test role, durability off (a test database is thrown away).
PostgreSQL refuses to run as root: as root, the directory belongs to the ``postgres`` user that
the package creates, and the server runs as that user.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

ROLE = "sogoc"


def postgres_bin() -> Path:
    """The directory of ``initdb`` and ``postgres``: the newest Debian version, else the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    initdb = found[-1] if found else shutil.which("initdb")
    if not initdb:
        raise RuntimeError("PostgreSQL is not installed: run `make test-deps` (Debian package postgresql)")
    return Path(initdb).parent


class PostgresServer:
    """One running server; :meth:`create_database` gives each test a database of its own."""

    def __init__(self, directory: Path, port: int, process: subprocess.Popen) -> None:
        self.directory, self.port, self.process = directory, port, process
        self._names = itertools.count(1)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user=ROLE, dbname="postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def postgres_server(port: int) -> Iterator[PostgresServer]:
    """initdb into a fresh temporary directory, run ``postgres`` on ``port``; stopped and removed afterwards."""
    bin_dir = postgres_bin()
    directory = Path(tempfile.mkdtemp(prefix="sogoc-pg-"))
    user = None
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(directory, user.pw_uid, user.pw_gid)
    run_as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
    data = directory / "data"
    subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", ROLE, "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync"], check=True, capture_output=True, cwd=directory, **run_as)
    log = open(directory / "postgres.log", "wb")
    process = subprocess.Popen(
        [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(directory),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
         "-c", "full_page_writes=off", "-c", "max_connections=60"],
        stdout=log, stderr=subprocess.STDOUT, cwd=directory, start_new_session=True, **run_as)
    try:
        _wait_until_ready(port, process, directory)
        yield PostgresServer(directory, port, process)
    finally:
        process.send_signal(signal.SIGINT)  # "fast" shutdown: open connections are closed, not waited for
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(directory, ignore_errors=True)


def _wait_until_ready(port: int, process: subprocess.Popen, directory: Path, timeout: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(host="127.0.0.1", port=port, user=ROLE, dbname="postgres", connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not start: {(directory / 'postgres.log').read_text(errors='replace')}")
            time.sleep(0.05)
