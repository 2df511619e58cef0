"""The development PKI: who is who, and a folder that is never silently overwritten."""

import shutil

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signer.errors import SignerError
from signer.keys import SigningKey
from signer.pki import init_dev_pki


def _cert(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def _cn(cert):
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def test_signing_certificates_name_the_teacher_and_principal_of_the_school(dev_keys):
    teacher, principal = dev_keys
    assert teacher.subject_name == "Trần Thị Thu Hương"
    assert principal.subject_name == "Nguyễn Văn Đức"
    for key in dev_keys:
        subject = key.certificate.subject.native
        assert subject["organization_name"] == "Trường THPT Nguyễn Thị Minh Khai"
        assert key.certificate.key_usage_value.native == {"digital_signature", "non_repudiation"}
        assert len(key.certificate_sha256) == 32


def test_trust_flows_from_the_ministry_through_the_department(dev_pki, dev_keys):
    root, ca, tsa = _cert(dev_pki.root_pem), _cert(dev_pki.ca_pem), _cert(dev_pki.tsa_pem)
    assert _cn(root) == "Bộ Giáo dục và Đào tạo — Root CA (DEV)"
    assert _cn(ca) == "Sở Giáo dục và Đào tạo TP. Hồ Chí Minh — CA (DEV)"
    ca.verify_directly_issued_by(root)
    tsa.verify_directly_issued_by(ca)
    for key in dev_keys:
        assert key.certificate.issuer.native["common_name"] == _cn(ca)
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert [c.subject.native["common_name"] for c in dev_pki.trust_roots()] == [_cn(root)]


def test_second_call_loads_the_same_pki(dev_pki):
    def files():  # teachers/ holds the keys issued to named teachers on first use (other tests may add some)
        return {str(p.relative_to(dev_pki.directory)): p.read_bytes() for p in dev_pki.directory.rglob("*") if p.is_file()}

    before = files()
    init_dev_pki(dev_pki.directory, root_name="Another name that must not matter")
    assert files() == before


def test_a_missing_key_file_is_recreated_under_the_same_ca(dev_pki, tmp_path):
    copy = shutil.copytree(dev_pki.directory, tmp_path / "pki")
    old_root = (copy / "root.pem").read_bytes()
    (copy / "principal.p12").unlink()
    pki = init_dev_pki(copy)
    assert (copy / "root.pem").read_bytes() == old_root
    principal = pki.signer_key("principal")
    principal_cert = x509.load_der_x509_certificate(principal.certificate.dump())
    principal_cert.verify_directly_issued_by(_cert(copy / "ca.pem"))


def test_a_folder_mixing_two_pkis_is_refused(dev_pki, untrusted_pki, tmp_path):
    copy = shutil.copytree(dev_pki.directory, tmp_path / "pki")
    for name in ("root.pem", "root.key.pem"):
        shutil.copyfile(untrusted_pki.directory / name, copy / name)
    with pytest.raises(SignerError) as e:
        init_dev_pki(copy)
    assert e.value.code == "pki_inconsistent"


def test_a_wrong_passphrase_is_a_clear_error(dev_pki):
    with pytest.raises(SignerError) as e:
        SigningKey.from_pkcs12(dev_pki.p12("teacher"), b"not the passphrase")
    assert e.value.code == "bad_key_file"


def test_unknown_role_is_refused(dev_pki):
    with pytest.raises(SignerError) as e:
        dev_pki.signer_key("janitor")
    assert e.value.code == "unknown_role"


def test_private_keys_are_not_world_readable(dev_pki):
    for name in ("root.key.pem", "ca.key.pem", "tsa.key.pem", "teacher.p12", "principal.p12"):
        assert (dev_pki.directory / name).stat().st_mode & 0o077 == 0, name
