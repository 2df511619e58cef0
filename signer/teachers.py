"""Each homeroom teacher's signing key (chứng thư số của giáo viên chủ nhiệm), by the teacher's name.

A school of 2,000 students has about 45 classes and as many homeroom teachers; each transcript is
signed by the teacher its ``homeroom_teacher`` names, so the stamp above the printed name is that
person's. Where each teacher's key is comes from the school's profile (``[teachers]``, see
:func:`declared_sources`): a PKCS#12 file, or a key on a PKCS#11 token. In development a teacher the
profile does not name gets a certificate from the development PKI (:meth:`signer.pki.DevPki.teacher_p12`).

:func:`check_teachers` is what runs before anything is signed: every teacher of the run must have a
key that loads, whose certificate's common name is the teacher's name (NFC) and which is valid now;
otherwise one :class:`TeacherKeyProblems` lists every teacher concerned, with their classes.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Mapping

from signer.errors import SignerError
from signer.keys import Pkcs11SigningKey, SigningKey


def nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip()


@dataclass(frozen=True)
class P12Source:
    """A teacher's ``.p12`` file; the passphrase travels to the signing processes, never printed."""

    path: Path
    passphrase: bytes = field(repr=False)

    def load(self) -> SigningKey:
        return SigningKey.from_pkcs12(self.path, self.passphrase)


@dataclass(frozen=True)
class TokenSource:
    """A teacher's key on a PKCS#11 token; the PIN is used to log in, never printed.
    ``chain``: the CA certificates (DER) above the teacher's, embedded with each signature: a
    token usually holds only its owner's certificate, and B-LT must prove the whole chain."""

    module: Path
    token_label: str
    key_label: str
    pin: str = field(repr=False)
    chain: tuple[bytes, ...] = ()

    def load(self) -> SigningKey:
        from asn1crypto import x509 as asn1_x509

        return Pkcs11SigningKey.open(self.module, token_label=self.token_label, key_label=self.key_label,
                                     pin=self.pin, chain=[asn1_x509.Certificate.load(c) for c in self.chain])


KeySource = P12Source | TokenSource


@dataclass(frozen=True)
class TeacherKeys:
    """Where each homeroom teacher's key is. Picklable: it goes to every signing process, which
    loads a teacher's key the first time it signs one of their transcripts.

    ``declared``: (NFC name, source) pairs from the school's profile. ``dev_pki_dir``: in development
    only, the development PKI that issues a key to any teacher not declared; None in production."""

    declared: tuple[tuple[str, KeySource], ...] = ()
    dev_pki_dir: Path | None = None

    def source(self, name: str) -> KeySource | None:
        name = nfc(name)
        for declared_name, source in self.declared:
            if declared_name == name:
                return source
        if self.dev_pki_dir is not None:
            from signer.pki import DEV_PASSPHRASE, DevPki

            return P12Source(DevPki(self.dev_pki_dir).teacher_p12(name), DEV_PASSPHRASE)
        return None

    def load(self, name: str) -> SigningKey:
        """Load ``name``'s key (parses or logs in: load once per process, reuse)."""
        source = self.source(name)
        if source is None:
            raise SignerError(f"no signing key for homeroom teacher {nfc(name)!r}", code="teacher_key_missing")
        return source.load()


@dataclass(frozen=True)
class TeacherKeyProblem:
    """One teacher who cannot sign, and why (a stable code)."""

    code: str  # teacher_key_missing | teacher_key_unusable | teacher_key_mismatch | teacher_key_not_valid
    teacher: str
    classes: tuple[str, ...]
    detail: str = ""
    """What the key's certificate says instead (its common name, its validity), or why it did not load."""

    _TEXT = {
        "teacher_key_missing": ("chưa khai báo khoá ký trong hồ sơ trường ([teachers])",
                                "no signing key declared in the school's profile ([teachers])"),
        "teacher_key_unusable": ("không mở được khoá ký", "the signing key cannot be loaded"),
        "teacher_key_mismatch": ("chứng thư số mang tên người khác", "the certificate names someone else"),
        "teacher_key_not_valid": ("chứng thư số chưa có hiệu lực hoặc đã hết hạn",
                                  "the certificate is not yet or no longer valid"),
    }

    def message(self, lang: str = "vi") -> str:
        vi, en = self._TEXT[self.code]
        classes = ", ".join(self.classes)
        detail = f" ({self.detail})" if self.detail else ""
        if lang == "en":
            return f"{self.code}: homeroom teacher {self.teacher} (class {classes}): {en}{detail}"
        return f"{self.code}: giáo viên chủ nhiệm {self.teacher} (lớp {classes}): {vi}{detail}"


class TeacherKeyProblems(SignerError):
    """Some teachers of the run cannot sign: nothing is signed until every one can."""

    code = "teacher_keys_unusable"

    def __init__(self, problems: list[TeacherKeyProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} homeroom teacher(s) cannot sign; nothing was signed:\n"
                         + "\n".join(p.message("en") for p in problems))

    def message(self, lang: str = "vi") -> str:
        lines = [p.message(lang) for p in self.problems]
        lines.append(f"{len(self.problems)} homeroom teacher(s) cannot sign; nothing was signed." if lang == "en"
                     else f"{len(self.problems)} giáo viên chủ nhiệm chưa ký được; chưa ký học bạ nào.")
        return "\n".join(lines)


def check_teachers(keys: TeacherKeys, classes_of: Mapping[str, Iterable[str]],
                   at: datetime | None = None) -> dict[str, SigningKey]:
    """Load the key of every teacher of ``classes_of`` (teacher name -> their classes) and check it:
    loads, common name == the teacher's name (NFC), valid at ``at`` (default: now). Return the loaded
    keys (the caller closes them), or raise :class:`TeacherKeyProblems` listing every teacher who fails."""
    at = at or datetime.now(timezone.utc)
    loaded: dict[str, SigningKey] = {}
    problems: list[TeacherKeyProblem] = []
    for teacher in sorted(classes_of):
        name, classes = nfc(teacher), tuple(sorted(set(classes_of[teacher])))
        try:
            source = keys.source(name)
            if source is None:
                problems.append(TeacherKeyProblem("teacher_key_missing", name, classes))
                continue
            key = source.load()
        except SignerError as e:
            problems.append(TeacherKeyProblem("teacher_key_unusable", name, classes, e.code))
            continue
        common_name = nfc(key.subject_name)
        validity = key.certificate["tbs_certificate"]["validity"]
        start, end = validity["not_before"].native, validity["not_after"].native
        if common_name != name:
            problems.append(TeacherKeyProblem("teacher_key_mismatch", name, classes, f"CN={common_name}"))
        elif not start <= at <= end:
            problems.append(TeacherKeyProblem("teacher_key_not_valid", name, classes,
                                              f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"))
        else:
            loaded[name] = key
            continue
        key.close()
    if problems:
        for key in loaded.values():
            key.close()
        raise TeacherKeyProblems(problems)
    return loaded


def declared_sources(profile: Path, secret: Callable[[str, str], str], *,
                     pkcs11_module: Path | None = None) -> tuple[tuple[str, KeySource], ...]:
    """The ``[teachers]`` table of a school profile, each teacher's secret asked once.

    ::

        teacher_passphrase_env = "SOGOC_TEACHER_P12_PASSPHRASE"   # default for every .p12 below
        ca_chain = "keys/ca-chain.pem"    # the CA certificates above a token's own (tokens need it)
        [teachers]
        "Lê Văn Bình" = "keys/le-van-binh.p12"                    # relative to the profile
        "Phạm Thị Hoa" = { p12 = "keys/hoa.p12", passphrase_env = "SOGOC_P12_HOA" }
        "Ngô Minh Tâm" = { token = "TAM-TOKEN", key_label = "signing", pin_env = "SOGOC_PIN_TAM" }

    ``secret(environment variable, prompt)`` returns the variable's value or asks for it; a
    variable shared by several teachers is asked for once. ``pkcs11_module``: the token driver
    (the profile's ``pkcs11_module`` wins)."""
    try:
        data = tomllib.loads(profile.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise SignerError(f"{profile}: not a school profile: {e}", code="bad_school_profile") from None
    base = profile.parent
    default_env = data.get("teacher_passphrase_env", "SOGOC_TEACHER_P12_PASSPHRASE")
    module = Path(data["pkcs11_module"]) if "pkcs11_module" in data else pkcs11_module
    asked: dict[str, str] = {}

    def ask(env: str, prompt: str) -> str:
        if env not in asked:
            asked[env] = secret(env, prompt)
        return asked[env]

    out = []
    for name, entry in data.get("teachers", {}).items():
        name = nfc(name)
        if isinstance(entry, str):
            entry = {"p12": entry}
        if not isinstance(entry, dict) or ("p12" in entry) == ("token" in entry):
            raise SignerError(f"{profile}: [teachers] {name!r} needs a p12 file or a token, one of the two",
                              code="bad_school_profile")
        if "p12" in entry:
            env = entry.get("passphrase_env", default_env)
            out.append((name, P12Source(base / entry["p12"], ask(env, f"Passphrase of {entry['p12']} (${env}): ")
                                        .encode("utf-8"))))
        else:
            if module is None:
                raise SignerError(f"{profile}: [teachers] {name!r} is on a token but no pkcs11_module is given",
                                  code="bad_school_profile")
            chain_file = entry.get("ca_chain", data.get("ca_chain"))
            if chain_file is None:
                raise SignerError(f"{profile}: [teachers] {name!r} is on a token but no ca_chain (the CA "
                                  "certificates above the teacher's, PEM) is given", code="bad_school_profile")
            env = entry.get("pin_env", "SOGOC_TEACHER_PKCS11_PIN")
            out.append((name, TokenSource(module, entry["token"], entry.get("key_label", "signing"),
                                          ask(env, f"PIN of token {entry['token']} (${env}): "),
                                          _pem_chain(profile, base / chain_file))))
    return tuple(out)


def _pem_chain(profile: Path, path: Path) -> tuple[bytes, ...]:
    """The certificates of a PEM bundle, as DER (picklable: they travel to the signing processes)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        return tuple(c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(path.read_bytes()))
    except (OSError, ValueError) as e:
        raise SignerError(f"{profile}: ca_chain {path}: not a PEM file of certificates ({e})",
                          code="bad_school_profile") from None
