"""PDF upload verification, end to end: ``make bench-upload`` (one command).

1. Makes ``--count`` distinct real transcripts (the demo cohort with other personal ids),
   rendered and signed by the development PKI's teacher and principal with time-stamps,
   once: they are kept under ``var/bench-upload/pdfs`` (about 12 per second to make).
2. Anchors them on a real anvil (state under ``var/bench-upload/chain``) through the registry
   service, as ``sogoc demo`` does; the contract, keys and database are kept too.
3. Measures ``Verifier.verify_pdf`` in one process on one core over those files: the
   current code, and with ``--before REF`` the code of that git commit (exported with
   ``git archive``), with the same chain and database. Prints both rates and their ratio.
4. Serves the app with ``--workers`` uvicorn processes on a free port and POSTs the files to
   ``/api/v1/verify`` from a second process (wrk, ``--connections`` connections, a Lua
   script that builds the multipart bodies and checks every answer says ``valid``).
   Prints uploads/s, p50 and p99.

Every answer must be a ``valid`` report: anything else fails the run (exit status 1).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # after PYTHONPATH, so that --before can put older code first

from loopback import free_port, wait_for_port  # noqa: E402  (bench/, the script's own directory)

#: The code to compare with in process. None by default: the commit before the upload speed work
#: (7207347) reads credential format /1 only, and today's documents are /2. Its figure on /1
#: documents is in docs/verification-speed.md.
BASELINE_REF = ""
WRK_SCRIPT = r"""
local boundary = "----sogoc-bench-boundary"
local bodies, threads = {}, {}
local index = 0
valid, other = 0, 0  -- globals: done() reads them with thread:get()

setup = function(thread) table.insert(threads, thread) end

init = function(args)
  local list = assert(io.open(args[1]))
  for path in list:lines() do
    local f = assert(io.open(path, "rb")); local data = f:read("*all"); f:close()
    local body = "--" .. boundary .. "\r\n" ..
      'Content-Disposition: form-data; name="file"; filename="hoc-ba.pdf"\r\n' ..
      "Content-Type: application/pdf\r\n\r\n" .. data .. "\r\n--" .. boundary .. "--\r\n"
    table.insert(bodies, wrk.format("POST", "/api/v1/verify",
      {["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, body))
  end
  list:close()
  index = math.random(#bodies)
end

request = function()
  index = index % #bodies + 1
  return bodies[index]
end

response = function(status, headers, body)
  if status == 200 and body:find('"status":"valid"', 1, true) then valid = valid + 1 else other = other + 1 end
end

done = function(summary, latency, requests)
  local v, o = 0, 0
  for _, t in ipairs(threads) do v = v + t:get("valid"); o = o + t:get("other") end
  io.write(string.format("RESULT valid=%d other=%d errors=%d p50_us=%d p99_us=%d duration_us=%d\n",
    v, o, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
"""


# -- 1 and 2: documents, chain, database


def _start_afresh_if_built_by_other_code(data_dir: Path) -> None:
    """The data set (its chain holds a deployed contract, its PDFs a signing profile) is reused only
    by the code that built it: another contract or signer would measure the wrong thing, or fail."""
    sources = [ROOT / "core" / "abi" / "CredentialRegistry.json", *sorted((ROOT / "signer").glob("*.py"))]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
    stamp = data_dir / "built-by.txt"
    if data_dir.exists() and (not stamp.exists() or stamp.read_text() != digest):
        print(f"{data_dir}: built by other code (contract or signer changed): made again")
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)


def make_transcripts(settings, pki, count: int) -> list[Path]:
    """``count`` signed transcripts under ``<data_dir>/pdfs``; only missing ones are made."""
    from core.transcript import cohort_from_json
    from signer.render import render_transcript
    from signer.sign import make_timestamper, make_validation_context, sign_transcript
    from sogoc.demo import EXAMPLE

    cohort = json.loads(EXAMPLE.read_text("utf-8"))
    students = cohort_from_json(cohort)
    out = settings.data_dir / "pdfs"
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"hoc-ba-{i:04d}.pdf" for i in range(count)]
    missing = [i for i, p in enumerate(paths) if not p.exists()]
    if missing:
        keys = (pki.signer_key("teacher"), pki.signer_key("principal"), make_timestamper(None, pki),
                make_validation_context(pki))
        started = time.perf_counter()
        for i in missing:
            base = students[i % len(students)]
            transcript = dataclasses.replace(
                base, student=dataclasses.replace(base.student, personal_id=f"079308{i:06d}"))
            credential = transcript.to_credential(cohort["issued_on"])
            pdf = render_transcript(transcript, credential, settings.verification_url(credential.id))
            partial = paths[i].with_suffix(".partial")
            partial.write_bytes(sign_transcript(pdf, *keys))
            os.replace(partial, paths[i])
        took = time.perf_counter() - started
        print(f"made {len(missing)} signed transcripts in {took:.1f} s ({len(missing) / took:.1f}/s)")
    return paths


def anchor(settings, paths: list[Path]) -> None:
    """Submit every file to the registry and anchor what is pending (a re-run changes nothing)."""
    from core.credential import Credential
    from registry import service
    from registry.db import engine_for, make_sessionmaker
    from sogoc.anchoring import anchor_once
    from verifier.pdf import extract_credential_json

    sessions = make_sessionmaker(engine_for(settings))
    with sessions() as session:
        for path in paths:
            pdf = path.read_bytes()
            service.submit_document(session, Credential.from_json(extract_credential_json(pdf) or b""), pdf)
    settled = anchor_once(settings)
    if settled.stuck:
        raise next(iter(settled.stuck.values()))


# -- 3: one process, one core


def inprocess_rate(data_dir: Path, seconds: float) -> dict:
    """``Verifier.verify_pdf`` over the files, repeated for ``seconds``; every report must be valid."""
    import verifier
    from core.config import Settings
    from registry.db import engine_for, make_sessionmaker
    from registry import service
    from sogoc.app import RegistryEvidenceSource, build_verifier

    settings = Settings.load(data_dir=str(data_dir))
    sessions = make_sessionmaker(engine_for(settings))
    chain = service.ChainInfo(chain_id=settings.chain_id, contract_address=settings.contract_address)
    verifier_ = build_verifier(settings, RegistryEvidenceSource(sessions, chain))
    pdfs = [p.read_bytes() for p in sorted((data_dir / "pdfs").glob("*.pdf"))]
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while done < len(pdfs) or time.perf_counter() - started < seconds:
        report = verifier_.verify_pdf(pdfs[done % len(pdfs)])
        if report.status.value != "valid":
            raise SystemExit(f"document {done % len(pdfs)} is {report.status.value}, not valid")
        done += 1
    took = time.perf_counter() - started
    return {"rate": done / took, "ms": 1000 * took / done, "cpu_ms": 1000 * (time.process_time() - cpu) / done,
            "n": done, "code": str(Path(verifier.__file__).parent)}


def measure_inprocess(data_dir: Path, seconds: float, pythonpath: Path | None = None) -> dict:
    env = {**os.environ, "SOGOC_DATA_DIR": str(data_dir)}
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    out = subprocess.run([sys.executable, __file__, "--inprocess", str(data_dir), "--seconds", str(seconds)],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def export_ref(ref: str, into: Path) -> Path:
    """The Python packages of git commit ``ref`` (plus today's built ABI, which git does not hold)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "core", "verifier", "registry", "sogoc", "signer"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    shutil.copytree(ROOT / "core" / "abi", into / "core" / "abi", dirs_exist_ok=True)
    return into


# -- 4: the web app under load


def web_app():
    """uvicorn factory: the app of ``sogoc serve``, from the environment's settings."""
    from core.config import Settings
    from sogoc.app import create_app

    return create_app(Settings.load())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its children (uvicorn's worker processes)."""
    pids = [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    ticks = 0
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def serve_and_load(data_dir: Path, env: dict, workers: int, connections: int, seconds: int) -> dict:
    port = free_port()
    log = open(data_dir / "uvicorn.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "verify_upload:web_app", "--app-dir", str(ROOT / "bench"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-access-log",
         "--log-level", "warning"],
        env={**env, "SOGOC_DATA_DIR": str(data_dir),  # wrk is one client: limits on, out of reach
             "SOGOC_RATE_LIMIT_LOOKUPS": "1000000000", "SOGOC_RATE_LIMIT_UPLOADS": "1000000000"},
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port)
        with tempfile.TemporaryDirectory() as tmp:
            script, listing = Path(tmp) / "upload.lua", Path(tmp) / "files.txt"
            script.write_text(WRK_SCRIPT)
            listing.write_text("\n".join(str(p) for p in sorted((data_dir / "pdfs").glob("*.pdf"))) + "\n")
            url = f"http://127.0.0.1:{port}"
            threads = str(min(2, connections))
            wrk = ["wrk", "-t", threads, "-c", str(connections), "--timeout", "10s", "-s", str(script)]
            subprocess.run([*wrk, "-d", "3s", url, "--", str(listing)], capture_output=True, check=True)  # warm-up
            cpu_before = cpu_seconds(server.pid)
            out = subprocess.run([*wrk, "-d", f"{seconds}s", url, "--", str(listing)],
                                 capture_output=True, text=True, check=True).stdout
            cpu = cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(20)
        log.close()
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    result = {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
    result["rate"] = result["valid"] / (result["duration_us"] / 1e6)
    result["cpu_ms"] = 1000 * cpu / max(1, result["valid"] + result["other"])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench-upload")
    parser.add_argument("--count", type=int, default=200, help="distinct signed transcripts")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=20, help="length of the HTTP load run")
    parser.add_argument("--inprocess-seconds", type=int, default=8)
    parser.add_argument("--before", default=BASELINE_REF, help="git ref of the code to compare with ('' = none)")
    parser.add_argument("--inprocess", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inprocess:
        print(json.dumps(inprocess_rate(args.inprocess, args.inprocess_seconds)))
        return 0

    from core.config import Settings
    from sogoc.devchain import Anvil
    from sogoc.setup_chain import ensure_dev_setup

    data_dir = args.data_dir.resolve()
    _start_afresh_if_built_by_other_code(data_dir)
    env = {**os.environ, "SOGOC_RPC_URL": f"http://127.0.0.1:{free_port()}", "SOGOC_DATA_DIR": str(data_dir)}
    env.pop("SOGOC_CONFIG", None)
    os.environ.update(env)
    settings = Settings.load(data_dir=str(data_dir))
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          "(other processes share these cores)")
    anvil = Anvil(settings.rpc_url, data_dir / "chain", settings.chain_id)
    anvil.start()
    try:
        settings, pki = ensure_dev_setup(settings)
        paths = make_transcripts(settings, pki, args.count)
        anchor(settings, paths)
        print(f"{len(paths)} distinct signed transcripts, anchored on anvil ({settings.rpc_url})")

        after = measure_inprocess(data_dir, args.inprocess_seconds)
        print(f"in process, one core, this code:   {after['rate']:6.1f} verifications/s "
              f"({after['ms']:.1f} ms each, {after['cpu_ms']:.1f} ms of CPU, {after['n']} runs)")
        if args.before:
            with tempfile.TemporaryDirectory() as tmp:
                before = measure_inprocess(data_dir, args.inprocess_seconds, export_ref(args.before, Path(tmp)))
            print(f"in process, one core, {args.before}: {before['rate']:6.1f} verifications/s "
                  f"({before['ms']:.1f} ms each, {before['cpu_ms']:.1f} ms of CPU, {before['n']} runs); "
                  f"ratio {after['rate'] / before['rate']:.2f}x (CPU per verification "
                  f"{before['cpu_ms'] / after['cpu_ms']:.2f}x less)")
            if not before["code"].startswith(tmp):
                raise SystemExit(f"the --before run used {before['code']}, not the exported commit")

        http = serve_and_load(data_dir, env, args.workers, args.connections, args.seconds)
        print(f"HTTP POST /api/v1/verify, {args.workers} uvicorn workers, {args.connections} connections (wrk), "
              f"{args.seconds} s: {http['rate']:.1f} uploads/s, p50 {http['p50_us'] / 1000:.1f} ms, "
              f"p99 {http['p99_us'] / 1000:.1f} ms; {http['valid']} valid, {http['other']} other, "
              f"{http['errors']} socket errors")
        print(f"server CPU per upload: {http['cpu_ms']:.1f} ms (all workers), so at most "
              f"{2000 / http['cpu_ms']:.0f} uploads/s on 2 otherwise idle cores")
        load = os.getloadavg()
        print(f"load average after: {load[0]:.2f}")
        if http["other"] or http["errors"] or not http["valid"]:
            print("FAILED: some uploads were not verified as valid (see var/bench-upload/uvicorn.log)")
            return 1
        return 0
    finally:
        anvil.stop()


if __name__ == "__main__":
    sys.exit(main())
