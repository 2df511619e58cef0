"""``sogoc``: one command-line entry for the signer, the registry and the verifier.

Exit codes: 0 success (``verify``: the document is valid), 1 ``verify``: not valid,
2 usage or environment error (bad arguments, unreadable file, chain or registry unreachable).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Iterator, Sequence

from core.config import Settings
from core.errors import SogocError

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_ERROR
    try:
        settings = Settings.load(data_dir=args.data_dir)
        return args.func(args, settings)
    except SogocError as e:
        print(f"sogoc: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - a bug must not exit 1, which `verify` means "not valid"
        print(f"sogoc: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sogoc", description="Sổ Gốc: anchored transcripts and diplomas.")
    p.add_argument("--data-dir", help="where chain state, database, PKI and config live (default: var)")
    sub = p.add_subparsers(metavar="COMMAND")

    demo = sub.add_parser("demo", help="set up everything locally, issue and anchor three transcripts, serve")
    demo.add_argument("--no-serve", action="store_true", help="stop after issuing instead of serving")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="serve the registry API and the verifier pages")
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="worker processes (default: the number of CPUs)")
    serve.set_defaults(func=cmd_serve)

    verify = sub.add_parser("verify", help="verify a PDF against the trust roots and the chain")
    verify.add_argument("file", type=Path)
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument("--evidence", type=Path, help="Merkle proof saved as JSON (no registry needed)")
    verify.add_argument("--registry", help="registry base URL to fetch the proof from")
    verify.set_defaults(func=cmd_verify)

    revoke = sub.add_parser("revoke", help="revoke one anchored document by a decision")
    revoke.add_argument("document_id")
    revoke.add_argument("--reason", required=True, help="reason code: 1-6 or a name such as issuer_error")
    revoke.add_argument("--decision", required=True, help="reference of the revocation decision")
    revoke.add_argument("--as", dest="actor", help="institution code acting (default: the issuing school)")
    revoke.set_defaults(func=cmd_revoke)

    anchor = sub.add_parser("anchor", help="seal pending documents into batches and anchor them")
    anchor.set_defaults(func=cmd_anchor)

    pki = sub.add_parser("pki", help="development PKI")
    pki_sub = pki.add_subparsers(metavar="ACTION")
    init = pki_sub.add_parser("init", help="create (or load) the development PKI")
    init.add_argument("--dir", type=Path, help="default: <data-dir>/pki")
    init.set_defaults(func=cmd_pki_init)
    return p


@contextlib.contextmanager
def dev_chain(settings: Settings) -> Iterator[None]:
    """In development, run the local chain for the duration of a command if it is not running."""
    from sogoc.devchain import Anvil

    anvil = None
    if settings.environment == "development" and settings.rpc_url.startswith(("http://127.0.0.1", "http://localhost")):
        anvil = Anvil(settings.rpc_url, settings.data_dir / "chain", settings.chain_id)
        anvil.start()
    try:
        yield
    finally:
        if anvil:
            anvil.stop()


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from sogoc.app import publish_reports
    from sogoc.demo import issue_demo_transcripts
    from sogoc.setup_chain import ensure_dev_setup

    with dev_chain(settings):
        settings, pki = ensure_dev_setup(settings)
        issued = issue_demo_transcripts(settings, pki)
        print("Sổ Gốc demo: three transcripts issued, signed twice and anchored in one batch.\n")
        published = publish_reports(settings, [url.rsplit("/", 1)[1] for _path, url in issued])
        for path, url in issued:
            print(f"  {path}\n    {url}")
        print(f"\nVerifier: {settings.public_base_url}/   Contract: {settings.contract_address}"
              f"   ({published} reports stored)")
        print(f"Check a file yourself: {sys.argv[0]} verify {issued[0][0]}")
        if not args.no_serve:
            _serve(settings, os.cpu_count() or 1)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if args.workers < 1:
        print("sogoc: error: --workers must be 1 or more", file=sys.stderr)
        return EXIT_ERROR
    with dev_chain(settings):
        _serve(settings, args.workers)
    return EXIT_OK


def _serve(settings: Settings, workers: int) -> None:
    """uvicorn with ``workers`` processes, each building the app from the settings (app factory)."""
    import uvicorn

    # The workers load the settings themselves: give them this command's data directory.
    os.environ["SOGOC_DATA_DIR"] = str(settings.data_dir)
    # uvicorn re-raises SIGTERM after its graceful shutdown; make that an exit that runs our
    # `finally` blocks, so the development chain is stopped and its state written.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    print(f"Serving on http://{settings.host}:{settings.port}/ with {workers} worker(s)  (Ctrl-C stops)", flush=True)
    uvicorn.run("sogoc.app:app_factory", factory=True, workers=workers, host=settings.host, port=settings.port,
                log_level="warning", access_log=False)


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    from core.chain import RegistryReader
    from verifier.evidence import FileEvidenceSource, HttpEvidenceSource
    from verifier.pdf import load_trust_roots
    from verifier.verify import Verifier

    try:
        pdf = args.file.read_bytes()
    except OSError as e:
        print(f"sogoc: error: cannot read {args.file}: {e.strerror}", file=sys.stderr)
        return EXIT_ERROR
    source = FileEvidenceSource(args.evidence) if args.evidence else HttpEvidenceSource(args.registry or settings.evidence_url)
    with dev_chain(settings):
        verifier = Verifier(RegistryReader.from_settings(settings), load_trust_roots(list(settings.trust_roots)), source)
        report = verifier.verify_pdf(pdf)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(f"{args.file}: {report.status.value.upper()}")
        for c in report.checks:
            print(f"  [{c.status.value:7}] {c.name}: {c.message}")
    return EXIT_OK if report.valid else EXIT_INVALID


def cmd_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from core.chain import RegistryReader
    from core.status import RevocationReason
    from registry import service
    from registry.chain import Web3Ledger
    from registry.db import make_engine, make_sessionmaker
    from sogoc.app import publish_reports
    from sogoc.setup_chain import keyring

    reason = RevocationReason.parse(args.reason)
    with dev_chain(settings), make_sessionmaker(make_engine(settings.database))() as session:
        actor = args.actor or service.document(session, args.document_id).issuer_code
        ledger = Web3Ledger(RegistryReader.from_settings(settings), keyring(settings))
        revocation = service.revoke_document(session, ledger, document_id=args.document_id, actor_code=actor,
                                             reason=reason, decision=args.decision)
        publish_reports(settings, [args.document_id])  # the public report shows it at once
    print(f"Revoked {args.document_id} ({reason.name.lower()}), decision {revocation.decision!r}, "
          f"by {actor} in block {revocation.block_number}.")
    return EXIT_OK


def cmd_anchor(args: argparse.Namespace, settings: Settings) -> int:
    from core.chain import RegistryReader
    from registry import service
    from registry.chain import Web3Ledger
    from registry.db import make_engine, make_sessionmaker
    from sogoc.setup_chain import keyring

    with dev_chain(settings), make_sessionmaker(make_engine(settings.database))() as session:
        ledger = Web3Ledger(RegistryReader.from_settings(settings), keyring(settings))
        result = service.anchor_pending(session, ledger)
        for batch in result.anchored:
            print(f"batch {batch.id}: {batch.leaf_count} documents, root 0x{batch.root.hex()}, block {batch.block_number}")
        for batch, error in result.failed:
            print(f"batch {batch.id} of {batch.issuer_code} left for the next pass: {error}", file=sys.stderr)
        anchored = [d.id for batch in result.anchored for d in batch.documents]
        if anchored:
            from sogoc.app import publish_reports

            print(f"{publish_reports(settings, anchored)} verification reports stored")
    return EXIT_ERROR if result.failed else EXIT_OK


def cmd_pki_init(args: argparse.Namespace, settings: Settings) -> int:
    from signer.pki import init_dev_pki

    pki = init_dev_pki(args.dir or settings.data_dir / "pki")
    print(f"Development PKI in {pki.directory} (trusted only where a config names {pki.root_pem}).")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
