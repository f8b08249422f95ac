# The two commands a newcomer needs: `make run` and `make test`. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-stamp      # the dashboard's packages
TEST_STAMP := $(VENV)/.test-stamp    # and the test tools

.PHONY: run test bench lint clean

# (Re)build the virtualenv when it is missing, broken, or older than pyproject.toml. uv (a package on PyPI)
# installs the same packages several times faster than pip, with the same resolver rules; pip is the fallback.
define install
	@$(BIN)/python -c "import sys" 2>/dev/null || (rm -rf $(VENV) && $(PYTHON) -m venv $(VENV))
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv 2>/dev/null || true
	@echo "Installing $(1) into $(VENV)..."
	@if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install --python $(BIN)/python -q -e '$(1)'; \
	 else $(BIN)/python -m pip install -q --disable-pip-version-check -e '$(1)'; fi
endef

$(RUN_STAMP): pyproject.toml
	$(call install,.)
	@touch $@

$(TEST_STAMP): pyproject.toml
	$(call install,.[dev])
	@touch $@ $(RUN_STAMP)

# The dashboard is served at once; without an account the demo is built meanwhile and the pages show its
# progress, then the data as soon as it is published.
run: $(RUN_STAMP)
	@mkdir -p -m 700 data
	@# umask 077: the log is 0600 like everything else under data/ (an older 0644 log is replaced, not reused)
	@umask 077; rm -f data/demo-build.log; $(BIN)/cc-data demo --if-missing > data/demo-build.log 2>&1 & \
	 echo "Building the demo data in the background if there is none (log: data/demo-build.log)."
	$(BIN)/streamlit run app.py

test: $(TEST_STAMP)
	@scripts/ensure-chromium
	$(BIN)/ruff check .
	@# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE=1 here): otherwise every
	@# worker, dashboard server and cc-data process the tests start compiles its imports again (1.8 s against 0.7).
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n auto --dist loadfile

bench: $(TEST_STAMP)
	$(BIN)/python -m bench.run

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data/*.duckdb* .pytest_cache
