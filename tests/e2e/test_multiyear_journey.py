"""A multi-year transcript (grades 10-12) on real parts: import, issue (sign, submit, anchor on anvil),
verify the file with `sogoc verify`, look it up by its QR address and the JSON API."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from demo_helpers import running_demo  # tests/e2e/

pytestmark = pytest.mark.chain

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(demo, *args: str) -> subprocess.CompletedProcess[str]:
    result = demo.sogoc(*args)
    assert result.returncode == 0, result.stderr + result.stdout
    return result


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo of its own: the documents issued here must not change the shared demo's counts."""
    yield from running_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def issued(demo) -> list[Path]:
    run(demo, "transcripts", "import", str(EXAMPLES / "hoc-ba-THPT-10-12.csv"),
        "--school", str(EXAMPLES / "school-THPT-79-NTMK.toml"), "--multi-year")
    out = run(demo, "transcripts", "issue", "--school", "THPT-79-NTMK", "--year", "2025-2026", "--multi-year",
              "--issued-on", "2026-06-05", "--workers", "1")
    assert "3 học bạ: 3 vừa ký" in out.stdout and "Đã neo 3 văn bản" in out.stdout, out.stdout
    return sorted((demo.data_dir / "issued" / "THPT-79-NTMK" / "2025-2026" / "nhieu-nam").glob("*.pdf"))


def test_each_multi_year_transcript_verifies_valid_with_its_three_years(demo, issued):
    assert [p.stem for p in issued] == ["046308007890", "075208004567", "079308001234"]
    result = demo.sogoc("verify", str(issued[2]), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["status"] == "valid", result.stdout
    assert [s["signer"] for s in report["signatures"]] == ["Trần Thị Thu Hương", "Nguyễn Văn Đức"]
    assert all(s["intact"] and s["trusted"] for s in report["signatures"])
    years = report["document"]["fields"]["years"]
    assert [(y["school_year"], y["class_name"]) for y in years] == [
        ("2023-2024", "10A1"), ("2024-2025", "11A1"), ("2025-2026", "12A1")]


def test_the_qr_page_and_the_json_api_show_the_years(demo, issued):
    report = json.loads(demo.sogoc("verify", str(issued[1]), "--json").stdout)
    doc_id = report["document_id"]
    page = httpx.get(f"{demo.base_url}/v/{doc_id}").text
    assert "hợp lệ" in page
    for text in ("Lê Hoàng Phúc", "10A1, 11A1, 12A1", "Năm học 2023-2024 · Lớp 10A1",
                 "Năm học 2025-2026 · Lớp 12A1", "Võ Thị Mỹ Lệ", "Đặng Quốc Bảo"):
        assert text in page, text
    api = httpx.get(f"{demo.base_url}/api/v1/verify/{doc_id}").json()
    assert api["status"] == "valid"
    assert [y["class_name"] for y in api["document"]["fields"]["years"]] == ["10A1", "11A1", "12A1"]
    assert "personal_id" not in api["document"]["fields"]["student"]


def test_a_changed_byte_is_tampered(demo, issued, tmp_path):
    data = bytearray(issued[0].read_bytes())
    data[len(data) // 4] ^= 0x01
    flipped = tmp_path / "flipped.pdf"
    flipped.write_bytes(bytes(data))
    result = demo.sogoc("verify", str(flipped), "--json")
    assert result.returncode == 1 and json.loads(result.stdout)["status"] == "tampered"
