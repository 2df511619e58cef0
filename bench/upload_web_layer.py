"""The web layer of ``POST /api/v1/verify``, measured so that a shared machine does not blur it.

One uvicorn worker serves the app (as ``make bench-upload`` does, limits out of reach); one
keep-alive connection sends the uploads one after the other; the worker's CPU comes from /proc
(``verify_upload.cpu_seconds``). One core is busy, not both. Two figures, medians of ``--rounds``:

- ``--stub`` (default on): the verification replaced by the reports of the first ten uploads, so
  what is left is uvicorn, the middleware, routing, the multipart form, the thread hop and the
  JSON answer, a fraction of a millisecond that the machine's load moves little;
- the real verification, alternated with ``Verifier.verify_pdf`` on the same files in this
  process: the server's CPU per upload and how much more it is.

Needs the data set of ``make bench-upload`` (``var/bench-upload``: signed transcripts, chain,
database). ``--code DIR`` serves and verifies another checkout's packages (e.g. a ``git archive``
of an older commit, with ``core/abi`` copied in), for before/after figures.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOUNDARY = b"----sogoc-bench-boundary"


def stubbed_web_app():
    """uvicorn factory: the app, its verification answering the first ten uploads' reports in turn."""
    import sogoc.app as composition
    from core.config import Settings

    built = []
    build = composition.build_service
    composition.build_service = lambda settings: built.append(build(settings)) or built[-1]
    app = composition.create_app(Settings.load())
    service, made, turn = built[0], [], itertools.count()
    verify = service.verify_upload

    def canned(pdf: bytes):
        if len(made) < 10:
            made.append(verify(pdf))
            return made[-1]
        return made[next(turn) % len(made)]

    service.verify_upload = canned
    return app


def multipart(pdf: bytes) -> bytes:
    return (b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="file"; filename="hoc-ba.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n" + pdf + b"\r\n--" + BOUNDARY + b"--\r\n")


def serve(code: Path, data_dir: Path, factory: str, env: dict) -> tuple[subprocess.Popen, int]:
    from loopback import free_port, wait_for_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", factory, "--app-dir", str(ROOT / "bench"), "--host",
         "127.0.0.1", "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"],
        env={**env, "PYTHONPATH": str(code), "SOGOC_DATA_DIR": str(data_dir),
             "SOGOC_RATE_LIMIT_LOOKUPS": "1000000000", "SOGOC_RATE_LIMIT_UPLOADS": "1000000000"},
        cwd="/", start_new_session=True)  # not this checkout's directory: --code decides what is served
    wait_for_port(port)
    return server, port


def uploads(port: int, bodies: list[bytes]):
    connection = http.client.HTTPConnection("127.0.0.1", port)

    def post(i: int) -> None:
        connection.request("POST", "/api/v1/verify", bodies[i % len(bodies)],
                           {"Content-Type": "multipart/form-data; boundary=" + BOUNDARY.decode()})
        answer = connection.getresponse()
        body = answer.read()
        if answer.status != 200 or b'"status":"valid"' not in body:
            raise SystemExit(f"upload {i}: {answer.status} {body[:200]!r}")

    return post


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench-upload")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose packages are served")
    parser.add_argument("--uploads", type=int, default=1000, help="uploads per round with the stub")
    parser.add_argument("--verified", type=int, default=40, help="uploads per round, real verification")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    code, data_dir = args.code.resolve(), args.data_dir.resolve()
    sys.path[:0] = [str(code), str(ROOT / "bench")]
    from loopback import free_port
    from verify_upload import cpu_seconds

    from core.config import Settings
    from sogoc.devchain import Anvil

    env = {**os.environ, "SOGOC_RPC_URL": f"http://127.0.0.1:{free_port()}", "SOGOC_DATA_DIR": str(data_dir),
           "SOGOC_ANVIL": str(ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil")}
    env.pop("SOGOC_CONFIG", None)
    os.environ.update(env)
    settings = Settings.load(data_dir=str(data_dir))
    pdfs = [p.read_bytes() for p in sorted((data_dir / "pdfs").glob("*.pdf"))]
    bodies = [multipart(pdf) for pdf in pdfs]
    print(f"code: {code}; {len(pdfs)} transcripts; load average {os.getloadavg()[0]:.2f}")
    anvil = Anvil(settings.rpc_url, data_dir / "chain", settings.chain_id)
    anvil.start()
    try:
        server, port = serve(code, data_dir, "upload_web_layer:stubbed_web_app", env)
        try:
            post, stub = uploads(port, bodies), []
            for i in range(200):
                post(i)
            for _ in range(args.rounds):
                before = cpu_seconds(server.pid)
                for i in range(args.uploads):
                    post(i)
                stub.append(1000 * (cpu_seconds(server.pid) - before) / args.uploads)
        finally:
            server.terminate()
            server.wait(20)
        print(f"web layer (verification stubbed): {statistics.median(stub):.3f} ms of server CPU per upload "
              f"(rounds: {', '.join(f'{x:.3f}' for x in stub)})")
        served, inprocess = verified(code, data_dir, env, bodies, pdfs, args, cpu_seconds)
        print(f"real verification: {statistics.median(served):.2f} ms of server CPU per upload, "
              f"{statistics.median(inprocess):.2f} ms per verify_pdf in process; the server's extra: "
              f"{statistics.median(a - b for a, b in zip(served, inprocess)):.2f} ms (median of "
              f"{args.rounds} alternated rounds of {args.verified}); load average {os.getloadavg()[0]:.2f}")
    finally:
        anvil.stop()
    return 0


def verified(code, data_dir, env, bodies, pdfs, args, cpu_seconds) -> tuple[list[float], list[float]]:
    import gc

    from core.config import Settings
    from registry import service
    from registry.db import engine_for, make_sessionmaker
    from sogoc.app import RegistryEvidenceSource, build_verifier

    settings = Settings.load(data_dir=str(data_dir))
    verifier = build_verifier(settings, RegistryEvidenceSource(make_sessionmaker(engine_for(settings)), service.ChainInfo(
        chain_id=settings.chain_id, contract_address=settings.contract_address)))
    for pdf in pdfs[:30]:
        verifier.verify_pdf(pdf)
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)  # as each sogoc serve worker does (sogoc/app.py)
    server, port = serve(code, data_dir, "verify_upload:web_app", env)
    served, inprocess = [], []
    try:
        post, k = uploads(port, bodies), 0
        for i in range(30):
            post(i)
        for _ in range(args.rounds):
            before = cpu_seconds(server.pid)
            for i in range(args.verified):
                post(k + i)
            served.append(1000 * (cpu_seconds(server.pid) - before) / args.verified)
            started = time.process_time()
            for i in range(args.verified):
                verifier.verify_pdf(pdfs[(k + i) % len(pdfs)])
            inprocess.append(1000 * (time.process_time() - started) / args.verified)
            k += args.verified
    finally:
        server.terminate()
        server.wait(20)
    return served, inprocess


if __name__ == "__main__":
    sys.exit(main())
