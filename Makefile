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

.PHONY: run test test-fast generate check-generated check-contract lint bench soak-ctrl-c lock demo clean

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(NODE_INSTALLED): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Start all three services and the web page with embedded defaults (SQLite, local files);
## Ctrl-C stops them. Each service's /metrics is on the port deploy/prometheus/prometheus.yml
## scrapes (9101-9103); set a variable to 0 to turn one off.
CONNECTABILITY_CONNECTION_METRICS_PORT ?= 9101
CONNECTABILITY_DRAWING_METRICS_PORT ?= 9102
CONNECTABILITY_NOTIFICATION_METRICS_PORT ?= 9103
run: $(INSTALLED)
	CONNECTABILITY_CONNECTION_METRICS_PORT=$(CONNECTABILITY_CONNECTION_METRICS_PORT) \
	CONNECTABILITY_DRAWING_METRICS_PORT=$(CONNECTABILITY_DRAWING_METRICS_PORT) \
	CONNECTABILITY_NOTIFICATION_METRICS_PORT=$(CONNECTABILITY_NOTIFICATION_METRICS_PORT) \
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

## requirements.lock: every dependency of pyproject.toml's [project] pinned with its hashes;
## the image installs exactly these (--require-hashes). Run after changing a dependency.
lock: $(INSTALLED)
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --generate-hashes \
		--strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
		--no-emit-trusted-host -o requirements.lock pyproject.toml

## The whole journey through the public API against `make run` (in another terminal).
demo: $(INSTALLED)
	$(VENV)/bin/connectability demo

## Ctrl-C (SIGINT to the process group) on `serve` twenty times, half while it starts
## (the suite runs five); docs/operations.md records the last figure.
soak-ctrl-c: $(INSTALLED)
	@CTRL_C_TRIALS=$(or $(TRIALS),20) $(PY) -m pytest -q -s -p no:randomly \
		tests/runtime/test_serve_ctrl_c.py > .soak-ctrl-c.log; status=$$?; \
	cat .soak-ctrl-c.log; \
	grep -o 'stopped in [0-9.]* s' .soak-ctrl-c.log | awk '{print $$3}' | sort -n | awk \
		'{t[NR]=$$1} END {printf "%d trials stopped by themselves; median %.2f s, slowest %.2f s\n", NR, t[int((NR+1)/2)], t[NR]}'; \
	rm -f .soak-ctrl-c.log; exit $$status

clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules .connectability
