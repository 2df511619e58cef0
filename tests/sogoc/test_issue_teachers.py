"""Each class's homeroom teacher signs its transcripts with their own certificate (issue #4)."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from classes_helpers import CLASSES, EXAMPLES, three_classes_csv  # tests/
from signer.importing import SchoolProfile, TranscriptStore, import_file
from signer.pki import DEV_PASSPHRASE
from signer.teachers import P12Source, TeacherKeyProblems, TeacherKeys, declared_sources
from sogoc.issue import SignerSetup, issue_year
from verifier.pdf import check_signatures, extract_credential_json


@pytest.fixture
def store(tmp_path) -> TranscriptStore:
    store = TranscriptStore(tmp_path / "transcripts")
    profile = SchoolProfile.load(EXAMPLES / "school-THPT-79-NTMK.toml")
    assert import_file(three_classes_csv(tmp_path / "three-classes.csv"), profile, store).ok
    return store


def signer_names(pdf: bytes) -> list[str]:
    return [s.signer_cert.subject.native["common_name"] for s in PdfFileReader(io.BytesIO(pdf)).embedded_signatures]


def test_each_transcript_is_signed_by_its_own_classs_homeroom_teacher(tmp_path, store, dev_pki):
    setup = SignerSetup(dev_pki.directory, "", "https://xacminh.example.gov.vn", "2026-06-05",
                        teachers=TeacherKeys(dev_pki_dir=dev_pki.directory))
    registered = []
    summary = issue_year(store, "THPT-79-NTMK", "2025-2026", tmp_path / "out", setup, lambda c, p: None,
                         workers=2, register_certificates=lambda keys: registered.extend(k.subject_name for k in keys))

    assert summary.signed == 3
    for personal_id, (class_name, teacher) in CLASSES.items():
        pdf = (tmp_path / "out" / f"{personal_id}.pdf").read_bytes()
        fields = json.loads(extract_credential_json(pdf))["fields"]
        assert (fields["class_name"], fields["homeroom_teacher"]) == (class_name, teacher)
        assert signer_names(pdf) == [teacher, "Nguyễn Văn Đức"]  # the stamp names the printed teacher
        assert all(r.ok for r in check_signatures(pdf, dev_pki.trust_roots()))
    # every signer's certificate is handed over for registration before anything is signed
    assert sorted(registered) == sorted([t for _c, t in CLASSES.values()] + ["Nguyễn Văn Đức"])


def test_without_the_dev_pki_a_teacher_without_a_declared_key_stops_the_run(tmp_path, store, dev_pki):
    """Production: only the profile's keys. Two teachers have none, one has someone else's: the
    error lists all three with their classes, and nothing is signed or registered."""
    declared = (("Trần Thị Thu Hương", P12Source(dev_pki.p12("teacher"), DEV_PASSPHRASE)),
                ("Phạm Thị Hoa", P12Source(dev_pki.p12("principal"), DEV_PASSPHRASE)))
    setup = SignerSetup(dev_pki.directory, "", "https://x.test", "2026-06-05", teachers=TeacherKeys(declared))
    registered = []
    with pytest.raises(TeacherKeyProblems) as e:
        issue_year(store, "THPT-79-NTMK", "2025-2026", tmp_path / "out", setup, lambda c, p: None,
                   workers=1, register_certificates=registered.extend)

    assert [(p.code, p.teacher, p.classes) for p in e.value.problems] == [
        ("teacher_key_missing", "Lê Văn Bình", ("12A2",)),
        ("teacher_key_mismatch", "Phạm Thị Hoa", ("12A3",)),
    ]
    assert e.value.code == "teacher_keys_unusable"
    vi = e.value.message("vi")
    assert "teacher_key_missing: giáo viên chủ nhiệm Lê Văn Bình (lớp 12A2)" in vi
    assert "CN=Nguyễn Văn Đức" in vi and "chưa ký học bạ nào" in vi
    assert "homeroom teacher Lê Văn Bình (class 12A2): no signing key declared" in e.value.message("en")
    assert not list((tmp_path / "out").glob("*.pdf")) and registered == []


def test_the_profile_declares_each_teachers_p12_and_each_secret_is_asked_once(tmp_path, dev_pki):
    binh = dev_pki.teacher_p12("Lê Văn Bình")
    profile = tmp_path / "school.toml"
    profile.write_text((EXAMPLES / "school-THPT-79-NTMK.toml").read_text("utf-8") + f"""
[teachers]
"Lê Văn Bình" = "{binh}"
"{unicodedata.normalize('NFD', 'Trần Thị Thu Hương')}" = {{ p12 = "{dev_pki.p12('teacher')}" }}
""", "utf-8")
    asked = []

    def secret(env, prompt):
        asked.append(env)
        return DEV_PASSPHRASE.decode()

    declared = declared_sources(profile, secret)
    assert asked == ["SOGOC_TEACHER_P12_PASSPHRASE"]  # one variable, one question
    keys = TeacherKeys(declared)
    assert keys.load("Lê Văn Bình").subject_name == "Lê Văn Bình"
    assert keys.load("Trần Thị Thu Hương").subject_name == "Trần Thị Thu Hương"  # NFD in the file, NFC here
    assert DEV_PASSPHRASE.decode() not in repr(declared)
    assert SchoolProfile.load(profile).school.code == "THPT-79-NTMK"  # import still reads the profile


def test_the_dev_pki_gives_each_teacher_a_certificate_in_their_name_once(dev_pki):
    nfd = unicodedata.normalize("NFD", "Lê Văn Bình")
    path = dev_pki.teacher_p12(nfd)
    assert path == dev_pki.teacher_p12("Lê Văn Bình")  # created once, NFC
    assert path.parent == dev_pki.directory / "teachers" and path.name.isascii()
    assert path.name.startswith("le-van-binh-")
    assert dev_pki.teacher_p12("Lê Văn Bính") != path  # differing marks: another teacher, another file
    key = dev_pki.teacher_key("Lê Văn Bình")
    assert key.subject_name == "Lê Văn Bình"
    assert key.certificate.issuer.native["common_name"] == "Sở Giáo dục và Đào tạo TP. Hồ Chí Minh — CA (DEV)"
    assert dev_pki.teacher_p12("Trần Thị Thu Hương") == dev_pki.p12("teacher")
