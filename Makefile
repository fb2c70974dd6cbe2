# Newcomer entry points: `make run` (API with demo data on SQLite) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
CLIENTS_STAMP := clients/node_modules/.package-lock.json
.PHONY: help install run test lint format schema bench migrations check-migrations clean distclean \
	clients-install graphiql-assets app-assets

help:
	@echo "make run               serve the API (migrates; seeds demo data into an empty database)"
	@echo "make test              lint, type-check and run the tests"
	@echo "make lint              ruff check, ruff format --check, mypy"
	@echo "make format            ruff format + ruff check --fix"
	@echo "make schema            export the GraphQL SDL to schema.graphql"
	@echo "make clients-install   npm ci the real client libraries tested in clients/"
	@echo "make graphiql-assets   refresh graph/static/graphiql/ from its package-lock.json"
	@echo "make app-assets        refresh the web app's graph/static/app/vendor/ from its package-lock.json"
	@echo "make bench             run the benchmarks"
	@echo "make migrations        generate a migration for model changes [NAME=what_changed]"
	@echo "make check-migrations  fail when the models have changes without a migration"
	@echo "make clean             remove caches and build files (distclean: also .venv and var/)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project metadata or the pins change.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install -c constraints.txt -e '.[dev]'
	touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/command-center serve

test: lint clients-install
	$(BIN)/pytest

# The client libraries the tests drive (Relay, Apollo, urql, graphql-sse, graphql-ws, Playwright),
# exactly as clients/package-lock.json pins them. Without npm the client tests skip locally and
# fail in CI (tests/clients/test_node_clients.py).
$(CLIENTS_STAMP): clients/package.json clients/package-lock.json
	cd clients && npm ci --no-audit --no-fund

clients-install:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(CLIENTS_STAMP); \
	else echo "npm not found: the clients/ tests will not run"; fi

# Upgrade: edit graph/static/graphiql/package.json, `npm install --package-lock-only` there, then
# this; it needs npm and the registry, serving never does.
graphiql-assets: $(STAMP)
	$(BIN)/python tools/graphiql_assets.py

# The web app's pinned Preact+htm and graphql-ws modules; upgrade like graphiql-assets, in
# graph/static/app/vendor/. Serving never needs Node or the network.
app-assets: $(STAMP)
	$(BIN)/python tools/app_assets.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: $(STAMP)
	$(BIN)/command-center export-schema --output schema.graphql

# `make bench scale folders`: only the named benchmarks (the names are not targets of their own).
ifeq (bench,$(firstword $(MAKECMDGOALS)))
BENCH_NAMES := $(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS))
$(eval $(BENCH_NAMES):;@:)
endif

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_NAMES)

# NAME=add_tasks names the file (default: NNNN_auto_<timestamp>).
migrations: $(STAMP)
	$(BIN)/tortoise makemigrations models $(if $(NAME),--name $(NAME))

check-migrations: $(STAMP)
	$(BIN)/python -c "import asyncio, sys; from config.database import pending_model_changes; \
	changes = asyncio.run(pending_model_changes()); print(*changes or ['No changes detected'], sep='\n'); \
	sys.exit(bool(changes))"

clean:
	rm -rf build .mypy_cache .ruff_cache .pytest_cache .hypothesis ./*.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) var clients/node_modules clients/__generated__ test-artifacts
