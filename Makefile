# Sổ Gốc — two commands: `make run` (set up and run the demo) and `make test` (every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ABI    := core/abi/CredentialRegistry.json
FONTS  := signer/fonts/DejaVuSans.ttf signer/fonts/DejaVuSans-Bold.ttf
# Debian packages the tests use as independent checks (poppler's pdfsig and pdftotext, NSS certutil, zbarimg).
TEST_DEBS := poppler-utils libnss3-tools qpdf zbar-tools

.PHONY: run test setup python node contracts test-deps lint-imports test-contracts test-python bench bench-upload clean

run: setup
	$(BIN)/sogoc demo

test: setup test-deps lint-imports test-contracts test-python

setup: python node contracts $(FONTS)

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

test-deps:
	@command -v pdfsig >/dev/null && command -v certutil >/dev/null && command -v zbarimg >/dev/null \
	  || { echo "installing $(TEST_DEBS)"; \
	       (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_DEBS)) >/dev/null; }

lint-imports: python
	$(BIN)/lint-imports

test-contracts: node contracts
	npm test

test-python: setup
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/core_batching.py
	npm run --silent bench:gas

# PDF upload verification: in process (before/after) and over HTTP with 2 workers (needs wrk).
bench-upload: setup
	@command -v wrk >/dev/null || { echo "installing wrk"; (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null; }
	$(BIN)/python bench/verify_upload.py

clean:
	rm -rf $(VENV) node_modules artifacts cache $(ABI) signer/fonts/*.ttf
