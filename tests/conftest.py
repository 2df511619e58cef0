"""Shared fixtures: the development PKI, an impostor PKI, the demo cohort, a signed transcript."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.credential import Credential
from core.transcript import Transcript, cohort_from_json

DEMO_COHORT = Path(__file__).resolve().parents[1] / "examples" / "demo-transcripts.json"
#: The time every test timestamp carries: the demo cohort's issue date, 9:00 in Hồ Chí Minh City.
SIGNING_TIME = datetime(2026, 6, 5, 9, 0, tzinfo=timezone(timedelta(hours=7)))


@dataclass(frozen=True)
class SignedTranscript:
    pdf: bytes
    unsigned_pdf: bytes
    transcript: Transcript
    credential: Credential
    verify_url: str


def _verify_url_for(credential: Credential) -> str:
    return f"https://xacthuc.sogd.hcm.edu.vn/v/{credential.id}"


@pytest.fixture(scope="session")
def signing_time() -> datetime:
    """The pinned time of the test timestamps (the time a signer claims is the real clock's)."""
    return SIGNING_TIME


@pytest.fixture(scope="session")
def demo_cohort() -> dict:
    """``examples/demo-transcripts.json`` as JSON."""
    return json.loads(DEMO_COHORT.read_text("utf-8"))


@pytest.fixture(scope="session")
def transcripts(demo_cohort) -> list[Transcript]:
    """The three demo students of class 12A1."""
    return cohort_from_json(demo_cohort)


@pytest.fixture(scope="session")
def verify_url_for():
    """Credential -> the verification URL its QR code carries."""
    return _verify_url_for


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory):
    """The development PKI (Ministry root, HCMC department CA, teacher, principal, TSA)."""
    from signer.pki import init_dev_pki

    return init_dev_pki(tmp_path_factory.mktemp("dev-pki"), valid_from=SIGNING_TIME - timedelta(days=30))


@pytest.fixture(scope="session")
def untrusted_pki(tmp_path_factory):
    """An impostor's PKI: its own root and CA, but the same teacher and principal names."""
    from signer.pki import init_dev_pki

    return init_dev_pki(tmp_path_factory.mktemp("untrusted-pki"), root_name="Impostor Root CA (TEST)",
                        ca_name="Impostor Intermediate CA (TEST)", school_name="Trường THPT Giả Mạo",
                        tsa_name="Impostor TSA (TEST)", valid_from=SIGNING_TIME - timedelta(days=30))


@pytest.fixture(scope="session")
def dev_keys(dev_pki):
    """(teacher, principal) signing keys of the development PKI, loaded once."""
    return dev_pki.signer_key("teacher"), dev_pki.signer_key("principal")


@pytest.fixture(scope="session")
def dev_timestamper(dev_pki):
    """The development TSA, its tokens pinned to :data:`SIGNING_TIME`."""
    from signer.sign import make_timestamper

    return make_timestamper(None, dev_pki, fixed_time=SIGNING_TIME)


@pytest.fixture(scope="session")
def dev_ltv(dev_pki):
    """What B-LT signatures embed: the development PKI's CRLs, issued at :data:`SIGNING_TIME`."""
    from signer.sign import make_validation_context

    return make_validation_context(dev_pki, fixed_time=SIGNING_TIME)


@pytest.fixture(scope="session")
def signed_transcript(demo_cohort, transcripts, dev_keys, dev_timestamper, dev_ltv) -> SignedTranscript:
    """The first demo transcript rendered and signed by the teacher, then the principal (PAdES B-LT)."""
    from signer.render import render_transcript
    from signer.sign import sign_transcript

    transcript = transcripts[0]
    credential = transcript.to_credential(demo_cohort["issued_on"])
    url = _verify_url_for(credential)
    unsigned = render_transcript(transcript, credential, url)
    return SignedTranscript(sign_transcript(unsigned, *dev_keys, dev_timestamper, dev_ltv), unsigned,
                            transcript, credential, url)


@pytest.fixture(scope="session")
def signed_diploma(tmp_path_factory, dev_pki, dev_timestamper, dev_ltv) -> bytes:
    """The first diploma of the example register (examples/), issued and signed by the department's
    director (PAdES B-LT, CRLs of the time-stamps' day): the PDF's bytes."""
    from signer.diplomas import issue_diploma
    from signer.importing.diplomas import AuthorityProfile, import_diplomas
    from signer.importing.store import DiplomaStore

    examples = Path(__file__).parents[1] / "examples"
    store = DiplomaStore(tmp_path_factory.mktemp("diploma"))
    assert import_diplomas(examples / "tot-nghiep-THPT-2026.csv", AuthorityProfile.load(examples / "authority-SGD-79.toml"),
                           store, legacy=False).ok
    return issue_diploma(store.load("SGD-79", 2026)[0], dev_pki.signer_key("director"), dev_timestamper,
                         issued_on="2026-07-20", public_base_url="https://xacthuc.sogd.hcm.edu.vn", ltv=dev_ltv).pdf


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the whole session (tests/db_helpers.py), stopped afterwards."""
    from chain_helpers import free_port
    from db_helpers import postgres_server

    with postgres_server(free_port()) as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request, tmp_path) -> str:
    """An empty registry database, once on SQLite (a file) and once on PostgreSQL (a fresh database
    on the session's server): a test that takes this fixture runs on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return request.getfixturevalue("postgres_server").create_database()
