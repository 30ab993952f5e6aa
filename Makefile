# TinRadar: the two commands a newcomer needs are `make demo` and `make test`.
# Both set up everything from the repository's own files on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Debian packages the tests need: Chromium (+ driver) for the review desk's browser tests
# and the PDF report, fonts with Vietnamese glyphs for charts and screenshots.
SYSTEM_PACKAGES := chromium chromium-driver fonts-dejavu-core
# What `make demo` needs of them: Chromium prints the daily report to PDF.
DEMO_PACKAGES := chromium fonts-dejavu-core
# Non-empty when we may install Debian packages (root, apt present); `make CAN_APT=` says what to install instead.
CAN_APT ?= $(shell [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && echo yes)

.PHONY: help install system-deps demo-deps demo test test-fast test-transformers lint format bench clean

help:
	@echo "make demo   - install (with Chromium for the PDF report), start a local Elasticsearch, crawl the bundled fixture sources, analyse, index, write the daily report"
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

# $(call apt_install,packages,what is lost without them,what to do when apt-get fails)
# Installs the Debian packages that are missing when we may (root, apt present); otherwise
# says in one line what to install.
define apt_install
@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
if [ -n "$$missing" ]; then \
  if [ -n "$(CAN_APT)" ]; then \
    echo "Installing Debian packages:$$missing"; \
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; }; then \
      echo "Could not install Debian packages:$$missing (apt-get failed, see above). Install them with: sudo apt-get install$$missing"; $(3); fi; \
  else echo "Missing Debian packages:$$missing ($(2)). Install them with: sudo apt-get install$$missing"; fi; \
fi
endef

system-deps:
	$(call apt_install,$(SYSTEM_PACKAGES),browser tests will be skipped,exit 1)

demo-deps:
	$(call apt_install,$(DEMO_PACKAGES),the report will have no PDF,true)

demo: install demo-deps
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
	$(BIN)/python bench/clusters.py
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
