"""Benchmark: a whole school's year, as a school would run it: one export, two commands.

Writes a school's export in the common long layout (one row per student per subject: 2,000
students of grades 10-12 in 45 classes, each class with its own homeroom teacher, 12 subjects,
Vietnamese names with every tone mark), then runs, each as its own process on a fresh data
directory (development setup: local anvil, SQLite, the development PKI, which issues each
teacher a certificate on first use):

    sogoc transcripts import EXPORT --school PROFILE
    sogoc transcripts issue --school THPT-79-NTMK --year 2025-2026 --profile PROFILE

and prints the time of each, then checks a sample of the issued PDFs with `sogoc verify` and that
each PDF's teacher signature is by the class's own homeroom teacher.

    .venv/bin/python bench/school_year.py [--students 2000] [--classes 45] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loopback import free_port, wait_for_port  # bench/, the script's own directory

ROOT = Path(__file__).resolve().parents[1]
SOGOC = ROOT / ".venv" / "bin" / "sogoc"
PROFILE = ROOT / "examples" / "school-THPT-79-NTMK.toml"
YEAR = "2025-2026"

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý")
MIDDLE = ("Thị", "Văn", "Hữu", "Minh", "Ngọc", "Thanh", "Quốc", "Đức", "Thu", "Bảo", "Gia", "Khánh")
GIVEN = ("Anh", "Ánh", "Bình", "Châu", "Dũng", "Duyên", "Giang", "Hà", "Hải", "Hằng", "Hiếu", "Hoà", "Hùng", "Hương",
         "Khoa", "Lan", "Linh", "Long", "Mai", "My", "Nam", "Nga", "Ngọc", "Nhung", "Phúc", "Phương", "Quân",
         "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng", "Thư", "Trang", "Trí", "Trung", "Tuấn", "Tuyết", "Uyên", "Vy",
         "Xuân", "Yến", "Ý")
PLACES = ("Thành phố Hồ Chí Minh", "Tỉnh Đồng Nai", "Tỉnh Bình Dương", "Tỉnh Long An", "Thành phố Cần Thơ",
          "Tỉnh Bà Rịa - Vũng Tàu", "Tỉnh Tiền Giang", "Thành phố Hà Nội")
SCORED = ("Ngữ văn", "Toán", "Ngoại ngữ 1", "Lịch sử", "Vật lí", "Hoá học", "Sinh học", "Tin học",
          "Giáo dục quốc phòng và an ninh")
RATED = ("Giáo dục thể chất", "Hoạt động trải nghiệm, hướng nghiệp", "Nội dung giáo dục của địa phương")
COMMENTS = ("Chăm chỉ, có tinh thần trách nhiệm, học tốt các môn tự nhiên.",
            "Ngoan, lễ phép; cần mạnh dạn phát biểu hơn.", "Tích cực tham gia hoạt động tập thể, học đều các môn.",
            "Có tiến bộ rõ rệt trong học kì II; cần giữ vững.")
HEADER = ("Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Nơi sinh", "Lớp", "Năm học", "Môn học",
          "Học kì I", "Học kì II", "Cả năm", "Kết quả học tập", "Kết quả rèn luyện", "Số ngày nghỉ", "Lên lớp",
          "Nhận xét của giáo viên chủ nhiệm", "Giáo viên chủ nhiệm", "Hiệu trưởng")
PRINCIPAL = "Nguyễn Văn Đức"


def name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def score(rng: random.Random) -> str:
    return f"{rng.randint(50, 100) / 10:.1f}".replace(".", ",")


def write_export(path: Path, students: int, classes: int, seed: int = 2026) -> dict[str, str]:
    """The export, and each class's homeroom teacher."""
    rng = random.Random(seed)
    per_grade = -(-classes // 3)
    class_names = [f"{grade}A{i}" for grade in (10, 11, 12) for i in range(1, per_grade + 1)][:classes]
    teachers: dict[str, str] = {}
    while len(teachers) < len(class_names):
        teacher = name(rng)
        if teacher not in teachers.values() and teacher != PRINCIPAL:
            teachers[class_names[len(teachers)]] = teacher
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for n in range(students):
            class_name = class_names[n % len(class_names)]
            grade = int(class_name[:2])
            born = 2025 - (grade + 5)
            student = (f"079{born % 100:03d}{n:06d}", name(rng), f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{born}",
                       rng.choice(("Nam", "Nữ")), rng.choice(PLACES), class_name, YEAR)
            year = (rng.choice(("Tốt", "Khá", "Đạt")), rng.choice(("Tốt", "Khá")), str(rng.randint(0, 6)),
                    "Hoàn thành chương trình trung học phổ thông" if grade == 12 else "Được lên lớp",
                    rng.choice(COMMENTS), teachers[class_name], PRINCIPAL)
            for subject in SCORED:
                out.writerow((*student, subject, score(rng), score(rng), score(rng), *year))
            for subject in RATED:
                out.writerow((*student, subject, "Đạt", "Đạt", "Đạt", *year))
    return teachers


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([str(SOGOC), *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"sogoc {' '.join(args[:2])} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, done.stdout + done.stderr


def teacher_signer(pdf: Path) -> str:
    """The common name of the first (homeroom teacher's) signature's certificate."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    with pdf.open("rb") as f:
        return PdfFileReader(f).embedded_signatures[0].signer_cert.subject.native["common_name"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=2_000)
    parser.add_argument("--classes", type=int, default=45)
    parser.add_argument("--sample", type=int, default=10, help="issued PDFs checked with `sogoc verify`")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="sogoc-school-year-"))
    work.mkdir(parents=True, exist_ok=True)
    port, rpc_port = free_port(), free_port()
    env = {**os.environ, "SOGOC_DATA_DIR": str(work / "var"), "SOGOC_ENVIRONMENT": "development",
           "SOGOC_PORT": str(port), "SOGOC_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "SOGOC_RPC_URL": f"http://127.0.0.1:{rpc_port}"}
    export = work / "hoc-ba-2025-2026.csv"
    teachers = write_export(export, args.students, args.classes)
    rows = args.students * (len(SCORED) + len(RATED))
    print(f"A school year: {args.students:,} students in {args.classes} classes (grades 10-12), {rows:,} rows "
          f"({export.stat().st_size / 1e6:.1f} MB CSV), {len(set(teachers.values()))} homeroom teachers; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")

    imported, _ = run(["transcripts", "import", str(export), "--school", str(PROFILE)], env)
    print(f"  sogoc transcripts import: {imported:6.1f} s  ({args.students / imported:,.0f} students/s)")
    issued, output = run(["transcripts", "issue", "--school", "THPT-79-NTMK", "--year", YEAR,
                          "--profile", str(PROFILE)], env)
    pdfs = sorted((work / "var" / "issued" / "THPT-79-NTMK" / YEAR).glob("*.pdf"))
    print(f"  sogoc transcripts issue : {issued:6.1f} s  ({len(pdfs) / issued:,.1f} transcripts/s: render, QR, two "
          f"PAdES B-LT signatures, registry, anchored on anvil; includes starting the chain and the teachers' keys)")
    if len(pdfs) != args.students:
        sys.exit(f"expected {args.students} PDFs, found {len(pdfs)}\n{output[-2000:]}")

    rng = random.Random(1)
    sample = rng.sample(pdfs, min(args.sample, len(pdfs)))
    by_id = {}
    with export.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_id[row["Số định danh cá nhân"]] = row["Giáo viên chủ nhiệm"]
    server = subprocess.Popen([str(SOGOC), "serve", "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        for pdf in sample:
            done = subprocess.run([str(SOGOC), "verify", "--json", str(pdf)], env=env, capture_output=True, text=True)
            status = json.loads(done.stdout)["status"] if done.stdout.strip().startswith("{") else done.stderr[-300:]
            signer = teacher_signer(pdf)
            expected = by_id[pdf.stem]
            if status != "valid" or signer != expected:
                sys.exit(f"{pdf.name}: {status}, teacher signature by {signer!r} (expected {expected!r})")
    finally:
        server.terminate()
        server.wait(30)
    print(f"  checked {len(sample)} issued PDFs: `sogoc verify` says valid, each teacher signature is by the class's "
          f"own homeroom teacher")
    print(f"  in all: {imported + issued:.1f} s for {args.students:,} students")
    if args.keep:
        print(f"  kept: {work}")
    else:
        shutil.rmtree(work)  # the chain, the database and 2,000 PDFs: about 300 MB
    return 0


if __name__ == "__main__":
    sys.exit(main())
