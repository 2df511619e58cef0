"""Development set-up of the chain and the registry: institutions, keys, contract, trust.

Idempotent: run it again and it reuses the contract, the keys and the database. The contract
address and the trusted roots go into ``<data_dir>/sogoc.toml`` so that every later command
(``sogoc verify``, ``sogoc revoke``, the server) reads the same facts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from core.chain import RegistryReader, connect
from core.config import Settings
from core.errors import ConfigurationError
from core.hashes import institution_id
from registry import service
from registry.chain import Web3Ledger, deploy_registry
from registry.keystore import Keystore, passphrase, scrypt_n
from registry.db import engine_for, make_sessionmaker
from signer.pki import DevPki, init_dev_pki


@dataclass(frozen=True)
class DemoInstitution:
    code: str
    name: str
    kind: str  # ministry | authority | issuer
    parent: str | None


MINISTRY = DemoInstitution("BGDDT", "Bộ Giáo dục và Đào tạo", "ministry", None)
DEPARTMENT = DemoInstitution("SGD-79", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh", "authority", "BGDDT")
SCHOOL = DemoInstitution("THPT-79-NTMK", "Trường THPT Nguyễn Thị Minh Khai", "issuer", "SGD-79")
#: A second school of the same department: it must not be able to touch the first one's documents.
OTHER_SCHOOL = DemoInstitution("THPT-79-LHP", "Trường THPT chuyên Lê Hồng Phong", "issuer", "SGD-79")
INSTITUTIONS = (MINISTRY, DEPARTMENT, SCHOOL, OTHER_SCHOOL)


def keyring(settings: Settings) -> Keystore:
    """The registry's chain keys: the encrypted keystore under the data directory.

    In development the demo institutions' keys are created on first use, and a plain key file
    left by an older demo (``chain/dev-keys.json``) is moved into the keystore and removed.
    The passphrase: :func:`registry.keystore.passphrase` (the environment, a prompt, or in
    development the development passphrase).
    """
    keys = Keystore(settings.keystore_dir, passphrase(settings.environment),
                    scrypt_n=scrypt_n(settings.environment, settings.keystore_scrypt_n))
    if settings.environment == "development":
        _import_plain_dev_keys(keys, settings.data_dir / "chain" / "dev-keys.json")
        keys.create_missing(i.code for i in INSTITUTIONS)
    return keys


def _import_plain_dev_keys(keys: Keystore, path) -> None:
    if not path.exists():
        return
    for code, key in json.loads(path.read_text()).items():
        if code not in keys:
            keys.create(code, bytes.fromhex(key.removeprefix("0x")))
    path.unlink()


def fund_dev_accounts(w3, keys: Keystore, codes) -> None:
    """Give development accounts a balance (anvil's ``anvil_setBalance``).

    Gas costs nothing here (price 0, as on the ministry's Besu network), but anvil's gas
    estimation still caps a transaction by the sender's balance.
    """
    for code in codes:
        w3.provider.make_request("anvil_setBalance", [keys.address(code), hex(10**21)])


def ensure_dev_setup(settings: Settings) -> tuple[Settings, DevPki]:
    """Create the PKI, deploy and configure the contract, register institutions; save the config."""
    if settings.environment != "development":
        raise ConfigurationError("the demo set-up runs in development only")
    pki = init_dev_pki(settings.data_dir / "pki")
    keys = keyring(settings)
    w3 = connect(settings.rpc_url, poa=settings.poa)
    if w3.eth.chain_id != settings.chain_id:
        raise ConfigurationError(f"the node at {settings.rpc_url} has chain id {w3.eth.chain_id}, "
                                 f"not {settings.chain_id}")
    fund_dev_accounts(w3, keys, [i.code for i in INSTITUTIONS])
    if settings.contract_address:
        if not RegistryReader(w3, settings.contract_address).has_code():
            raise ConfigurationError(
                f"no contract at {settings.contract_address} on {settings.rpc_url}: the chain state under "
                f"{settings.data_dir / 'chain'} was lost. Remove {settings.data_dir} to start afresh.")
        _register_director(Web3Ledger(RegistryReader(w3, settings.contract_address), keys), pki)  # set-ups made before
    else:
        deployment = deploy_registry(w3, keys[MINISTRY.code])
        settings = replace(settings, contract_address=deployment.address, deployment_block=deployment.block,
                           trust_roots=(pki.root_pem.resolve(),))
        _register_on_chain(Web3Ledger(RegistryReader(w3, deployment.address), keys), pki)
        settings.config_file.parent.mkdir(parents=True, exist_ok=True)
        settings.config_file.write_text(
            "# Written by `sogoc demo`: the development chain's contract and the dev PKI's root.\n"
            "# The dev root is trusted only because this file says so.\n" + settings.to_toml(), "utf-8")
    sessions = make_sessionmaker(engine_for(settings))
    with sessions() as s:
        for i in INSTITUTIONS:
            service.register_institution(s, code=i.code, name=i.name, kind=i.kind, parent_code=i.parent,
                                         chain_address=keys.address(i.code))
    return settings, pki


def _register_on_chain(ledger: Web3Ledger, pki: DevPki) -> None:
    ledger.register_authority(MINISTRY.code, DEPARTMENT.code)
    for school in (SCHOOL, OTHER_SCHOOL):
        ledger.register_issuer(DEPARTMENT.code, school.code)
    for role in ("teacher", "principal"):
        ledger.add_certificate(DEPARTMENT.code, SCHOOL.code, pki.signer_key(role).certificate_sha256)
    _register_director(ledger, pki)


def _register_director(ledger: Web3Ledger, pki: DevPki) -> None:
    """The department's director signs its diplomas: the Ministry registers the certificate for the
    department (an authority's certificates are added by its parent, the Ministry). Idempotent."""
    fingerprint = pki.signer_key("director").certificate_sha256
    known = ledger.reader.contract.functions.certificates(bytes(institution_id(DEPARTMENT.code))).call()
    if all(bytes(c[0]) != bytes(fingerprint) for c in known):
        ledger.add_certificate(MINISTRY.code, DEPARTMENT.code, fingerprint)
