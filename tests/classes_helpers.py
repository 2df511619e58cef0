"""A school export with three classes and three homeroom teachers, made from examples/hoc-ba-12A1.csv."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

#: personal id -> (class, homeroom teacher); the first student stays in Trần Thị Thu Hương's 12A1.
CLASSES = {
    "079308001234": ("12A1", "Trần Thị Thu Hương"),
    "075208004567": ("12A2", "Lê Văn Bình"),
    "046308007890": ("12A3", "Phạm Thị Hoa"),
}


def three_classes_csv(path: Path) -> Path:
    """Each of the example's three students moved to their own class and teacher (columns Lớp and
    Giáo viên chủ nhiệm rewritten); everything else as in the example."""
    lines = (EXAMPLES / "hoc-ba-12A1.csv").read_text("utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        personal_id = line.split(",", 1)[0]
        class_name, teacher = CLASSES[personal_id]
        out.append(line.replace(",12A1,", f",{class_name},").replace(",Trần Thị Thu Hương,", f",{teacher},"))
    path.write_text("\n".join(out) + "\n", "utf-8")
    return path
