from pathlib import Path

import pytest

from core.config import Settings
from core.errors import ConfigurationError


def test_environment_beats_file_beats_defaults(tmp_path):
    (tmp_path / "sogoc.toml").write_text('rpc_url = "http://node:8545"\nchain_id = 2026\ntrust_roots = ["/a.pem"]\n')
    s = Settings.load({"SOGOC_CHAIN_ID": "7"}, data_dir=str(tmp_path))
    assert (s.rpc_url, s.chain_id, s.trust_roots) == ("http://node:8545", 7, (Path("/a.pem"),))
    assert s.database == f"sqlite:///{tmp_path / 'registry.db'}"
    assert s.verification_url("abc") == "http://127.0.0.1:8000/v/abc"


def test_written_config_reads_back(tmp_path):
    s = Settings.load({}, data_dir=str(tmp_path))._with({"contract_address": "0x" + "ab" * 20, "poa": "true"}, "x")
    (tmp_path / "sogoc.toml").write_text(s.to_toml())
    again = Settings.load({}, data_dir=str(tmp_path))
    assert again.contract_address == s.contract_address and again.poa is True


@pytest.mark.parametrize("content, message", [
    ("chain_idd = 1\n", "unknown setting"),
    ("chain_id = 'one'\n", "not valid"),
    ("environment = 'staging'\n", "development or production"),
    ("rpc_url = \n", "sogoc.toml"),
    ("poa = 'flase'\n", "true or false"),
    ("port = -5\n", "0 or more"),
    ("port = [1]\n", "not valid"),
    ("rpc_url = [1]\n", "not valid"),
])
def test_bad_config_is_a_clear_error(tmp_path, content, message):
    (tmp_path / "sogoc.toml").write_text(content)
    with pytest.raises(ConfigurationError, match=message):
        Settings.load({}, data_dir=str(tmp_path))


def test_a_config_path_that_is_a_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigurationError, match="cannot read the configuration"):
        Settings.load({"SOGOC_CONFIG": str(tmp_path)}, data_dir=str(tmp_path))
