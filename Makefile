# The two newcomer commands: `make run` (install + start the service) and `make test` (install + run the tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test audit bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

run: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/moderation serve --host $(HOST) --port $(PORT)

test: install
	bash scripts/system-deps.sh
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Known vulnerabilities in the installed dependencies (pip-audit); CI runs it before the tests.
audit: install
	$(BIN)/python scripts/audit_deps.py

bench: install
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
