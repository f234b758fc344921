# The two commands a fresh machine needs (see README.md):
#   make serve   serve the site at http://127.0.0.1:8000
#   make test    run the whole test suite (every page's code, the package, the site, a browser)
# Each one creates .venv and installs the tested versions (constraints.txt, package-lock.json)
# when they are missing or changed, and does nothing more when they are up to date.
#   make data    find MNIST and Fashion-MNIST, download what is missing (python -m nnnotes.data)
#   make build   mkdocs build --strict into site/ (what the deploy workflow publishes)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Real data for figures, notebooks and tests: ../shared/data when it is there (CI), else the
# trainer's own search (NNNOTES_DATA_DIR, ~/.cache/nnnotes/data, /usr/share/datasets).
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)/fashion-mnist),)
export NNNOTES_DATA_DIR ?= $(SHARED_DATA)
endif
# Material for MkDocs prints a 9-line end-of-life banner on every build unless this is set.
export NO_MKDOCS_2_WARNING := 1
# What the site's figures and notebooks (and the tests) read. `make serve`, `make build` and
# `make test` look for it first and download what is missing; without it the site is still
# built, with a notice on each figure or notebook that needs it (and `mkdocs build --strict`
# fails, one line per data set), and the tests and page blocks that need it are skipped
# (pytest's last line counts them: "N skipped for missing data"; under CI=true they fail).
SITE_DATA := fashion-mnist mnist:test
SITE_DATA_STEP = @$(BIN)/python -m nnnotes.data $(SITE_DATA) \
	|| echo "make $@: going on without the missing data: $(MISSING_DATA_$@)"
MISSING_DATA_serve := the pages show a notice where a figure or notebook needs it
MISSING_DATA_build := the pages show a notice where a figure or notebook needs it
MISSING_DATA_test := what needs it is skipped and counted

.PHONY: serve test build data clean
serve: $(VENV)/.installed node_modules/.installed
	$(SITE_DATA_STEP)
	$(BIN)/mkdocs serve

test: $(VENV)/.installed node_modules/.installed
	$(SITE_DATA_STEP)
	$(BIN)/pytest

build: $(VENV)/.installed node_modules/.installed
	$(SITE_DATA_STEP)
	$(BIN)/mkdocs build --strict

data: $(VENV)/.installed
	$(BIN)/python -m nnnotes.data

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --no-update-notifier --loglevel=error
	touch $@

clean:
	rm -rf site .cache docs/figures docs/assets/vendor
