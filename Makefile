# Daraport: `make run` starts everything; `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean coturn gettext messages

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $(STAMP)

run: install
	PORT=$(PORT) bin/run

lint: install gettext
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_translations.py
	DJANGO_SETTINGS_MODULE=daraport.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# After the suite, the non-browser tests again with the clock about a year
# and a half ahead (tests/clock_shift.py): a test that only passes near the
# day it was written fails there, not on some later day in CI.
CLOCK_SHIFT_DAYS ?= 548

# The video tests relay through a real coturn: installed when missing and we may.
coturn:
	@command -v turnserver >/dev/null || [ "$$(id -u)" != 0 ] || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq coturn >/dev/null; }

# After changing what people read: the German and Spanish catalogs brought
# up to date (translate the new entries in locale/), then compiled.
messages: install gettext
	$(BIN)/python scripts/check_translations.py refresh

# The translation check reads the sources with gettext's xgettext.
gettext:
	@command -v xgettext >/dev/null || [ "$$(id -u)" != 0 ] || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

test: lint coturn
	$(BIN)/pytest $(PYTEST_ARGS)
	$(BIN)/pytest -m "not browser" -q -rs --clock-shift-days=$(CLOCK_SHIFT_DAYS)

bench: install
	DJANGO_SETTINGS_MODULE=daraport.settings.test $(BIN)/python -m bench
	DJANGO_SETTINGS_MODULE=daraport.settings.test $(BIN)/python -m bench.bulk_export

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
