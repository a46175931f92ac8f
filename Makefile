# linkedin-optout: `make demo` runs the main job on the simulated phone; `make test` runs the suite.
# Both install what they need: a project virtualenv (.venv) and the pinned Appium 3 under ci/appium
# with a project-local APPIUM_HOME (.appium-home) holding our LinkedInSim driver.
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VENV := .venv
BIN := $(VENV)/bin
APPIUM_DIR := ci/appium
export APPIUM_HOME := $(CURDIR)/.appium-home
export LINKEDIN_OPTOUT_APPIUM := $(CURDIR)/$(APPIUM_DIR)/node_modules/.bin/appium

.PHONY: install python-deps appium browser typecheck test unit demo bench clean

install: python-deps appium

python-deps: $(VENV)/.stamp
$(VENV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# Appium 3 pinned by ci/appium/package-lock.json; our LinkedInSim driver is linked into $(APPIUM_HOME).
appium: $(APPIUM_HOME)/.stamp
$(APPIUM_DIR)/node_modules/.stamp: $(APPIUM_DIR)/package.json $(APPIUM_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20.19+ (with npm 10+)"; exit 1; }
	cd $(APPIUM_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

SIM_DRIVER_FILES := $(wildcard $(APPIUM_DIR)/linkedinsim-driver/package.json $(APPIUM_DIR)/linkedinsim-driver/lib/*.js)
$(APPIUM_HOME)/.stamp: $(VENV)/.stamp $(APPIUM_DIR)/node_modules/.stamp $(SIM_DRIVER_FILES) mobile/reach/appium_install.py
	$(BIN)/python -m mobile.reach.appium_install
	touch $@

# The report test opens report.html in a real headless Chromium (Debian's package).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the report test"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# the type-check gate (configured in pyproject.toml [tool.mypy])
typecheck: python-deps
	$(BIN)/python -m mypy

test: typecheck install browser
	$(BIN)/python -m pytest -q -n 2 tests

unit: python-deps
	$(BIN)/python -m pytest -q tests/unit

demo: install
	$(BIN)/linkedin-optout apply --device sim-android --report reports/demo

bench: install  # every benchmark runs; the exit status says whether any missed its targets
	status=0; \
	$(BIN)/python bench/bench_core.py || status=1; \
	$(BIN)/python bench/bench.py || status=1; \
	$(BIN)/python bench/bench_farm.py || status=1; \
	$(BIN)/python bench/bench_u2.py || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) $(APPIUM_DIR)/node_modules $(APPIUM_HOME) reports build dist
