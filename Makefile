# Sổ Gốc — two commands: `make run` (set up and run the demo) and `make test` (every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ABI    := core/abi/CredentialRegistry.json
FONTS  := signer/fonts/DejaVuSans.ttf signer/fonts/DejaVuSans-Bold.ttf
# The QR decoder of the camera scan page, copied from npm `jsqr` into the verifier's static files.
VENDOR := verifier/static/vendor/jsQR.js
# Debian packages the tests use: independent checks (poppler's pdfsig and pdftotext, NSS certutil, zbarimg),
# SoftHSM2 with OpenSC's pkcs11-tool (a real PKCS#11 token standing in for a principal's USB token), and
# the headless browser of tests/browser (chromium, driven by the `playwright` Python package), and
# PostgreSQL (the registry tests start a throwaway server of their own, tests/db_helpers.py).
TEST_DEBS := poppler-utils libnss3-tools qpdf zbar-tools softhsm2 opensc chromium postgresql
# Debian packages the benchmarks use: wrk drives the verifier's look-ups from a second process.
BENCH_DEBS := wrk

.PHONY: run test setup python node contracts test-deps bench-deps lint-imports test-contracts test-python bench \
        bench-signing bench-school bench-verifier bench-upload bench-registry clean

run: setup
	$(BIN)/sogoc demo

test: setup test-deps lint-imports test-contracts test-python

setup: python node contracts $(FONTS) $(VENDOR)

python: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node: node_modules/.sogoc-node-setup
node_modules/.sogoc-node-setup: package.json package-lock.json scripts/node-setup.sh
	bash scripts/node-setup.sh

contracts: $(ABI)
$(ABI): node_modules/.sogoc-node-setup hardhat.config.js $(wildcard contracts/*.sol) scripts/export-abi.mjs
	npm run --silent build

signer/fonts/%.ttf: node_modules/.sogoc-node-setup
	mkdir -p signer/fonts
	cp node_modules/dejavu-fonts-ttf/ttf/$*.ttf $@

$(VENDOR): node_modules/.sogoc-node-setup
	mkdir -p $(dir $@)
	cp node_modules/jsqr/dist/jsQR.js $@

test-deps:
	@command -v pdfsig >/dev/null && command -v certutil >/dev/null && command -v zbarimg >/dev/null \
	  && command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null && command -v chromium >/dev/null \
	  && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  || { echo "installing $(TEST_DEBS)"; \
	       (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_DEBS)) >/dev/null; }

bench-deps:
	@command -v wrk >/dev/null \
	  || { echo "installing $(BENCH_DEBS)"; \
	       (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BENCH_DEBS)) >/dev/null; }

lint-imports: python
	$(BIN)/lint-imports

test-contracts: node contracts
	npm test

test-python: setup
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/core_batching.py
	npm run --silent bench:gas

bench-signing: setup
	$(BIN)/python bench/signing.py

# A whole school year (2,000 students, 45 classes) imported and issued by the two commands a school runs.
bench-school: setup
	$(BIN)/python bench/school_year.py

# By-id look-ups against 1,000,000 anchored documents (data set built once under var/bench/).
bench-verifier: setup bench-deps
	$(BIN)/python bench/verifier_load.py

# Documents accepted through the registry's API and anchored by the worker (fresh site under var/bench-registry/).
bench-registry: setup
	$(BIN)/python bench/registry_throughput.py

# PDF upload verification: in process (before/after) and over HTTP with 2 workers (wrk).
bench-upload: setup bench-deps
	$(BIN)/python bench/verify_upload.py

clean:
	rm -rf $(VENV) node_modules artifacts cache $(ABI) signer/fonts/*.ttf $(VENDOR)
