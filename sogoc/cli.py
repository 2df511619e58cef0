"""``sogoc``: one command-line entry for the signer, the registry and the verifier.

Exit codes: 0 success (``verify``: the document is valid), 1 ``verify``: not valid,
``transcripts import`` and ``diplomas import``: the file has problems and nothing was imported, 2 usage or environment error (bad arguments, unreadable file, chain or registry unreachable).
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
from sogoc import registry_cli

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
    revoke.set_defaults(func=cmd_revoke, cancel=False)

    cancel = sub.add_parser("cancel", help="cancel (hủy bỏ) one anchored document by a decision")
    cancel.add_argument("document_id")
    cancel.add_argument("--reason", required=True, help="reason code: 1-6 or a name such as fraud")
    cancel.add_argument("--decision", required=True, help="reference of the cancellation decision")
    cancel.add_argument("--as", dest="actor", help="institution code acting (default: the issuer)")
    cancel.set_defaults(func=cmd_revoke, cancel=True)

    reg = sub.add_parser("register", help="the master register (sổ gốc cấp văn bằng)")
    reg_sub = reg.add_subparsers(metavar="ACTION")
    export = reg_sub.add_parser("export", help="one year of an authority's register as PDF or XLSX")
    export.add_argument("--authority", required=True, help="the authority's code, e.g. SGD-79")
    export.add_argument("--year", required=True, type=int)
    export.add_argument("--format", choices=("pdf", "xlsx"), default="pdf")
    export.add_argument("--out", type=Path, help="default: so-goc-<authority>-<year>.<format>")
    export.set_defaults(func=cmd_register_export)

    anchor = sub.add_parser("anchor", help="seal pending documents into batches, anchor them and wait until confirmed")
    anchor.add_argument("--timeout", type=float, default=300,
                        help="seconds to wait for the chain (down, or confirmations missing) before giving up")
    anchor.set_defaults(func=cmd_anchor)

    registry = sub.add_parser("registry", help="the registry's administration: anchoring, schema, API keys")
    registry_sub = registry.add_subparsers(metavar="ACTION")
    work = registry_sub.add_parser("worker", help="seal by size or age, send, track until confirmed; until SIGTERM")
    work.set_defaults(func=cmd_registry_worker)
    rec = registry_sub.add_parser("reconcile", help="compare the database with the contract's events (exit 1 on differences)")
    rec.add_argument("--repair", action="store_true", help="fix the database side (never sends a transaction)")
    rec.set_defaults(func=cmd_registry_reconcile)
    migrate = registry_sub.add_parser("migrate", help="upgrade the database to the newest schema, keeping its data")
    migrate.add_argument("--sql", action="store_true", help="print the SQL of the upgrade instead of running it")
    migrate.set_defaults(func=cmd_registry_migrate)
    revision = registry_sub.add_parser("revision", help="developers: write a migration for a change of registry/models.py")
    revision.add_argument("-m", "--message", required=True, help="what the revision changes")
    revision.set_defaults(func=cmd_registry_revision)
    registry_cli.add_commands(registry_sub)

    transcripts = sub.add_parser("transcripts", help="school side: import transcripts")
    transcripts_sub = transcripts.add_subparsers(metavar="ACTION")
    imp = transcripts_sub.add_parser("import", help="check a school's export (CSV, XLSX, JSON) and import it")
    imp.add_argument("file", type=Path)
    imp.add_argument("--school", type=Path, required=True, help="the school's profile (TOML), see examples/")
    imp.add_argument("--mapping", type=Path, help="column mapping (TOML); default: the common layout")
    imp.add_argument("--layout", choices=("long", "wide"), help="override the mapping's layout")
    imp.add_argument("--store", type=Path, help="default: <data-dir>/transcripts")
    imp.add_argument("--lang", choices=("vi", "en"), default="vi")
    imp.add_argument("--dry-run", action="store_true", help="check only, store nothing")
    imp.add_argument("--multi-year", action="store_true",
                     help="one transcript per student covering all of the student's school years in the file "
                          "(e.g. grades 10-12), instead of one per year")
    imp.set_defaults(func=cmd_transcripts_import)
    iss = transcripts_sub.add_parser("issue", help="render, sign, submit and anchor a school's transcripts for a year")
    iss.add_argument("--school", required=True, help="the school's code, e.g. THPT-79-NTMK")
    iss.add_argument("--year", required=True, help="school year, e.g. 2025-2026")
    iss.add_argument("--issued-on", help="date of issue, YYYY-MM-DD (default: today)")
    iss.add_argument("--workers", type=int, help="signing processes (default: one per CPU)")
    iss.add_argument("--store", type=Path, help="imported transcripts (default: <data-dir>/transcripts)")
    iss.add_argument("--multi-year", action="store_true",
                     help="issue the multi-year transcripts (imported with --multi-year) whose last year is --year")
    iss.add_argument("--profile", type=Path,
                     help="the school's profile (TOML): its [teachers] table says where each homeroom teacher's key is")
    iss.add_argument("--no-dev-teacher-keys", action="store_true",
                     help="as in production: refuse teachers without a key in the profile instead of giving them "
                          "a development key")
    iss.add_argument("--lang", choices=("vi", "en"), default="vi")
    iss.add_argument("--principal-token", metavar="LABEL",
                     help="sign as principal with the key on this PKCS#11 token (PIN: $SOGOC_PKCS11_PIN or a prompt)")
    iss.add_argument("--principal-key-label", default="principal", help="label of the key on the token")
    iss.add_argument("--pkcs11-module", type=Path, default=Path("/usr/lib/softhsm/libsofthsm2.so"),
                     help="the token's PKCS#11 library (the CA's driver; default: SoftHSM2)")
    iss.add_argument("--registry", metavar="URL",
                     help="submit to the department's registry over its API instead of this machine's database "
                          "(API key: $SOGOC_API_KEY or a prompt); the registry's worker anchors")
    iss.add_argument("--batch-size", type=int, default=200, help="documents per bulk request with --registry")
    iss.set_defaults(func=cmd_transcripts_issue)

    diplomas = sub.add_parser("diplomas", help="authority side: import graduation lists")
    diplomas_sub = diplomas.add_subparsers(metavar="ACTION")
    dimp = diplomas_sub.add_parser("import", help="check an authority's graduation list (CSV, XLSX) and import it")
    dimp.add_argument("file", type=Path)
    dimp.add_argument("--authority", type=Path, required=True, help="the authority's profile (TOML), see examples/")
    dimp.add_argument("--mapping", type=Path, help="column mapping (TOML); default: the common headers")
    dimp.add_argument("--legacy", action="store_true",
                      help="paper diplomas entered from the paper register (issue date, signer, register page per row)")
    dimp.add_argument("--store", type=Path, help="default: <data-dir>/diplomas")
    dimp.add_argument("--lang", choices=("vi", "en"), default="vi")
    dimp.add_argument("--dry-run", action="store_true", help="check only, store nothing")
    dimp.set_defaults(func=cmd_diplomas_import)
    diss = diplomas_sub.add_parser("issue", help="sign, submit, anchor and enter an authority's diplomas of a year")
    diss.add_argument("--authority", required=True, help="the authority's code, e.g. SGD-79")
    diss.add_argument("--year", required=True, type=int, help="graduation year")
    diss.add_argument("--issued-on", help="date of issue, YYYY-MM-DD (default: today)")
    diss.add_argument("--store", type=Path, help="imported diplomas (default: <data-dir>/diplomas)")
    diss.set_defaults(func=cmd_diplomas_issue)
    for name, helptext in (("correct", "issue a corrected diploma that replaces one (supersede on chain)"),
                           ("reissue", "re-issue a diploma revoked or cancelled for the authority's error")):
        act = diplomas_sub.add_parser(name, help=helptext)
        act.add_argument("document_id", help="the diploma replaced")
        act.add_argument("--decision", required=True, help="reference of the decision")
        act.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                         help="a corrected field, e.g. holder.full_name=...; repeat for more")
        act.add_argument("--issued-on", help="date of issue, YYYY-MM-DD (default: today)")
        act.add_argument("--as", dest="actor", help="institution code acting (default: the issuing authority)")
        act.set_defaults(func=cmd_diplomas_replace, reissue=name == "reissue")
    dcopy = diplomas_sub.add_parser("copy", help="issue a certified copy from the register (bản sao từ sổ gốc)")
    dcopy.add_argument("document_id", help="the diploma (its register entry) copied")
    dcopy.add_argument("--copy-number", required=True, help="số vào sổ cấp bản sao, e.g. 15/BS-2026")
    dcopy.add_argument("--issued-on", help="date of issue, YYYY-MM-DD (default: today)")
    dcopy.set_defaults(func=cmd_diplomas_copy)

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
    from registry.db import engine_for

    engine_for(settings).dispose()  # upgraded once here in development; refused here if behind in production
    with dev_chain(settings):
        _serve(settings, args.workers)
    return EXIT_OK


def _serve(settings: Settings, workers: int) -> None:
    """uvicorn with ``workers`` processes, each building the app from the settings (app factory)."""
    import uvicorn

    # The workers load the settings themselves: give them this command's data directory.
    os.environ["SOGOC_DATA_DIR"] = str(settings.data_dir)
    _unlock_keystore_for_workers(settings)
    # uvicorn re-raises SIGTERM after its graceful shutdown; make that an exit that runs our
    # `finally` blocks, so the development chain is stopped and its state written.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    print(f"Serving on http://{settings.host}:{settings.port}/ with {workers} worker(s)  (Ctrl-C stops)", flush=True)
    # proxy_headers off: who the client is (for rate limits) is decided by settings.trusted_proxies alone
    uvicorn.run("sogoc.app:app_factory", factory=True, workers=workers, host=settings.host, port=settings.port,
                log_level="warning", access_log=False, proxy_headers=False)


def _unlock_keystore_for_workers(settings: Settings) -> None:
    """Workers sign revocations with the chain keystore: ask for its passphrase once, here, on a
    terminal (production without $SOGOC_KEYSTORE_PASSPHRASE), and hand it to them in their
    environment. Without a terminal the API's revocations answer ``keystore_locked``."""
    from registry.keystore import PASSPHRASE_VARIABLE, passphrase

    if settings.environment != "development" and PASSPHRASE_VARIABLE not in os.environ and sys.stdin.isatty():
        os.environ[PASSPHRASE_VARIABLE] = passphrase(settings.environment)


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
    from registry import register, service
    from registry.chain import Web3Ledger
    from registry.db import engine_for, make_sessionmaker
    from sogoc.anchoring import ReportKeeper
    from sogoc.app import publish_reports
    from sogoc.setup_chain import keyring

    reason = RevocationReason.parse(args.reason)
    with dev_chain(settings), make_sessionmaker(engine_for(settings))() as session:
        actor = args.actor or service.document(session, args.document_id).issuer_code
        ledger = Web3Ledger(RegistryReader.from_settings(settings), keyring(settings))
        revocation = service.revoke_document(session, ledger, document_id=args.document_id, actor_code=actor,
                                             reason=reason, decision=args.decision, cancel=args.cancel)
        versions = register.lineage(session, args.document_id) or []
        ReportKeeper(settings).drop([v["document_id"] for v in versions])  # their histories changed
        publish_reports(settings, [args.document_id])  # the public report shows it at once
    print(f"{'Cancelled' if args.cancel else 'Revoked'} {args.document_id} ({reason.name.lower()}), "
          f"decision {revocation.decision!r}, by {actor} in block {revocation.block_number}.")
    return EXIT_OK


def cmd_anchor(args: argparse.Namespace, settings: Settings) -> int:
    from sogoc.anchoring import ReportKeeper, anchor_once

    with dev_chain(settings):
        keeper = ReportKeeper(settings)
        settled = anchor_once(settings, timeout=args.timeout, keeper=keeper)
    print(f"{settled.anchored_documents} documents anchored in {len(settled.anchored)} batch(es)")
    if keeper.published:
        print(f"{keeper.published} verification reports stored")
    for batch_id, error in settled.stuck.items():
        print(f"batch {batch_id} cannot be anchored: {error}", file=sys.stderr)
    return EXIT_ERROR if settled.stuck else EXIT_OK


def cmd_registry_worker(args: argparse.Namespace, settings: Settings) -> int:
    import logging

    from sogoc.anchoring import worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with dev_chain(settings):
        loop = worker(settings)
        signal.signal(signal.SIGTERM, lambda *_: loop.stop())  # finish the pass, release the lock, exit 0
        signal.signal(signal.SIGINT, lambda *_: loop.stop())
        print(f"anchoring worker on {settings.database} (SIGTERM stops it)", file=sys.stderr, flush=True)
        passes = loop.run()
    print(f"anchoring worker stopped after {passes} passes", file=sys.stderr)
    return EXIT_OK


def cmd_registry_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    import contextlib

    from registry.db import engine_for, make_sessionmaker
    from registry.reconcile import reconcile
    from registry.worklock import AnchoringLock
    from sogoc.anchoring import ReportKeeper, ledger_of

    engine = engine_for(settings)
    # repairing writes what the anchoring worker writes: never both at once (anchoring_busy otherwise)
    with dev_chain(settings), (AnchoringLock(engine) if args.repair else contextlib.nullcontext()), \
            make_sessionmaker(engine)() as session:
        report = reconcile(session, ledger_of(settings).reader, repair=args.repair,
                           from_block=settings.deployment_block)
    for line in report.lines():
        print(line)
    if args.repair and report.changed_documents:
        ReportKeeper(settings).drop(report.changed_documents)  # their stored reports may be wrong now
    return EXIT_INVALID if report.remaining else EXIT_OK


def cmd_registry_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import make_url

    from registry import schema

    if args.sql:
        sys.stdout.write(schema.upgrade_sql(settings.database))
        return EXIT_OK
    where = make_url(settings.database).render_as_string(hide_password=True)
    done = schema.upgrade(settings.database)
    if done.adopted:
        print(f"{where}: made before migrations; recorded as the baseline {schema.BASELINE}.")
    if done.before == done.after:
        print(f"{where}: at revision {done.after}, the newest; nothing to do.")
    else:
        print(f"{where}: upgraded from revision {done.before or '(empty)'} to {done.after}.")
    return EXIT_OK


def cmd_registry_revision(args: argparse.Namespace, settings: Settings) -> int:
    from registry import schema

    path = schema.new_revision(args.message)
    print(f"Wrote {path}: read it, adjust it, and add a test if it moves data.")
    return EXIT_OK


def cmd_transcripts_import(args: argparse.Namespace, settings: Settings) -> int:
    from signer.importing import SchoolProfile, TranscriptStore, import_file
    from signer.importing.mapping import ColumnMapping

    store = TranscriptStore(args.store or settings.data_dir / "transcripts")
    result = import_file(args.file, SchoolProfile.load(args.school), store,
                         mapping=ColumnMapping.load(args.mapping, args.layout), dry_run=args.dry_run,
                         multi_year=args.multi_year)
    noun = ("học bạ nhiều năm học", "multi-year transcript(s)") if args.multi_year else ("học bạ", "transcript(s)")
    return _report_import(result, len(result.transcripts), args.lang, noun)


def cmd_diplomas_import(args: argparse.Namespace, settings: Settings) -> int:
    from signer.importing.diplomas import AuthorityProfile, DiplomaMapping, import_diplomas
    from signer.importing.store import DiplomaStore

    store = DiplomaStore(args.store or settings.data_dir / "diplomas")
    result = import_diplomas(args.file, AuthorityProfile.load(args.authority), store,
                             mapping=DiplomaMapping.load(args.mapping), legacy=args.legacy, dry_run=args.dry_run)
    noun = ("văn bằng cũ (sổ gốc giấy)", "legacy diploma(s) (paper register)") if args.legacy else \
        ("văn bằng", "diploma(s)")
    return _report_import(result, len(result.diplomas), args.lang, noun)


def _report_import(result, count: int, lang: str, noun: tuple[str, str]) -> int:
    """What an import says: the encoding it read, then every problem (exit 1) or what it stored."""
    en = lang == "en"
    vi_noun, en_noun = noun
    if result.encoding not in ("UTF-8", "XLSX"):
        print((f"{result.file}: read as {result.encoding} and converted to Unicode" if en else
               f"{result.file}: đã đọc theo bảng mã {result.encoding} và chuyển sang Unicode"), file=sys.stderr)
    if not result.ok:
        for problem in result.problems:
            print(problem.message(lang), file=sys.stderr)
        print((f"{len(result.problems)} problem(s); nothing was imported." if en else
               f"Có {len(result.problems)} lỗi; chưa nhập {vi_noun} nào."), file=sys.stderr)
        return EXIT_INVALID
    s = result.stored
    if s is None:
        print(f"{count} {en_noun} checked, no problem (dry run: nothing stored)." if en else
              f"Đã kiểm tra {count} {vi_noun}, không có lỗi (chạy thử: chưa lưu).")
    else:
        print(f"{count} {en_noun} imported: {s.written} new, {s.unchanged} already there, unchanged." if en else
              f"Đã nhập {count} {vi_noun}: {s.written} mới, {s.unchanged} đã có từ trước (không đổi).")
    return EXIT_OK


def cmd_transcripts_issue(args: argparse.Namespace, settings: Settings) -> int:
    from registry import service
    from registry.db import engine_for, make_sessionmaker
    from signer.teachers import TeacherKeyProblems
    from sogoc.anchoring import ReportKeeper, anchor_once, ledger_of
    from sogoc.issue import certificate_registrar, issue_year, text_progress
    from sogoc.setup_chain import ensure_dev_setup

    if args.registry:
        from sogoc.remote_issue import issue_remote

        return issue_remote(args, settings, _signer_setup)
    with dev_chain(settings):
        settings, pki = ensure_dev_setup(settings)
        setup, out_dir, store = _signer_setup(args, settings, pki.directory)
        with make_sessionmaker(engine_for(settings))() as session:
            try:
                summary = issue_year(store, args.school, args.year, out_dir, setup,
                                     lambda credential, pdf: service.submit_document(session, credential, pdf),
                                     workers=args.workers, progress=text_progress("Ký và nộp học bạ"),
                                     multi_year=args.multi_year,
                                     register_certificates=certificate_registrar(ledger_of(settings), args.school))
            except TeacherKeyProblems as e:
                print(e.message(args.lang), file=sys.stderr)
                return EXIT_ERROR
        keeper = ReportKeeper(settings)  # the public look-ups serve the new reports at once
        settled = anchor_once(settings, keeper=keeper)
    if summary.total == 0:
        what, flag = ("học bạ nhiều năm học nào", " --multi-year") if args.multi_year else ("học bạ nào", "")
        print(f"Không có {what} của {args.school} năm học {args.year} để cấp "
              f"(hãy chạy `sogoc transcripts import{flag}`).", file=sys.stderr)
        return EXIT_ERROR
    rate = summary.signed / summary.seconds if summary.signed else 0.0
    print(f"{summary.total} học bạ: {summary.signed} vừa ký ({rate:.1f}/giây), {summary.already} đã ký từ lần trước; "
          f"PDF trong {out_dir}.")
    if settled.anchored:
        print(f"Đã neo {settled.anchored_documents} văn bản trong {len(settled.anchored)} lô.")
    for batch_id, error in settled.stuck.items():
        print(f"Lô {batch_id} chưa neo được: {error}", file=sys.stderr)
    return EXIT_ERROR if settled.stuck else EXIT_OK


def _signer_setup(args: argparse.Namespace, settings: Settings, pki_dir: Path):
    """What ``transcripts issue`` signs with (keys, PINs read here), where it writes, what it reads:
    the same in both modes, so a local and a remote run sign identical files in the same place."""
    from datetime import date

    from signer.importing import TranscriptStore
    from signer.importing.store import MULTI_YEAR
    from signer.teachers import TeacherKeys, declared_sources
    from sogoc.issue import SignerSetup, TokenKey

    token = None
    if args.principal_token:
        pin = _secret("SOGOC_PKCS11_PIN", f"PIN of token {args.principal_token}: ")
        token = TokenKey(args.pkcs11_module, args.principal_token, args.principal_key_label, pin)
    declared = declared_sources(args.profile, _secret, pkcs11_module=args.pkcs11_module) if args.profile else ()
    dev_fallback = settings.environment == "development" and not args.no_dev_teacher_keys
    teachers = TeacherKeys(declared, pki_dir if dev_fallback else None)
    setup = SignerSetup(pki_dir, settings.tsa_url, settings.public_base_url,
                        args.issued_on or date.today().isoformat(), token, teachers=teachers)
    out_dir = settings.data_dir / "issued" / args.school / args.year
    if args.multi_year:
        out_dir = out_dir / MULTI_YEAR
    return setup, out_dir, TranscriptStore(args.store or settings.data_dir / "transcripts")


def _secret(env: str, prompt: str) -> str:
    """A passphrase or PIN: from the environment variable ``env``, else asked (never echoed, never logged)."""
    import getpass

    return os.environ.get(env) or getpass.getpass(prompt)


def cmd_diplomas_issue(args: argparse.Namespace, settings: Settings) -> int:
    from signer.importing.store import DiplomaStore
    from sogoc.diplomas import DiplomaIssuer, today
    from sogoc.setup_chain import ensure_dev_setup

    with dev_chain(settings):
        settings, pki = ensure_dev_setup(settings)
        store = DiplomaStore(args.store or settings.data_dir / "diplomas")
        issued = DiplomaIssuer(settings, pki).issue_year(store, args.authority, args.year, args.issued_on or today())
    if issued.total == 0:
        print(f"Không có văn bằng nào của {args.authority} năm {args.year} để cấp (hãy chạy `sogoc diplomas import`).",
              file=sys.stderr)
        return EXIT_ERROR
    print(f"{issued.total} văn bằng: {issued.signed} vừa ký, {issued.total - issued.signed} đã ký từ lần trước; "
          f"đã neo và vào sổ gốc.")
    for year, number, document_id in issued.entries:
        print(f"  sổ {year}, số {number}: {settings.public_base_url}/v/{document_id}")
    return EXIT_OK


def cmd_diplomas_replace(args: argparse.Namespace, settings: Settings) -> int:
    from sogoc.anchoring import ledger_of
    from sogoc.diplomas import DiplomaIssuer, parse_changes, today
    from sogoc.setup_chain import ensure_dev_setup

    changes = parse_changes(args.set)
    with dev_chain(settings):
        settings, pki = ensure_dev_setup(settings)
        new_id, year, number = DiplomaIssuer(settings, pki).replace(
            ledger_of(settings), args.document_id, args.decision, changes, args.issued_on or today(),
            reissue=args.reissue, actor=args.actor)
    verb = "Re-issued" if args.reissue else "Corrected"
    print(f"{verb} {args.document_id} as {new_id} (register {year}, entry {number}): "
          f"{settings.public_base_url}/v/{new_id}")
    return EXIT_OK


def cmd_diplomas_copy(args: argparse.Namespace, settings: Settings) -> int:
    from sogoc.diplomas import DiplomaIssuer, today
    from sogoc.setup_chain import ensure_dev_setup

    with dev_chain(settings):
        settings, pki = ensure_dev_setup(settings)
        copy_id, year, number = DiplomaIssuer(settings, pki).copy(args.document_id, args.copy_number,
                                                                  args.issued_on or today())
    print(f"Certified copy {args.copy_number} of {args.document_id}: {copy_id} (register {year}, entry {number}): "
          f"{settings.public_base_url}/v/{copy_id}")
    return EXIT_OK


def cmd_register_export(args: argparse.Namespace, settings: Settings) -> int:
    from registry import service
    from registry.db import engine_for, make_sessionmaker
    from sogoc.register_export import rows, to_pdf, to_xlsx

    with make_sessionmaker(engine_for(settings))() as session:
        authority = service.institution(session, args.authority)
        table = rows(session, authority.code, args.year)
        render = to_pdf if args.format == "pdf" else to_xlsx
        data = render(table, authority.name, args.year, settings.public_base_url.rstrip("/"))
    out = args.out or Path(f"so-goc-{authority.code}-{args.year}.{args.format}")
    out.write_bytes(data)
    print(f"{out}: {len(table)} entries of {authority.code}'s register {args.year}")
    return EXIT_OK


def cmd_pki_init(args: argparse.Namespace, settings: Settings) -> int:
    from signer.pki import init_dev_pki

    pki = init_dev_pki(args.dir or settings.data_dir / "pki")
    print(f"Development PKI in {pki.directory} (trusted only where a config names {pki.root_pem}).")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
