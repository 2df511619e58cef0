"""Benchmark: signed transcripts per second, the full school-side pipeline, on every core.

One transcript = a new credential, the PDF rendered with its QR code and embedded credential,
then two PAdES B-LT signatures (homeroom teacher, principal), each with an RFC 3161 token from
the development TSA (in process) and the CRLs of the development PKI in the document security
store; the same pipeline with B-T signatures (no validation data) is measured too, for the cost
of B-LT. Ours: ``sogoc.issue``'s worker pool (keys loaded once per process, signature size
computed, the TSA's constant attribute encoded once, asn1crypto's encoder and pyHanko's parser
sped up, font subsets made once, both stamps on one font look-up; docs/signing.md). Baseline, in the
same run and the same pool: stock pyHanko, a fresh ``SimpleSigner.load_pkcs12`` per document and
its ``DummyTimeStamper``, signature size left to pyHanko (it signs twice to measure), asn1crypto's
own encoder (``signer.asn1_speedups`` uninstalled); the same rendering.

    .venv/bin/python bench/signing.py [--docs 200] [--baseline-docs 40] [--workers 2]
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

from core.canonical import canonical_json
from core.transcript import Transcript, cohort_from_json
from signer.pki import DEV_PASSPHRASE, DevPki, init_dev_pki
from sogoc import issue

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demo-transcripts.json"
ISSUED_ON = "2026-06-05"


def students(n: int) -> list[bytes]:
    base = cohort_from_json(json.loads(EXAMPLE.read_text("utf-8")))
    out = []
    for i in range(n):
        fields = base[i % len(base)].to_fields()
        fields["student"]["personal_id"] = f"{79_000_000_000 + i:012d}"
        out.append(canonical_json(fields))
    return out


_stock: dict = {}


def _stock_init(pki_dir: Path) -> None:
    from signer import asn1_speedups

    _stock["pki"] = DevPki(pki_dir)
    # importing sogoc.issue (above) installed our asn1crypto encoder: the baseline runs the stock one
    asn1_speedups.uninstall()


def _stock_one(job: tuple[bytes, str]) -> str:
    """The same document, signed the way pyHanko's documentation shows, nothing kept between documents."""
    from asn1crypto import keys
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import PdfSignatureMetadata, signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.timestamps import DummyTimeStamper

    from core.canonical import parse_json
    from signer.pki import _to_asn1
    from signer.render import render_transcript

    fields, path = job
    pki: DevPki = _stock["pki"]
    transcript = Transcript.from_fields(parse_json(fields))
    credential = transcript.to_credential(ISSUED_ON)
    pdf = render_transcript(transcript, credential, f"http://127.0.0.1:8000/v/{credential.id}")
    from cryptography import x509

    tsa_cert = _to_asn1(x509.load_pem_x509_certificate(pki.tsa_pem.read_bytes()))
    tsa_key = serialization.load_pem_private_key(pki.tsa_key_pem.read_bytes(), DEV_PASSPHRASE)
    der = tsa_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    timestamper = DummyTimeStamper(tsa_cert, keys.PrivateKeyInfo.load(der))
    for role, field in (("teacher", "GiaoVienChuNhiem"), ("principal", "HieuTruong")):
        signer = signers.SimpleSigner.load_pkcs12(str(pki.p12(role)), passphrase=DEV_PASSPHRASE)
        meta = PdfSignatureMetadata(field_name=field, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES)
        out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer,
                               timestamper=timestamper)
        pdf = out.getvalue()
    Path(path).write_bytes(pdf)
    return path


def run(kind: str, docs: list[bytes], out: Path, pki: DevPki, workers: int) -> tuple[float, float]:
    """Wall-clock seconds for ``docs``, and the CPU seconds the pool's processes spent on them."""
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(d, str(out / f"{i}.pdf")) for i, d in enumerate(docs)]
    ctx = multiprocessing.get_context("spawn")
    if kind in ("ours", "ours-bt"):
        setup = issue.SignerSetup(pki.directory, "", "http://127.0.0.1:8000", ISSUED_ON, long_term=kind == "ours")
        pool = ctx.Pool(workers, issue._init_worker, (setup,))
        fn = issue._sign_one
    else:
        pool = ctx.Pool(workers, _stock_init, (pki.directory,))
        fn = _stock_one
    with pool:
        pool.map(fn, jobs[:workers * 2], chunksize=1)  # start-up: imports, key loading
        cpu = _pool_cpu(pool)
        start = time.perf_counter()
        pool.map(fn, jobs, chunksize=4)
        return time.perf_counter() - start, _pool_cpu(pool) - cpu


def _pool_cpu(pool) -> float:
    """User + system CPU seconds of the pool's worker processes so far (from /proc; the pool keeps
    the same workers: no maxtasksperchild)."""
    ticks = 0
    for process in pool._pool:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--baseline-docs", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pki = init_dev_pki(Path(tmp) / "pki")
        ours = run("ours", students(args.docs), Path(tmp) / "ours", pki, args.workers)
        ours_bt = run("ours-bt", students(args.docs), Path(tmp) / "ours-bt", pki, args.workers)
        stock = run("stock", students(args.baseline_docs), Path(tmp) / "stock", pki, args.workers)
    load = os.getloadavg()[0]
    print(f"signed transcripts (render + QR + two PAdES signatures), {args.workers} worker processes, "
          f"load average {load:.2f} (other processes share the cores)")
    for label, (seconds, cpu), n, note in (
        ("sogoc B-LT", ours, args.docs, "time-stamps and CRLs embedded (the default)"),
        ("sogoc B-T ", ours_bt, args.docs, "time-stamps, no validation data"),
        ("stock B-T ", stock, args.baseline_docs, "pyHanko SimpleSigner per document, DummyTimeStamper"),
    ):
        print(f"  {label}: {n / seconds:>7.1f} transcripts/s  ({n} in {seconds:.1f} s; "
              f"{1000 * cpu / n:.1f} ms of CPU each; {note})")
    ratio = (args.docs / ours[0]) / (args.baseline_docs / stock[0])
    print(f"  ratio    : {ratio:>7.1f}x (B-LT against stock B-T)   target: at least 40/s and 3x on 2 cores")


if __name__ == "__main__":
    main()
