"""Where imported transcripts wait to be rendered and signed: one canonical JSON file each.

``<root>/<school code>/<school year>/<personal id>.json`` holds the transcript's fields in
canonical form. Importing the same content again changes nothing; different content for a
transcript already there is refused (a correction is a decision, not a re-import). Files are
written atomically, so an interrupted import leaves whole files only, and re-running it
finishes the job.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.canonical import canonical_json, parse_json
from core.transcript import Transcript


@dataclass(frozen=True)
class StoredResult:
    written: int
    unchanged: int


class TranscriptStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, t: Transcript) -> Path:
        return self.root / t.school.code / t.school_year / f"{t.student.personal_id}.json"

    def conflicts(self, transcripts: list[Transcript]) -> list[Transcript]:
        """Those already stored with different content."""
        return [t for t in transcripts if self.path(t).exists() and self.path(t).read_bytes() != _bytes(t)]

    def save(self, transcripts: list[Transcript]) -> StoredResult:
        written = unchanged = 0
        for t in transcripts:
            path, data = self.path(t), _bytes(t)
            if path.exists() and path.read_bytes() == data:
                unchanged += 1
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".import-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            written += 1
        return StoredResult(written, unchanged)

    def load(self, school_code: str, school_year: str) -> list[Transcript]:
        """Every stored transcript of one school and year, in personal-id order."""
        folder = self.root / school_code / school_year
        return [Transcript.from_fields(parse_json(p.read_bytes(), what=str(p))) for p in sorted(folder.glob("*.json"))]


def _bytes(t: Transcript) -> bytes:
    return canonical_json(t.to_fields())
