"""Where imported transcripts and diplomas wait to be rendered and signed: one canonical JSON file each.

``<root>/<school code>/<school year>/<personal id>.json`` holds a transcript's fields in
canonical form (a multi-year transcript's: ``<root>/<school code>/<last school year>/nhieu-nam/<personal id>.json``), ``<root>/<authority code>/<graduation year>/<serial number>.json`` a diploma's. Importing the same content again changes nothing; different content for a
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
from core.diploma import Diploma
from core.multiyear import MultiYearTranscript
from core.transcript import Transcript


@dataclass(frozen=True)
class StoredResult:
    written: int
    unchanged: int


class CanonicalStore:
    """Documents waiting to be issued, one canonical JSON file each, written atomically.

    Subclasses say where a document lives (:meth:`path`) and what its bytes are (:meth:`encode`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, item) -> Path:
        raise NotImplementedError

    def encode(self, item) -> bytes:
        return canonical_json(item.to_fields())

    def differs(self, item) -> bool:
        """True when a file for ``item`` exists with other content."""
        path = self.path(item)
        return path.exists() and path.read_bytes() != self.encode(item)

    def save(self, items: list) -> StoredResult:
        written = unchanged = 0
        for item in items:
            path, data = self.path(item), self.encode(item)
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


#: Subfolder of a school year holding the multi-year transcripts whose last year it is.
MULTI_YEAR = "nhieu-nam"


class TranscriptStore(CanonicalStore):
    """One-year transcripts in ``<school>/<year>/``; multi-year ones in ``<school>/<last year>/nhieu-nam/``
    (issued with that year, the year the document is handed over)."""

    def path(self, t: Transcript | MultiYearTranscript) -> Path:
        folder = self.root / t.school.code / t.school_year
        if isinstance(t, MultiYearTranscript):
            folder = folder / MULTI_YEAR
        return folder / f"{t.student.personal_id}.json"

    def conflicts(self, transcripts: list[Transcript]) -> list[Transcript]:
        """Those already stored with different content."""
        return [t for t in transcripts if self.differs(t)]

    def load(self, school_code: str, school_year: str) -> list[Transcript]:
        """Every stored transcript of one school and year, in personal-id order."""
        folder = self.root / school_code / school_year
        return [Transcript.from_fields(parse_json(p.read_bytes(), what=str(p))) for p in sorted(folder.glob("*.json"))]

    def load_multi_year(self, school_code: str, last_year: str) -> list[MultiYearTranscript]:
        """Every stored multi-year transcript of one school whose last year is ``last_year``."""
        folder = self.root / school_code / last_year / MULTI_YEAR
        return [MultiYearTranscript.from_fields(parse_json(p.read_bytes(), what=str(p)))
                for p in sorted(folder.glob("*.json"))]


class DiplomaStore(CanonicalStore):
    """Imported diplomas by authority, graduation year and serial number (spaces as dashes)."""

    def path(self, d: Diploma) -> Path:
        return self.root / d.authority.code / str(d.graduation_year) / f"{d.serial_number.replace(' ', '-')}.json"

    def conflicts(self, diplomas: list[Diploma]) -> list[tuple[Diploma, str, dict[str, str]]]:
        """(diploma, problem code, params) for each diploma stored before with other content, and each
        whose register number an earlier import gave to another serial number of the same year."""
        out: list[tuple[Diploma, str, dict[str, str]]] = []
        taken: dict[tuple[str, int], dict[str, str]] = {}  # (authority, year) -> register number -> serial
        for d in diplomas:
            if self.differs(d):
                out.append((d, "diploma_already_imported", {}))
                continue
            key = (d.authority.code, d.graduation_year)
            if key not in taken:
                taken[key] = {s.register_number: s.serial_number for s in self.load(*key)}
            owner = taken[key].get(d.register_number)
            if owner is not None and owner != d.serial_number:
                out.append((d, "register_number_taken", {"serial_number": owner}))
        return out

    def load(self, authority_code: str, graduation_year: int) -> list[Diploma]:
        """Every stored diploma of one authority and graduation year, in serial-number order."""
        folder = self.root / authority_code / str(graduation_year)
        return [Diploma.from_fields(parse_json(p.read_bytes(), what=str(p))) for p in sorted(folder.glob("*.json"))]
