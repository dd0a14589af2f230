# The two commands a newcomer needs:  `make run`  and  `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SANDBOX_PORT ?= 8001
# The sandbox's mailbox: the app's e-mail goes to this SMTP port, read at :8001/mailbox.
SANDBOX_SMTP_PORT ?= 8025
APP_PORT ?= 8000

# Development: the app talks to the local LinkedIn sandbox, on SQLite, with no secrets;
# automatic refresh comes round every minute or two, so the demo shows it.
DEV_ENV := DEBUG=1 AUTHLIB_INSECURE_TRANSPORT=1 \
	LINKEDIN_OIDC_DISCOVERY_URL=http://127.0.0.1:$(SANDBOX_PORT)/oauth/.well-known/openid-configuration \
	LINKEDIN_API_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) \
	ENRICHMENT_SAMPLE_ARCHIVE_URL=http://127.0.0.1:$(SANDBOX_PORT)/_sandbox/archive/{sub}.zip \
	LINKEDIN_PORTABILITY_CLIENT_ID=contactsapp-portability \
	LINKEDIN_PORTABILITY_CLIENT_SECRET=portability-secret \
	CSP_EXTRA_IMG_SRC=http://127.0.0.1:$(SANDBOX_PORT) \
	EMAIL_URL=smtp://127.0.0.1:$(SANDBOX_SMTP_PORT) SITE_URL=http://127.0.0.1:$(APP_PORT) \
	AUTO_REFRESH_INTERVAL=90 AUTO_REFRESH_JITTER=30 \
	EXPORT_MIN_SPACING=10

.PHONY: run sandbox test lint format lock bench bench-refresh bench-carddav compose-check clean

$(VENV)/.installed: requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: the app on http://127.0.0.1:8000 with the LinkedIn sandbox on :8001, and the worker
##      that finishes exports nobody is watching
run: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	@$(PY) -m linkedin_sandbox --port $(SANDBOX_PORT) --smtp-port $(SANDBOX_SMTP_PORT) & sandbox=$$!; \
	$(DEV_ENV) $(PY) manage.py poll_exports --loop & worker=$$!; \
	trap 'kill $$sandbox $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:$(APP_PORT)

## sandbox: the LinkedIn sandbox alone, on :8001 (its mailbox's SMTP server on :8025)
sandbox: $(VENV)/.installed
	$(PY) -m linkedin_sandbox --port $(SANDBOX_PORT) --smtp-port $(SANDBOX_SMTP_PORT)

## test: the whole suite (DATABASE_URL picks the database; SQLite by default)
test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## lock: re-pin requirements*.txt from pyproject.toml
lock: $(VENV)/.installed
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --extra dev --no-emit-index-url --no-emit-find-links -o requirements-dev.txt pyproject.toml

## bench: address-book scale (1k/10k/50k) beside this machine's limits, SQLite and PostgreSQL
##        (BENCH_ARGS=--quick for a smoke run; results in bench/results/latest.{md,json}),
##        then the memory and time of reading LinkedIn's worst bodies (bench/results/hostile-latest.md),
##        then the data archive's join, then CardDAV at 50,000 (bench/results/carddav-50000-latest.md),
##        each page in every language beside English (bench/results/languages-latest.md),
##        SQLite's pages while 250,000 contacts are stored (bench/results/sqlite-concurrency-latest.md),
##        then 20 books of 10,000 stored by 2 workers beside one (bench/results/parallel-ingest-latest.md),
##        each of the ingest's features alone beside its limit (bench/results/ingest-features-latest.md),
##        each missed CSV download's own work alone beside the limit (bench/results/download-features-latest.md),
##        then bench-refresh
bench: $(VENV)/.installed
	$(PY) -m bench $(BENCH_ARGS)
	$(PY) -m bench.hostile_bodies
	$(PY) -m bench.enrichment
	$(PY) -m bench.carddav --size 50000 --output bench/results/carddav-50000-latest.md
	$(PY) -m bench.languages
	$(PY) -m bench.sqlite_concurrency
	$(PY) -m bench.parallel_ingest
	$(PY) -m bench.ingest_features
	$(PY) -m bench.download_features
	$(MAKE) bench-refresh

## bench-refresh: automatic refresh, SQLite and PostgreSQL: the worker's round at 10,000 and
##                100,000 members (bench/results/refresh-latest.md), and 100 members of 1,000
##                contacts refreshed by 2 workers beside single ingest
##                (bench/results/refresh-throughput-latest.md)
bench-refresh: $(VENV)/.installed
	$(PY) -m bench.refresh
	$(PY) -m bench.refresh_throughput

## bench-carddav: the CardDAV address book at 250,000 contacts beside the vCard download,
##                SQLite and PostgreSQL (BENCH_ARGS="--size 10000 --db sqlite" for a smaller
##                run; results in bench/results/carddav-latest.md)
bench-carddav: $(VENV)/.installed
	$(PY) -m bench.carddav $(BENCH_ARGS)

## compose-check: build the image, run the docker-compose stack, drive the journey through it,
##                take it down (REQUIRE_DOCKER=1: fail where no Docker engine can start)
compose-check: $(VENV)/.installed
	PYTHON=$(PY) bash deploy/compose-check.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
