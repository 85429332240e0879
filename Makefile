# The two commands a newcomer types:  `make run`  and  `make test`.
# Both create the virtual environment (.venv) on first use and keep it in step with
# pyproject.toml; nothing else needs to be installed by hand but Python 3.11+, Node.js/npm
# (for the cross-language client test) and, for the tests, PostgreSQL and Redis (see
# README). CI (.ci/run) starts those two, then runs `make check-contract` and `make test`.

PYTHON_BOOTSTRAP ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_DIR := tests/node
NODE_INSTALLED := $(NODE_DIR)/node_modules/.installed

.PHONY: run test test-fast generate check-generated check-contract lint bench clean

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(NODE_INSTALLED): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Start all three services with embedded defaults (SQLite, local files); Ctrl-C stops them.
run: $(INSTALLED)
	$(VENV)/bin/connectability serve

## The whole test suite, on SQLite and PostgreSQL, with the Node client.
test: $(INSTALLED) $(NODE_INSTALLED)
	$(PY) -m pytest

## Regenerate Python code from protos/ (commit the result).
generate: $(INSTALLED)
	$(PY) scripts/generate_protos.py

check-generated: $(INSTALLED)
	$(PY) scripts/generate_protos.py --check

## The frozen contract: generated code current, buf lint clean, nothing of v1 broken.
check-contract: $(INSTALLED)
	$(PY) scripts/generate_protos.py --check
	cd protos && ../$(VENV)/bin/buf lint
	cd protos && ../$(VENV)/bin/buf breaking --against stable/connectability-v1.json

## ruff and buf lint (the suite checks both too).
lint: $(INSTALLED)
	$(PY) -m ruff check .
	cd protos && ../$(VENV)/bin/buf lint

## The benchmarks of docs/benchmarks.md (not part of `make test`); BENCH_BACKEND=postgresql too.
bench: $(INSTALLED)
	$(PY) -m bench.initial_copy --backend $(or $(BENCH_BACKEND),sqlite)
	$(PY) -m bench.publish_latency --backend $(or $(BENCH_BACKEND),sqlite)
	$(PY) -m bench.fan_out --backend $(or $(BENCH_BACKEND),sqlite)
	$(PY) -m bench.existence_timing --backend $(or $(BENCH_BACKEND),sqlite)
	$(PY) -m bench.mixed_load --backend $(or $(BENCH_BACKEND),sqlite)
	$(PY) -m bench.read_rpcs --backend $(or $(BENCH_BACKEND),sqlite)

clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules .connectability
