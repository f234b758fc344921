# The two commands a fresh machine needs (see README.md):
#   make serve   serve the site at http://127.0.0.1:8000
#   make test    run the whole test suite (every page's code, the package, the site, a browser)
# Each one creates .venv and installs the tested versions (constraints.txt, package-lock.json)
# when they are missing or changed, and does nothing more when they are up to date.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Real data for figures, notebooks and tests: ../shared/data when it is there (CI), else the
# trainer's own search (NNNOTES_DATA_DIR, ~/.cache/nnnotes, /usr/share/datasets).
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)/fashion-mnist),)
export NNNOTES_DATA_DIR ?= $(SHARED_DATA)
endif

.PHONY: serve test build clean
serve: $(VENV)/.installed node_modules/.installed
	$(BIN)/mkdocs serve

test: $(VENV)/.installed node_modules/.installed
	$(BIN)/pytest

build: $(VENV)/.installed node_modules/.installed
	$(BIN)/mkdocs build --strict

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf site .cache docs/figures docs/assets/vendor
