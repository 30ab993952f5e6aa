# TinRadar: the two commands a newcomer needs are `make demo` and `make test`.
# Both set up everything from the repository's own files on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Debian packages the tests need: Chromium (+ driver) for the review desk's browser tests
# and the PDF report, fonts with Vietnamese glyphs for charts and screenshots.
SYSTEM_PACKAGES := chromium chromium-driver fonts-dejavu-core

.PHONY: help install system-deps demo test test-fast test-transformers lint format bench clean

help:
	@echo "make demo   - install, start a local Elasticsearch, crawl the bundled fixture sources, analyse, index, write the daily report"
	@echo "make test   - install everything the tests need and run the whole test suite"
	@echo "make lint   - ruff check + format check + mypy"
	@echo "make bench  - run the benchmarks in bench/ (prints figures)"
	@echo "make test-transformers - the optional transformers backend's tests (installs torch: ~4.8 GB)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Installs the Debian packages when we may (root, apt present) and they are missing.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "Missing Debian packages:$$missing (browser tests will be skipped). Install them with: sudo apt-get install$$missing"; fi; \
	fi

demo: install
	$(BIN)/tinradar demo

test: install system-deps lint
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow and not browser"

# The optional transformers backend: torch from PyPI is a CUDA build (~4.8 GB with its
# NVIDIA wheels, ~5 minutes here), so this is opt-in and not part of `make test`.
test-transformers: install
	$(BIN)/python -m pip install --quiet -e '.[test,transformers]'
	$(BIN)/python -m pytest -q -m transformers tests/nlp/test_transformers_backend.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/nlp.py
	$(BIN)/python bench/index.py
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
