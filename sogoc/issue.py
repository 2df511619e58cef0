"""``sogoc transcripts issue``: a whole school's transcripts for one year, rendered, signed,
submitted and anchored, on every core, safe to interrupt.

The signed PDF under ``<data>/issued/<school>/<year>/<personal id>.pdf`` is the record that a
transcript was issued. It is written atomically by the worker that signed it, then submitted
by the main process; the registry recognises a resubmitted file. So an interruption anywhere
(Ctrl-C, a crash, a power cut) loses at most the transcripts being signed at that moment, and a
re-run signs only those: a student is never signed twice, and nothing is anchored twice.

Workers are processes (signing is CPU-bound Python): each loads the signing keys once.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from core.canonical import canonical_json, parse_json
from core.credential import Credential
from core.transcript import Transcript
from signer.importing import TranscriptStore
from signer.keys import SigningKey
from signer.render import render_transcript
from signer.sign import make_timestamper, sign_transcript


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

    def load(self) -> tuple[SigningKey, SigningKey, object]:
        from signer.keys import Pkcs11SigningKey
        from signer.pki import DevPki

        pki = DevPki(self.pki_dir)
        teacher = pki.signer_key("teacher")
        if self.principal_token is None:
            principal = pki.signer_key("principal")
        else:
            t = self.principal_token
            chain = [c for c in teacher.signer.cert_registry if c.self_signed != "yes"]  # the department's CA
            principal = Pkcs11SigningKey.open(t.module, token_label=t.token_label, key_label=t.key_label,
                                              pin=t.pin, chain=chain)
        return teacher, principal, make_timestamper(self.tsa_url or None, pki)


@dataclass(frozen=True)
class IssueSummary:
    total: int
    signed: int  # newly signed in this run
    already: int  # found signed by an earlier run
    seconds: float


_worker: dict = {}


def _init_worker(setup: SignerSetup) -> None:
    _worker["setup"] = setup
    _worker["keys"] = setup.load()


def _sign_one(job: tuple[bytes, str]) -> str:
    """Render and sign one transcript (given as canonical JSON), write it atomically; return its path."""
    fields, path = job
    setup: SignerSetup = _worker["setup"]
    teacher, principal, timestamper = _worker["keys"]
    transcript = Transcript.from_fields(parse_json(fields))
    credential = transcript.to_credential(setup.issued_on)
    url = f"{setup.public_base_url.rstrip('/')}/v/{credential.id}"
    pdf = sign_transcript(render_transcript(transcript, credential, url), teacher, principal, timestamper)
    write_atomically(Path(path), pdf)
    return path


def write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)


def issue_year(store: TranscriptStore, school_code: str, school_year: str, out_dir: Path, setup: SignerSetup,
               submit: Callable[[Credential, bytes], None], *, workers: int | None = None,
               progress: Callable[[int, int], None] = lambda done, total: None) -> IssueSummary:
    """Sign every stored transcript of ``school_code`` for ``school_year`` that has no PDF yet,
    and ``submit`` every PDF (new or from an earlier run) once it is on disk."""
    start = time.perf_counter()
    transcripts = store.load(school_code, school_year)
    out_dir.mkdir(parents=True, exist_ok=True)
    todo, done = [], []
    for t in transcripts:
        path = out_dir / f"{t.student.personal_id}.pdf"
        if path.exists():
            done.append(path)
        else:
            todo.append((canonical_json(t.to_fields()), str(path)))
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
    return IssueSummary(total, len(todo), len(done), time.perf_counter() - start)


def _run(jobs: list[tuple[bytes, str]], setup: SignerSetup, workers: int) -> Iterable[str]:
    if workers == 1:
        _init_worker(setup)
        yield from map(_sign_one, jobs)
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
