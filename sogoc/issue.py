"""``sogoc transcripts issue``: a whole school's transcripts for one year, rendered, signed,
submitted and anchored, on every core, safe to interrupt.

The signed PDF under ``<data>/issued/<school>/<year>/<personal id>.pdf`` is the record that a
transcript was issued. It is written atomically by the worker that signed it, then submitted
by the main process; the registry recognises a resubmitted file. So an interruption anywhere
(Ctrl-C, a crash, a power cut) loses at most the transcripts being signed at that moment, and a
re-run signs only those: a student is never signed twice, and nothing is anchored twice.

Workers are processes (signing is CPU-bound Python): each loads the principal's key once, and
each homeroom teacher's key the first time it signs one of that teacher's transcripts. Before
anything is signed, every teacher of the run must have a usable key in their own name
(:func:`signer.teachers.check_teachers`), and every signer's certificate is handed to
``register_certificates`` (the chain's list of the school's certificates, which the verifier checks).
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from core.canonical import canonical_json, parse_json
from core.credential import Credential
from core.multiyear import transcript_from_fields
from signer.importing import TranscriptStore
from signer.errors import SignerError
from signer.keys import SigningKey
from signer.teachers import TeacherKeys, check_teachers, nfc
from signer.render_years import render_document
from signer.sign import make_timestamper, make_validation_context, sign_transcript
from verifier import pdf_speedups


@dataclass(frozen=True)
class TokenKey:
    """The principal's key on a PKCS#11 token. The PIN travels to the signing processes and is
    used to log in; it is never printed (``repr`` leaves it out) and never written anywhere."""

    module: Path
    token_label: str
    key_label: str
    pin: str = field(repr=False)


@dataclass(frozen=True)
class SignerSetup:
    """Everything a worker needs to sign, picklable: where the keys are, not the keys."""

    pki_dir: Path
    tsa_url: str
    public_base_url: str
    issued_on: str
    principal_token: TokenKey | None = None
    long_term: bool = True
    """PAdES B-LT (validation data embedded); False gives B-T, for the benchmark's comparison."""

    teachers: TeacherKeys | None = None
    """Where each homeroom teacher's key is; None: the development PKI's, a key per teacher (tests, bench)."""

    def teacher_keys(self) -> TeacherKeys:
        return self.teachers if self.teachers is not None else TeacherKeys(dev_pki_dir=self.pki_dir)

    def load(self) -> tuple[SigningKey, object, object]:
        """The principal's key, the time-stamper, and the validation context whose CRLs every
        signature embeds (PAdES B-LT). Teachers' keys are loaded as their transcripts come."""
        from signer.pki import DevPki

        pki = DevPki(self.pki_dir)
        return self.load_principal(), make_timestamper(self.tsa_url or None, pki), (
            make_validation_context(pki) if self.long_term else None)

    def load_principal(self) -> SigningKey:
        from asn1crypto import x509 as asn1_x509
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding

        from signer.keys import Pkcs11SigningKey
        from signer.pki import DevPki

        pki = DevPki(self.pki_dir)
        if self.principal_token is None:
            return pki.signer_key("principal")
        t = self.principal_token
        ca = x509.load_pem_x509_certificate(pki.ca_pem.read_bytes())  # the department's CA
        return Pkcs11SigningKey.open(t.module, token_label=t.token_label, key_label=t.key_label, pin=t.pin,
                                     chain=[asn1_x509.Certificate.load(ca.public_bytes(Encoding.DER))])


@dataclass(frozen=True)
class IssueSummary:
    total: int
    signed: int  # newly signed in this run
    already: int  # found signed by an earlier run
    seconds: float


_worker: dict = {}


def _init_worker(setup: SignerSetup) -> None:
    """Load the keys once per process. A failure (a wrong PIN) is kept and raised by the first
    job: a pool whose initializer raises restarts workers without end, and each restart would
    try the PIN again until the token locks."""
    _worker["setup"] = setup
    # pyHanko's PDF parser, read in blocks instead of byte by byte (same answers; verifier.pdf_speedups):
    # the principal's update re-reads the teacher's 20,000-digit signature.
    pdf_speedups.install()
    _worker["teachers"] = {}
    try:
        _worker["keys"] = setup.load()
    except Exception as e:  # noqa: BLE001 - re-raised in _sign_one
        _worker["error"] = e


def _sign_one(job: tuple[bytes, str]) -> str:
    """Render and sign one transcript, one-year or multi-year (given as canonical JSON), write it
    atomically; return its path."""
    fields, path = job
    if "error" in _worker:
        raise _worker["error"]
    setup: SignerSetup = _worker["setup"]
    principal, timestamper, ltv = _worker["keys"]
    transcript = transcript_from_fields(parse_json(fields))
    teacher = _teacher_key(setup, transcript.homeroom_teacher)
    credential = transcript.to_credential(setup.issued_on)
    url = f"{setup.public_base_url.rstrip('/')}/v/{credential.id}"
    pdf = sign_transcript(render_document(transcript, credential, url), teacher, principal, timestamper, ltv)
    write_atomically(Path(path), pdf)
    return path


def _teacher_key(setup: SignerSetup, name: str) -> SigningKey:
    """The homeroom teacher's key, loaded the first time this process signs for them."""
    cache: dict[str, SigningKey] = _worker["teachers"]
    name = nfc(name)
    if name not in cache:
        cache[name] = setup.teacher_keys().load(name)
    return cache[name]


def write_atomically(path: Path, data: bytes) -> None:
    """Write, flush to disk, rename, then flush the directory: after a power cut the file is
    either whole or absent, never gone after its document was submitted."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with open(partial, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def issue_year(store: TranscriptStore, school_code: str, school_year: str, out_dir: Path, setup: SignerSetup,
               submit: Callable[[Credential, bytes], None], *, workers: int | None = None,
               progress: Callable[[int, int], None] = lambda done, total: None,
               multi_year: bool = False,
               register_certificates: Callable[[list[SigningKey]], None] = lambda keys: None) -> IssueSummary:
    """Sign every stored transcript of ``school_code`` for ``school_year`` that has no PDF yet,
    and ``submit`` every PDF (new or from an earlier run) once it is on disk. ``multi_year``: the
    multi-year transcripts whose last year is ``school_year`` instead (give them their own ``out_dir``).

    Before signing, every homeroom teacher of the transcripts to sign must have a usable key in
    their name (else :class:`signer.teachers.TeacherKeyProblems`, and nothing is signed); then the
    teachers' and the principal's keys go to ``register_certificates`` (register them on chain)."""
    start = time.perf_counter()
    transcripts = (store.load_multi_year if multi_year else store.load)(school_code, school_year)
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock(out_dir)  # two runs for one school and year would each sign the same students
    try:
        todo, done, classes_of = [], [], {}
        for t in sorted(transcripts, key=lambda t: nfc(t.homeroom_teacher)):  # a worker's chunk: one teacher
            path = out_dir / f"{t.student.personal_id}.pdf"
            if path.exists():
                done.append(path)
            else:
                todo.append((canonical_json(t.to_fields()), str(path)))
                last = t.years[-1] if multi_year else t
                classes_of.setdefault(nfc(t.homeroom_teacher), set()).add(last.class_name)
        if todo:
            _check_and_register(setup, classes_of, register_certificates)
        total, count = len(transcripts), 0
        for path in done:
            _submit_file(path, submit)
            count += 1
            progress(count, total)
        if todo:
            for path in _run(todo, setup, workers or os.cpu_count() or 1):
                _submit_file(Path(path), submit)
                count += 1
                progress(count, total)
    finally:
        os.close(lock)
    return IssueSummary(total, len(todo), len(done), time.perf_counter() - start)


def _check_and_register(setup: SignerSetup, classes_of: dict[str, set[str]],
                        register: Callable[[list[SigningKey]], None]) -> None:
    """Every teacher's key checked (all problems at once), then the principal's (a token is logged in
    to here first: a wrong PIN stops the run before any worker tries it), then all registered."""
    keys = list(check_teachers(setup.teacher_keys(), classes_of).values())
    try:
        keys.append(setup.load_principal())
        register(keys)
    finally:
        for key in keys:
            key.close()


class AlreadyRunning(SignerError):
    code = "already_running"


def _lock(out_dir: Path) -> int:
    """An exclusive lock on ``out_dir`` for this process's lifetime (released when it exits)."""
    fd = os.open(out_dir / ".issuing.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise AlreadyRunning(f"another `sogoc transcripts issue` is signing into {out_dir}") from None
    return fd


def _run(jobs: list[tuple[bytes, str]], setup: SignerSetup, workers: int) -> Iterable[str]:
    if workers == 1:  # in this process: log out of a token afterwards
        _init_worker(setup)
        try:
            yield from map(_sign_one, jobs)
        finally:
            for key in [*_worker.pop("keys", ())[:1], *_worker.get("teachers", {}).values()]:
                key.close()
            _worker.clear()
        return
    with multiprocessing.get_context("spawn").Pool(workers, _init_worker, (setup,)) as pool:
        yield from pool.imap_unordered(_sign_one, jobs, chunksize=4)


def _submit_file(path: Path, submit: Callable[[Credential, bytes], None]) -> None:
    from verifier.pdf import extract_credential_json

    pdf = path.read_bytes()
    submit(Credential.from_json(extract_credential_json(pdf) or b""), pdf)


def text_progress(label: str) -> Callable[[int, int], None]:
    """A one-line progress bar on stderr, e.g. ``Ký học bạ [#######.....] 1234/2000``."""
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


def certificate_registrar(ledger, school_code: str) -> Callable[[list[SigningKey]], None]:
    """``register_certificates`` for :func:`issue_year`: the school adds to the chain each signer's
    certificate it does not list yet, with the certificate's validity window (``addCertificate``,
    which the contract allows an active issuer for itself). The verifier accepts a signature only
    from a certificate the chain lists for the issuer at the signing time, so a new homeroom
    teacher's certificate is registered before their first transcript is submitted."""
    def register(keys: list[SigningKey]) -> None:
        known = ledger.certificates(school_code)
        for key in keys:
            fingerprint = key.certificate_sha256
            if fingerprint in known:
                continue
            validity = key.certificate["tbs_certificate"]["validity"]
            ledger.add_certificate(school_code, school_code, fingerprint,
                                   int(validity["not_before"].native.timestamp()),
                                   int(validity["not_after"].native.timestamp()))
            known.add(fingerprint)
    return register
