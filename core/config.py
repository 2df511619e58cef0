"""Settings: everything that differs between a laptop and production, with local defaults.

Built once by the CLI or ``create_app`` from, in order of precedence: environment variables
(``SOGOC_RPC_URL``...), then the TOML file named by ``SOGOC_CONFIG`` (default
``<data_dir>/sogoc.toml``, which ``sogoc demo`` writes), then the defaults below. Nothing is
read at import time.

Trust is never implied: the development PKI's root is trusted only when a config names it
in ``trust_roots`` (the demo's config file does, for the demo).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping

from core.errors import ConfigurationError

ENV_PREFIX = "SOGOC_"


@dataclass(frozen=True)
class Settings:
    environment: str = "development"  # "development" or "production"
    data_dir: Path = Path("var")
    #: JSON-RPC endpoint of any node of the chain (anvil locally, Besu QBFT in production).
    rpc_url: str = "http://127.0.0.1:8545"
    chain_id: int = 1337
    #: Address of the CredentialRegistry contract; empty until deployed.
    contract_address: str = ""
    #: Block in which that contract was deployed: the chain follower and ``sogoc registry reconcile``
    #: read its events from here, not from the genesis block (0: from genesis, for a config without it).
    deployment_block: int = 0
    #: True for Besu/Clique/QBFT headers (extraData longer than 32 bytes).
    poa: bool = False
    database_url: str = ""
    #: Base of the verification URL printed in QR codes.
    public_base_url: str = "http://127.0.0.1:8000"
    #: Where ``sogoc verify`` fetches a document's Merkle proof (default: public_base_url).
    registry_url: str = ""
    #: PEM/DER files of the root certificates whose signatures are trusted.
    trust_roots: tuple[Path, ...] = field(default_factory=tuple)
    #: RFC 3161 time-stamp authority; empty means the development TSA, in process.
    tsa_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    #: Per-client budgets of the public verifier, in requests a minute (bursts up to the same
    #: number); 0 switches a budget off. Look-ups: anything that names a document id.
    rate_limit_lookups: int = 120
    rate_limit_uploads: int = 12
    #: Disclosure searches (by serial, or by name and birth date: docs/disclosure.md), a minute per client.
    rate_limit_disclosure: int = 10
    #: Comma-separated addresses of reverse proxies whose X-Forwarded-For names the client;
    #: empty: the client is the socket peer (a forged header then changes nothing).
    trusted_proxies: str = ""
    #: Largest PDF the verifier accepts for upload.
    max_upload_mb: int = 20
    #: scrypt cost (N, a power of two) of new chain keys in the keystore; 0: 2**18 in production,
    #: 2**14 in development. Reading a key uses the cost written in its file.
    keystore_scrypt_n: int = 0
    #: The registry API: largest request body (413 beyond), and most documents in one bulk submission.
    api_max_body_mb: int = 256
    api_max_bulk_documents: int = 10_000

    @property
    def keystore_dir(self) -> Path:
        """Encrypted chain keys (Web3 Secret Storage), one file per institution code."""
        return self.data_dir / "chain" / "keystore"
    #: Anchoring (docs/anchoring.md): a batch closes when an issuer has this many pending
    #: documents of one kind, or when its oldest pending document has waited this long.
    batch_max_size: int = 10_000
    batch_max_age_seconds: int = 60
    #: Blocks on top of (and including) an anchor's block before it counts: 1 on the dev chain,
    #: where anvil mines at once; a QBFT network is final at 1 too; more on a chain that forks.
    confirmations: int = 1
    #: Pause of ``sogoc registry worker`` between passes, and after a chain error.
    anchoring_interval_seconds: int = 2
    #: How far back (in blocks) the worker re-checks confirmed anchors for a reorganisation.
    reorg_watch_blocks: int = 64

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'registry.db'}"

    @property
    def trusted_proxy_list(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    @property
    def evidence_url(self) -> str:
        return (self.registry_url or self.public_base_url).rstrip("/")

    def verification_url(self, document_id: str) -> str:
        return f"{self.public_base_url.rstrip('/')}/v/{document_id}"

    @property
    def config_file(self) -> Path:
        return self.data_dir / "sogoc.toml"

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        data_dir = Path(str(overrides.get("data_dir") or environ.get(ENV_PREFIX + "DATA_DIR") or "var"))
        path = Path(environ.get(ENV_PREFIX + "CONFIG") or data_dir / "sogoc.toml")
        if path.exists():
            try:
                values.update(tomllib.loads(path.read_text("utf-8")))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as e:
                raise ConfigurationError(f"cannot read the configuration {path}: {e}") from e
        for f in fields(cls):
            key = ENV_PREFIX + f.name.upper()
            if key in environ:
                values[f.name] = environ[key]
        values["data_dir"] = data_dir
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls()._with(values, source=str(path))

    def _with(self, values: Mapping[str, object], source: str) -> "Settings":
        known = {f.name: f for f in fields(self)}
        parsed: dict[str, object] = {}
        for name, raw in values.items():
            if name not in known:
                raise ConfigurationError(f"{source}: unknown setting {name!r}")
            default = getattr(self, name)
            try:
                if isinstance(default, bool):
                    parsed[name] = _boolean(raw)
                elif isinstance(default, int):
                    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or int(raw) < 0:
                        raise ValueError("expected a whole number, 0 or more")
                    parsed[name] = int(raw)
                elif isinstance(default, Path):
                    parsed[name] = Path(str(raw))
                elif isinstance(default, tuple):
                    items = raw if isinstance(raw, (list, tuple)) else [p for p in str(raw).split(os.pathsep) if p]
                    parsed[name] = tuple(Path(str(p)) for p in items)
                elif isinstance(raw, (str, int, float)):
                    parsed[name] = str(raw)
                else:
                    raise ValueError("expected a text value")
            except (ValueError, TypeError) as e:
                raise ConfigurationError(f"setting {name}: {raw!r} is not valid ({e})") from e
        result = replace(self, **parsed)
        if result.environment not in ("development", "production"):
            raise ConfigurationError(f"environment must be development or production, not {result.environment!r}")
        for name in ("batch_max_size", "confirmations"):
            if getattr(result, name) < 1:
                raise ConfigurationError(f"setting {name}: must be 1 or more")
        return result

    def to_toml(self) -> str:
        """The settings that differ from the defaults, as a TOML file."""
        lines = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "data_dir" or value == getattr(Settings(), f.name):
                continue
            if isinstance(value, tuple):
                lines.append(f"{f.name} = [{', '.join(_toml_str(str(p)) for p in value)}]")
            elif isinstance(value, bool):
                lines.append(f"{f.name} = {'true' if value else 'false'}")
            elif isinstance(value, int):
                lines.append(f"{f.name} = {value}")
            else:
                lines.append(f"{f.name} = {_toml_str(str(value))}")
        return "\n".join(lines) + "\n"


def _boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true or false")


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
