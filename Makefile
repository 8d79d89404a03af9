# Photogram's front door. `make dev` and `make test` install what is missing
# (a .venv from pyproject.toml; the CDK CLI from package.json for synth/deploy)
# and are quick when nothing changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DEV_STAMP   := $(VENV)/.stamp-dev
INFRA_STAMP := $(VENV)/.stamp-infra
CDK    := node_modules/.bin/cdk

# jsii warns on every call that Node 20 is past end of life; END_OF_LIFE lists the majors
# to silence, DEPRECATED takes any value. tests/infra/conftest.py sets the same values.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: dev seed clock reindex test test-fast bench train eval lint format openapi synth deploy diff cdn-keys clean help

help:
	@echo "make dev        start the whole system locally (API, auth, storage)"
	@echo "make seed       create demo users with follows in the running system"
	@echo "make clock      move the running system's clock: make clock ARGS=+25h"
	@echo "make reindex    rebuild the running system's search indexes from its table"
	@echo "make test       run every test"
	@echo "make test-fast  every test but the CDK synth ones (no infra extra needed)"
	@echo "make bench      run the benchmarks against a fresh local runtime"
	@echo "make train      train the feed's ranking model (models/ranking/artifacts/model.tar.gz)"
	@echo "make eval       the ranking model against the heuristic and chronological order"
	@echo "make lint       ruff + mypy (mypy checks infra/ against aws_cdk: the infra extra)"
	@echo "make format     apply ruff's fixes and formatting"
	@echo "make openapi    write docs/openapi.json from the routes"
	@echo "make synth      synthesize the CDK app (cdk-nag checks included)"
	@echo "make diff       compare the synthesized app with what is deployed"
	@echo "make deploy     deploy to the AWS account in your environment"
	@echo "make cdn-keys   make the key pair that signs private media URLs (keys/, docs/deploy.md)"
	@echo "make clean      remove build output and tool caches (cdk.out, .photogram, caches)"
	@echo "make help       this list"

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Photogram needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

$(INFRA_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev,infra]'
	@touch $@ $(DEV_STAMP)

$(CDK): package.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

dev: $(DEV_STAMP)
	$(PY) -m local $(ARGS)

seed: $(DEV_STAMP)
	$(PY) -m local.seed

clock: $(DEV_STAMP)
	$(PY) -m local.clock $(ARGS)

reindex: $(DEV_STAMP)
	$(PY) -m local.reindex

test: $(INFRA_STAMP)
	$(PY) -m pytest -n 2 $(ARGS)

test-fast: $(DEV_STAMP)
	$(PY) -m pytest -m "not infra" $(ARGS)

bench: $(DEV_STAMP)
	$(PY) -m bench $(ARGS)

train: $(DEV_STAMP)
	$(PY) -m models.ranking.train $(ARGS)

eval: $(DEV_STAMP)
	$(PY) -m bench.ranking_bench $(ARGS)

lint: $(INFRA_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# Not incremental: its cache went stale when modules were added (a spurious
	@# "Module photogram.feed has no attribute ..."); a full run takes about 15 s.
	@# The tests are checked here, where photogram is found by its path and typed.
	$(VENV)/bin/mypy --no-incremental --exclude '^tests/infra/' \
		layers/core/python/photogram local bench models tests
	@# The CDK app apart, with its own cache: checking against aws_cdk's stubs takes
	@# about 45 s cold and under a second warm, and infra/ never imports the domain.
	$(VENV)/bin/mypy --cache-dir .mypy_cache/infra app.py infra tests/infra
	@# Every handler module is named handler.py: check them one at a time.
	@# Their own cache: these runs find photogram installed, the one above by its path,
	@# and sharing one cache let each run read the other's stale entries.
	@for f in functions/*/handler.py; do $(VENV)/bin/mypy --cache-dir .mypy_cache/handlers $$f || exit 1; done

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

openapi: $(DEV_STAMP)
	$(PY) -m local.openapi > docs/openapi.json

synth: $(INFRA_STAMP) $(CDK)
	$(CDK) synth $(ARGS)

diff: $(INFRA_STAMP) $(CDK)
	$(CDK) diff $(ARGS)

deploy: $(INFRA_STAMP) $(CDK)
	$(CDK) deploy $(ARGS)

# The CDN signing key pair (docs/deploy.md, Private media): RSA 2048, as CloudFront
# takes it. Never overwritten (a new pair is a rotation), never committed (.gitignore),
# and not under .photogram/, which `make clean` removes.
CDN_KEYS := keys
cdn-keys:
	@test ! -e $(CDN_KEYS)/cdn-signing-private.pem || \
		{ echo "$(CDN_KEYS)/cdn-signing-private.pem exists: move it away to make a new pair (a rotation, docs/deploy.md)"; exit 1; }
	@mkdir -p $(CDN_KEYS) && chmod 700 $(CDN_KEYS)
	@(umask 077 && openssl genrsa -out $(CDN_KEYS)/cdn-signing-private.pem 2048 2>/dev/null)
	@openssl rsa -pubout -in $(CDN_KEYS)/cdn-signing-private.pem -out $(CDN_KEYS)/cdn-signing-public.pem 2>/dev/null
	@echo "made $(CDN_KEYS)/cdn-signing-private.pem and $(CDN_KEYS)/cdn-signing-public.pem;"
	@echo "deploy with: make deploy ARGS='-c cdn_signing_public_key=$(CDN_KEYS)/cdn-signing-public.pem'"

clean:
	rm -rf cdk.out .photogram .pytest_cache .mypy_cache .ruff_cache
