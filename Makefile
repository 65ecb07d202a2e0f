# The README's commands. Each one sets up what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Stamp file: reinstall only when the dependency list changes.
INSTALLED := $(VENV)/.installed

# `make run` serves the dashboard on the built-in Green API emulator.
RUN_ENV := DJANGO_DEBUG=true GREEN_API_SANDBOX=true \
	GREEN_API_PARTNER_URL=http://127.0.0.1:$(PORT)/sandbox \
	PUBLIC_BASE_URL=http://127.0.0.1:$(PORT)

.PHONY: install run test lint types format bench clean messages catalogues

# Test-only tools from the npm registry (package.json: axe-core for the accessibility test in
# tests/e2e), installed from package-lock.json. Without npm that one test is skipped, like the
# browser tests without chromium.
NPM_INSTALLED := node_modules/.package-lock.json

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $@

$(NPM_INSTALLED): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --ignore-scripts; \
	else echo "npm not found: tests/e2e/test_accessibility.py needs it (apt-get install npm)"; fi

install: $(INSTALLED) $(NPM_INSTALLED)

# The translation catalogues (locale/): .po files are committed, .mo files compiled from them
# here, in pure Python (core/management/commands/compile_catalogues.py).
catalogues: $(INSTALLED)
	$(RUN_ENV) $(BIN)/python manage.py compile_catalogues -v 0

# After changing a page's text: extract every marked string into locale/ (needs GNU gettext:
# apt-get install gettext), English filled in as its own translation. Then translate the new
# Russian entries (tests/core/test_catalogues.py fails while one is missing or fuzzy).
MAKEMESSAGES := $(RUN_ENV) $(BIN)/python manage.py makemessages --no-obsolete --no-location \
	--ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=test-artifacts \
	--ignore=tests --ignore=benchmarks --ignore=sandbox --ignore=static/vendor
messages: $(INSTALLED)
	$(MAKEMESSAGES) -l en -l ru -d django
	$(MAKEMESSAGES) -l en -l ru -d djangojs
	for po in locale/en/LC_MESSAGES/*.po; do msgen --no-wrap -o "$$po" "$$po"; done

# The demo seed mirrors the emulator over HTTP, so run_dev.py serves first and seeds after.
run: $(INSTALLED) catalogues
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input
	$(RUN_ENV) $(BIN)/python manage.py seed_sandbox
	$(RUN_ENV) $(BIN)/python partnerportal/run_dev.py --port $(PORT)

# The suite runs in PYTEST_WORKERS processes (pytest-xdist), each with its own test database.
# Most of a test's time is spent waiting, so more workers than cores pay; PYTEST_ARGS="-n0"
# runs it in one process. Bytecode is cached (even under PYTHONDONTWRITEBYTECODE), so that the
# workers do not each recompile and re-rewrite every test module.
PYTEST_WORKERS ?= 4

test: $(INSTALLED) $(NPM_INSTALLED) catalogues
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

types: $(INSTALLED)
	$(BIN)/mypy

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(INSTALLED)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) node_modules staticfiles test-artifacts .pytest_cache .ruff_cache .hypothesis
