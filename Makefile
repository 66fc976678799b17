# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_TEST_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
CHROMIUM := /usr/bin/chromium
PO := $(wildcard forum/locale/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test lint install messages serve clean chromium bench wheel lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

forum/locale/%/LC_MESSAGES/messages.mo: forum/locale/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@ -l $*

install: $(VENV)/.installed $(MO)

## make run: migrate, load the demo (idempotent) and serve on http://127.0.0.1:$(PORT)
run: install
	$(BIN)/forum migrate
	$(BIN)/forum demo
	$(BIN)/forum serve --port $(PORT)

## make messages: re-extract UI strings into the .pot and merge them into es/fr .po files
messages: $(VENV)/.installed
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k N_ --no-location \
		--sort-output --project=forum -o forum/locale/messages.pot forum
	$(BIN)/pybabel update --no-fuzzy-matching -i forum/locale/messages.pot -d forum/locale
	$(MAKE) $(MO)

lint: install
	$(BIN)/ruff check forum tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "*** $(CHROMIUM) missing and cannot be installed here: browser tests will be SKIPPED ***"; fi

## make test: lint, then the whole suite on SQLite and on PostgreSQL (skipped, loudly, if absent)
test: install chromium lint
	@url="$${FORUM_TEST_DATABASE_URL:-$(PG_TEST_URL)}"; \
	if $(BIN)/python tests/pg_probe.py "$$url"; then \
		echo "PostgreSQL half: running against $$url"; \
		export FORUM_TEST_DATABASE_URL="$$url"; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI: PostgreSQL at $$url is unreachable and the PostgreSQL half must run" >&2; exit 1; \
	else \
		echo "*** PostgreSQL at $$url is unreachable: the PostgreSQL half is SKIPPED ***"; \
		unset FORUM_TEST_DATABASE_URL; \
	fi; \
	$(BIN)/pytest; status=$$?; \
	if [ -z "$$FORUM_TEST_DATABASE_URL" ]; then \
		echo "*** reminder: the PostgreSQL half was SKIPPED (no server at $$url) ***"; fi; \
	exit $$status

## make wheel: build the wheel and check it installs, migrates and serves from an empty folder
wheel: install
	deploy/wheel-smoke.sh

## make lock: the same, and write requirements.lock (exact runtime versions, for deployments)
lock: install
	deploy/wheel-smoke.sh --lock requirements.lock

## make bench: every speed figure in one run on loopback, then one summary table
##   BENCH_ARGS="--posts 100000", "--database postgresql", "--soak", "--only pages signedin"
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(MO)
