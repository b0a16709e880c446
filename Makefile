# Two commands matter: `make demo` and `make test`. Both build what they need from nothing.
SHELL := /bin/bash
# The first Python 3.11 or newer on PATH (3.11 first: the version CI runs); `make PYTHON=/path/to/python`
# overrides it.
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
# checkov lives apart: it pins a boto3 older than the project's.
SCAN_VENV := .venv-scan
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
# lambda/ is the asset root: the handler imports `disposer` from there, as it does in Lambda.
export PYTHONPATH := $(CURDIR)/lambda:$(CURDIR)/cli:$(CURDIR)
# Local runs never need an AWS account; these placate boto3 without touching real credentials.
LOCAL_AWS := AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1

.PHONY: demo test fuzz lint typecheck unit synth bench deploy openapi clean

$(VENV)/.installed: requirements.txt lambda/requirements.txt
	@test -n "$(PYTHON)" || { echo "make: no Python 3.11 or newer on PATH; install one, or run make PYTHON=/path/to/python3.11" >&2; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(SCAN_VENV)/.installed: requirements-scan.txt
	test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-scan.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.installed
	$(LOCAL_AWS) $(PY) -m local.demo

test: $(VENV)/.installed $(SCAN_VENV)/.installed node_modules/.installed lint typecheck
	$(LOCAL_AWS) $(PY) -m pytest -n 2 --dist loadfile -q

# The API fuzzed with 10,000 cases through the real handler (make test runs 1,000 of them), and scheduled
# runs under injected faults with ten random seeds (make test runs one).
fuzz: $(VENV)/.installed
	mkdir -p .build && rm -f .build/fuzz-report.txt
	FUZZ_REPORT=.build/fuzz-report.txt FUZZ_CASES=10000 FAULT_SEEDS="11 23 47 59 61 71 83 97 101 113" \
		$(LOCAL_AWS) $(PY) -m pytest -q -n 2 tests/integration/test_fuzz_api.py tests/integration/retention/test_fault_injection.py tests/integration/retention/test_trusted_clock.py
	@cat .build/fuzz-report.txt

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy lambda/disposer cli/disposer_cli local infra app.py bench tests

synth: $(VENV)/.installed node_modules/.installed
	cdk synth --quiet

bench: $(VENV)/.installed
	$(LOCAL_AWS) $(PY) -m bench

deploy: $(VENV)/.installed node_modules/.installed
	cdk deploy

# Regenerates the checked-in OpenAPI document from the routes (a test fails when it drifts).
openapi: $(VENV)/.installed
	$(LOCAL_AWS) $(PY) -m local.openapi > docs/openapi.json

clean:
	rm -rf $(VENV) $(SCAN_VENV) node_modules cdk.out .build .pytest_cache .mypy_cache .ruff_cache
