"""`sogoc registry keys`: the token is printed once, then only its id is ever shown."""

from core.config import Settings
from registry import service
from registry.db import make_engine, make_sessionmaker
from sogoc.cli import main


def test_create_list_rotate_revoke(tmp_path, capsys):
    settings = Settings.load({}, data_dir=tmp_path)
    with make_sessionmaker(make_engine(settings.database))() as s:
        service.register_institution(s, code="THPT-A", name="A", kind="issuer", parent_code=None,
                                     chain_address="0x" + "11" * 20)
    assert main(["--data-dir", str(tmp_path), "registry", "keys", "create", "--institution", "THPT-A"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("sgk_")
    key_id = token.split("_")[1]
    assert main(["--data-dir", str(tmp_path), "registry", "keys", "rotate", "--institution", "THPT-A",
                 "--overlap-hours", "2"]) == 0
    new_id = capsys.readouterr().out.strip().splitlines()[-1].split("_")[1]
    assert main(["--data-dir", str(tmp_path), "registry", "keys", "list", "--institution", "THPT-A"]) == 0
    listing = capsys.readouterr().out
    assert token not in listing and key_id in listing and "expires" in listing and f"{new_id}" in listing
    assert main(["--data-dir", str(tmp_path), "registry", "keys", "revoke", "--institution", "THPT-A", new_id]) == 0
    assert main(["--data-dir", str(tmp_path), "registry", "keys", "list", "--institution", "THPT-A"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path), "registry", "keys", "create", "--institution", "NOPE"]) == 2
