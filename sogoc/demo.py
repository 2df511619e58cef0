"""``sogoc demo``: the whole path of a transcript, from school to employer, on real parts.

Starts anvil (state under ``var/chain``), deploys the contract once, creates the development
PKI, issues the three demo transcripts of ``examples/demo-transcripts.json`` (rendered, signed
by the homeroom teacher then the principal, time-stamped), anchors them in one batch, writes
the PDFs under ``var/demo/`` and serves the registry and verifier on http://127.0.0.1:8000/.
Running it again reuses chain, database and documents: nothing is issued twice.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

from core.config import Settings
from core.credential import Credential
from core.transcript import Transcript, cohort_from_json
from registry import service
from registry.db import engine_for, make_sessionmaker
from signer.pki import DevPki
from signer.render import render_transcript
from signer.sign import make_timestamper, make_validation_context, sign_transcript
from sogoc.anchoring import anchor_once
from verifier.pdf import extract_credential_json

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demo-transcripts.json"


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.encode("ascii", "ignore").decode().lower()).strip("-")


def issue_demo_transcripts(settings: Settings, pki: DevPki) -> list[tuple[Path, str]]:
    """Issue (once) and anchor the demo cohort; returns (PDF path, verification URL) per student.

    The signed PDF under ``var/demo/`` is the record of an issued transcript: it is written
    (atomically) before it is submitted, and a re-run submits the same file again, which the
    registry recognises. A crash anywhere therefore never issues a student twice.
    """
    cohort = json.loads(EXAMPLE.read_text("utf-8"))
    out_dir = settings.data_dir / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    sessions = make_sessionmaker(engine_for(settings))
    signers = None
    results = []
    with sessions() as session:
        for transcript in cohort_from_json(cohort):
            path = out_dir / f"hoc-ba-{slug(transcript.student.full_name)}.pdf"
            if not path.exists():
                signers = signers or (pki.signer_key("teacher"), pki.signer_key("principal"),
                                      make_timestamper(settings.tsa_url or None, pki), make_validation_context(pki))
                _write_atomically(path, _issue(settings, transcript, cohort["issued_on"], *signers))
            pdf = path.read_bytes()
            credential = Credential.from_json(extract_credential_json(pdf) or b"")
            service.submit_document(session, credential, pdf)
            results.append((path, settings.verification_url(credential.id)))
    settled = anchor_once(settings)  # cmd_demo publishes the reports of all three afterwards
    if settled.stuck:
        raise next(iter(settled.stuck.values()))
    return results


def _issue(settings: Settings, transcript: Transcript, issued_on: str, teacher, principal, timestamper,
           ltv) -> bytes:
    credential = transcript.to_credential(issued_on)
    pdf = render_transcript(transcript, credential, settings.verification_url(credential.id))
    return sign_transcript(pdf, teacher, principal, timestamper, ltv)  # PAdES B-LT


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_suffix(".partial")
    partial.write_bytes(data)
    os.replace(partial, path)
