# The two commands a newcomer needs: `make run` and `make test`. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench lint demo clean

# (Re)build the virtualenv when it is missing, broken, or older than pyproject.toml.
$(STAMP): pyproject.toml
	@$(BIN)/python -c "import sys" 2>/dev/null || (rm -rf $(VENV) && $(PYTHON) -m venv $(VENV))
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/cc-data demo --if-missing
	$(BIN)/streamlit run app.py

test: $(STAMP)
	@scripts/ensure-chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data/*.duckdb* .pytest_cache
