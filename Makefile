# The two set-up commands are `make demo` and `make test`; both build .venv on first use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEMO_DB ?= demo/tracehound-demo.duckdb

.PHONY: venv demo test lint bench clean schema

venv: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,azure,llm,anthropic,stix]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: venv
	bash scripts/demo.sh $(DEMO_DB)

test: venv
	$(PY) -m pytest -q

lint: venv
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts
	$(VENV)/bin/mypy

bench: venv
	$(PY) -m pytest -q -m slow -p no:cacheprovider tests bench -s --timeout=14400

schema: venv
	$(PY) scripts/gen_schema.py ../shared/schema/tables.json src/tracehound/schema/tables.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
