"""A school issues its year against the department's registry over the API, on real parts: `sogoc serve`
on a demo (anvil, SQLite), a school API key, and a school machine of its own (its data dir holds only
its keys and its imported transcripts; its chain URL leads nowhere). Unreachable registry, wrong key,
then a run that submits, `sogoc anchor` on the registry's side, `sogoc verify` valid, and a re-run that
finds everything already there."""

from __future__ import annotations

import json
import shutil
import subprocess

import httpx
import pytest

from chain_helpers import free_port  # tests/
from classes_helpers import EXAMPLES  # tests/
from demo_helpers import SOGOC, running_demo  # tests/e2e/
from verifier.pdf import extract_credential_json

pytestmark = pytest.mark.chain

SCHOOL, YEAR = "THPT-79-NTMK", "2025-2026"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A registry of its own: the documents submitted here must not change the shared demo's counts."""
    yield from running_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def school(demo, tmp_path_factory):
    """The school's machine: the dev PKI's keys (registered on the demo's chain), 12A1 imported."""
    data_dir = tmp_path_factory.mktemp("school")
    shutil.copytree(demo.data_dir / "pki", data_dir / "pki")
    profile = data_dir / "school.toml"
    profile.write_text((EXAMPLES / "school-THPT-79-NTMK.toml").read_text("utf-8")
                       + f'\n[teachers]\n"Trần Thị Thu Hương" = "{data_dir / "pki" / "teacher.p12"}"\n', "utf-8")
    env = {**demo.env, "SOGOC_RPC_URL": f"http://127.0.0.1:{free_port()}",  # no chain for the school
           "SOGOC_TEACHER_P12_PASSPHRASE": "sogoc-dev-only-not-a-secret"}

    def sogoc(*args: str, key: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([SOGOC, "--data-dir", str(data_dir), *args], env={**env, "SOGOC_API_KEY": key},
                              capture_output=True, text=True, timeout=300)

    imported = sogoc("transcripts", "import", str(EXAMPLES / "hoc-ba-12A1.csv"), "--school", str(profile))
    assert imported.returncode == 0, imported.stderr
    return data_dir, profile, sogoc


@pytest.fixture(scope="module")
def api_key(demo):
    created = demo.sogoc("registry", "keys", "create", "--institution", SCHOOL)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip().splitlines()[-1]


def issue(school, registry: str, key: str, *extra: str) -> subprocess.CompletedProcess[str]:
    _data_dir, profile, sogoc = school
    return sogoc("transcripts", "issue", "--school", SCHOOL, "--year", YEAR, "--issued-on", "2026-06-05",
                 "--workers", "1", "--profile", str(profile), "--registry", registry, *extra, key=key)


def document_ids(out_dir) -> dict[str, str]:
    return {p.stem: json.loads(extract_credential_json(p.read_bytes()))["id"] for p in sorted(out_dir.glob("*.pdf"))}


def status(demo, key: str, document_id: str) -> httpx.Response:
    return httpx.get(f"{demo.base_url}/api/v1/documents/{document_id}", headers={"Authorization": f"Bearer {key}"})


@pytest.fixture(scope="module")
def runs(demo, school, api_key):
    """Unreachable registry, wrong key, right key (bulk requests of 2), then a re-run."""
    unreachable = issue(school, f"http://127.0.0.1:{free_port()}", api_key)
    out_dir = school[0] / "issued" / SCHOOL / YEAR
    signed = document_ids(out_dir)
    wrong = issue(school, demo.base_url, "sgk_aaaaaaaaaaaaa_" + "b" * 52)
    after_wrong = [status(demo, api_key, i).status_code for i in signed.values()]
    ok = issue(school, demo.base_url, api_key, "--batch-size", "2")
    rerun = issue(school, demo.base_url, api_key)
    return unreachable, signed, (wrong, after_wrong), ok, rerun, out_dir


def test_an_unreachable_registry_is_a_clear_error_and_the_signed_files_stay(runs):
    unreachable, signed, *_ = runs
    assert unreachable.returncode == 2
    assert "registry_unreachable" in unreachable.stderr and "0 mới" in unreachable.stdout
    assert len(signed) == 3, "signed before submitting: kept for the re-run"


def test_a_wrong_key_stops_with_the_registrys_code_and_stores_nothing(demo, api_key, runs):
    _unreachable, _signed, (wrong, after_wrong), *_ = runs
    assert wrong.returncode == 2 and "invalid_credentials" in wrong.stderr, wrong.stderr
    assert "0 mới" in wrong.stdout and "đã ký từ lần trước" not in wrong.stdout  # no summary of success
    assert after_wrong == [404, 404, 404], "nothing of that run reached the registry"


def test_the_run_submits_every_document_and_anchoring_makes_them_valid(demo, api_key, runs):
    _unreachable, signed, _wrong, ok, _rerun, out_dir = runs
    assert ok.returncode == 0, ok.stderr + ok.stdout
    assert "3 học bạ: 0 vừa ký, 3 đã ký từ lần trước" in ok.stdout  # the re-run after failures signed nothing
    assert f"Nộp cho {demo.base_url}: 3 mới, 0 đã có từ trước, 0 bị từ chối." in ok.stdout
    assert "/api/v1/documents/" in ok.stdout
    assert document_ids(out_dir) == signed, "the same files were submitted, none signed again"
    for document_id in signed.values():
        answer = status(demo, api_key, document_id)
        assert answer.status_code == 200 and answer.json()["state"] in ("pending", "anchoring", "anchored")
    anchored = demo.sogoc("anchor")
    assert anchored.returncode == 0, anchored.stderr
    for personal_id, document_id in signed.items():
        assert status(demo, api_key, document_id).json()["state"] == "anchored"
        result = demo.sogoc("verify", str(out_dir / f"{personal_id}.pdf"), "--json")
        assert result.returncode == 0 and json.loads(result.stdout)["status"] == "valid", result.stdout


def test_a_rerun_finds_everything_already_there(runs):
    *_, rerun, _out_dir = runs
    assert rerun.returncode == 0, rerun.stderr
    assert "0 vừa ký, 3 đã ký từ lần trước" in rerun.stdout
    assert "0 mới, 3 đã có từ trước, 0 bị từ chối" in rerun.stdout


def test_the_api_key_is_never_printed(api_key, runs):
    unreachable, _signed, (wrong, _), ok, rerun, _out = runs
    for run in (unreachable, wrong, ok, rerun):
        assert api_key not in run.stdout + run.stderr
        assert api_key.rsplit("_", 1)[1] not in run.stdout + run.stderr
