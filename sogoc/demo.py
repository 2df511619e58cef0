"""``sogoc demo``: the whole path of a transcript, from school to employer, on real parts.

Starts anvil (state under ``var/chain``), deploys the contract once, creates the development
PKI, issues the three demo transcripts of ``examples/demo-transcripts.json`` (rendered, signed
by the homeroom teacher then the principal, time-stamped), anchors them in one batch, writes
the PDFs under ``var/demo/`` and serves the registry and verifier on http://127.0.0.1:8000/.
Running it again reuses chain, database and documents: nothing is issued twice.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from core.chain import RegistryReader
from core.config import Settings
from core.transcript import Transcript, cohort_from_json
from registry import service
from registry.chain import Web3Ledger
from registry.db import make_engine, make_sessionmaker
from signer.pki import DevPki
from signer.render import render_transcript
from signer.sign import make_timestamper, sign_transcript
from sogoc.setup_chain import keyring

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demo-transcripts.json"


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.encode("ascii", "ignore").decode().lower()).strip("-")


def issue_demo_transcripts(settings: Settings, pki: DevPki) -> list[tuple[Path, str]]:
    """Issue (once) and anchor the demo cohort; returns (PDF path, verification URL) per student."""
    cohort = json.loads(EXAMPLE.read_text("utf-8"))
    transcripts = cohort_from_json(cohort)
    out_dir = settings.data_dir / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / "manifest.json"
    manifest: dict[str, str] = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}

    sessions = make_sessionmaker(make_engine(settings.database))
    teacher, principal = pki.signer_key("teacher"), pki.signer_key("principal")
    timestamper = make_timestamper(settings.tsa_url or None, pki)
    results = []
    with sessions() as session:
        for t in transcripts:
            key = t.student.personal_id
            path = out_dir / f"hoc-ba-{slug(t.student.full_name)}.pdf"
            if key not in manifest:
                manifest[key] = _issue_one(session, settings, t, cohort["issued_on"], path,
                                           teacher, principal, timestamper)
                manifest_path.write_text(json.dumps(manifest, indent=1))
            results.append((path, settings.verification_url(manifest[key])))
        ledger = Web3Ledger(RegistryReader.from_settings(settings), keyring(settings))
        service.anchor_pending(session, ledger)
    return results


def _issue_one(session, settings: Settings, transcript: Transcript, issued_on: str, path: Path,
               teacher, principal, timestamper) -> str:
    credential = transcript.to_credential(issued_on)
    pdf = render_transcript(transcript, credential, settings.verification_url(credential.id))
    signed = sign_transcript(pdf, teacher, principal, timestamper)
    service.submit_document(session, credential, signed)  # durable before the file is written
    path.write_bytes(signed)
    return credential.id
