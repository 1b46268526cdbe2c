# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export YAKSOK_DATA_DIR ?= ./yaksok-data
export YAKSOK_POLICY ?= policies/somesing.yaml

.PHONY: run test lint bench audit clean

$(BIN)/yaksok: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Serves the integration demo at /demo too (demo members only: addresses under
# @demo.yaksok.invalid); `serve` prints the addresses: the policy, the privacy center, the demo,
# the OpenAPI, and how to make the first officer.
run: $(BIN)/yaksok
	$(BIN)/yaksok init
	$(BIN)/yaksok serve --host $${YAKSOK_HOST:-127.0.0.1} --port $${YAKSOK_PORT:-8000} --demo

lint: $(BIN)/yaksok
	$(BIN)/ruff check --no-cache src tests bench
	$(BIN)/lint-imports

# Two workers (pytest-xdist): the machines have 2 cores; a file's tests stay on one worker, so a
# module's fixtures (a served app, a browser) are built once.
test: lint
	mkdir -p build
	$(BIN)/pytest -q -n 2 --dist loadfile
	$(BIN)/yaksok promises --report build/promise-report.json --summary

# Every bench/*.py is a stand-alone benchmark printing its figures beside a same-run baseline.
bench: $(BIN)/yaksok
	@for f in bench/[!_]*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Known vulnerabilities in the installed packages (pip-audit asks an advisory service). Not a CI
# check: machines that reach no advisory service get empty answers, and it would pass silently.
audit: $(BIN)/yaksok
	$(BIN)/pip-audit --skip-editable --strict

clean:
	rm -rf $(VENV) build .pytest_cache
