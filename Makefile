# Self-documenting: `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help report handouts test check lab dashboard shapefiles bench lock clean
# exact versions of every dependency; refresh with `make lock` after editing pyproject.toml
LOCK   := requirements.lock
UV     := uv==0.13.9

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# the locked set installed by uv, in about 20 s with the compiling below, where pip takes 2-4
# minutes (measured side by side on a fresh venv, the same packages); pip if uv cannot
INSTALL := $(BIN)/python -m pip install --quiet '$(UV)' && \
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c $(LOCK)
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c $(LOCK)
# then compiled to bytecode as pip does (else every test process and kernel compiles what it
# imports), all but the packages' own test suites: a third of the code, which nothing here
# imports (13 s where uv's --compile-bytecode takes 16-22 s, measured side by side on fresh
# venvs); a file that does not compile is compiled when imported, as uv and pip leave it
BYTECODE := $(BIN)/python -m compileall -q -j 0 -x '/tests?/' $(VENV)/lib || \
	echo "(the files above are compiled when imported)"

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(INSTALL) -e . || $(PIP_INSTALL) -e .
	$(BYTECODE)
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(BIN)/python
	$(INSTALL) -e '.[test]' || $(PIP_INSTALL) -e '.[test]'
	$(BYTECODE)
	touch $@ $(VENV)/.installed

# the project's own modules compiled to bytecode once, as the installer does for the rest: each
# kernel, worker and server then reads them (where PYTHONDONTWRITEBYTECODE is set, as on this
# machine, every one of them would otherwise compile what it imports again)
COMPILE := $(BIN)/python -m compileall -q lib

report: $(VENV)/.installed  ## create .venv, install, regenerate every report into reports/
	$(COMPILE)
	$(BIN)/itclusters-report

handouts: $(VENV)/.installed  ## seminar handouts as HTML, student (no solutions) and teacher copies, into reports/handouts/
	$(COMPILE)
	$(BIN)/python -m itclusters.handouts

test: $(VENV)/.installed-test  ## create .venv with test extras and run the whole suite, notebooks included
	$(COMPILE)
	$(BIN)/python -m pytest

# the quick tier: what `-m` leaves out is marked in tests/ (markers in pyproject.toml)
QUICK  := not notebook and not browser and not slow

check: $(VENV)/.installed-test  ## quick tier for the edit-test loop: library tests and doctests, no notebooks, no browser, no slow test
	$(COMPILE)
	$(BIN)/python -m pytest -m "$(QUICK)"

# kernel websockets that send each message at once (see lib/itclusters/server.py)
NO_DELAY := kernel_websocket_connection_class=itclusters.server.NoDelayConnection

lab: $(VENV)/.installed  ## open JupyterLab on notebooks/
	$(BIN)/jupyter lab notebooks/ --ServerApp.$(NO_DELAY) $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# a kernel that has already run the dashboard waits for each reader: the page comes with its map
# (benchmarks/bench_dashboard_open.py measures it against Voila's default)
PREHEAT := --preheat_kernel=True --pool_size=1

dashboard: $(VENV)/.installed  ## serve the no-code explorer dashboard with Voila
	JUPYTER_PATH=$(CURDIR)/lib/itclusters/share/jupyter $(BIN)/voila notebooks/dashboard.ipynb \
		--template=itclusters --Voila.$(NO_DELAY) $(PREHEAT)

shapefiles: $(VENV)/.installed  ## rebuild shapefiles/regions_kz{16,17,20}.geojson from shapefiles/source/
	$(BIN)/python -c "from itclusters.data import write_boundaries; print(*write_boundaries(), sep='\\n')"

bench: $(VENV)/.installed-test  ## run every benchmark and print its figures
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

lock: | $(BIN)/python  ## refresh requirements.lock from pyproject.toml (keeps existing pins; UPGRADE=1 for newest)
	$(BIN)/python -m pip install --quiet '$(UV)'
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 $(if $(UPGRADE),--upgrade) -o $(LOCK)

clean:  ## remove the virtual environment and generated reports
	rm -rf $(VENV) reports
