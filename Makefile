# Wirewatch: `make run` runs the pipeline on the embedded default; `make test` runs the whole test suite.
# Both set themselves up (virtualenv, Python packages; for tests also Mosquitto and the Kafka jars).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA_DIR ?= data
MQTT_PORT ?= 1883
SUBSCRIPTIONS ?= deploy/subscriptions.example.json

.PHONY: setup run test chaos test-unit test-integration lint bench eval clean kb check-deploy

# setup.py compiles these with mypyc (three groups: tagger, query, cluster): an edit rebuilds them.
$(BIN)/wirewatch: pyproject.toml setup.py processors/text.py processors/kb.py processors/tagger.py processors/tagging/*.py \
		alerts/query/fields.py alerts/query/fastparse.py alerts/query/parse.py processors/cluster/anchors.py
	@echo "setup: [1/3] virtualenv in $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "setup: [2/3] pip and uv"
	$(BIN)/python -m pip install -q --upgrade pip uv
	@echo "setup: [3/3] Wirewatch and its dependencies; the tagger and the query parser are compiled with mypyc (a few minutes the first time)"
	$(BIN)/uv pip install --python $(BIN)/python -e '.[dev]'
	touch $(BIN)/wirewatch
	@echo "setup: done"

# Where bytecode is never written (PYTHONDONTWRITEBYTECODE=1), a cold `wirewatch tag` spends seconds
# compiling its dependencies' source: compile them once per change of the dependencies (issue 12).
$(VENV)/.bytecode: pyproject.toml | $(BIN)/wirewatch
	@echo "setup: bytecode of the dependencies (once)"
	-$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null
	touch $@

# The prebuilt knowledge base (processors/kb_cache.py): built now unless a fresh one is there.
setup: $(BIN)/wirewatch $(VENV)/.bytecode
	-@$(BIN)/python -m processors.kb_cache

run: setup ## the pipeline on the embedded log + embedded MQTT broker; drop files into $(DATA_DIR)/inbox
	$(BIN)/wirewatch run --data-dir $(DATA_DIR) --subscriptions $(SUBSCRIPTIONS) --mqtt-port $(MQTT_PORT) --api

test: setup ## everything, against real Kafka and Mosquitto (installed and started by the suite)
	bash .ci/install.sh
	$(BIN)/ruff check .
	$(BIN)/mypy .
	WIREWATCH_REQUIRE_COMPILED=1 $(BIN)/python -m pytest -q

chaos: setup ## the full chaos suite (tests/chaos, -m chaos): faults on real Kafka and Mosquitto; ~20 min
	bash .ci/install.sh
	WIREWATCH_REQUIRE_COMPILED=1 $(BIN)/python -m pytest -q -m chaos tests/chaos

test-unit: setup
	$(BIN)/python -m pytest -q -m "not integration"

check-deploy: setup ## the deploy files and the contracts alone: Helm, Compose, systemd, AsyncAPI, compatibility
	bash .ci/install.sh
	$(BIN)/python -m pytest -q tests/deploy tests/contracts

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: setup ## speed: each prints a table and writes benchmarks/results/*.json (run as modules from the root)
	for b in benchmarks/bench_*.py; do $(BIN)/python -m benchmarks.$$(basename $$b .py) || exit 1; done

eval: setup ## quality figures on ../shared/data (extraction F1, geo precision/recall, actors, event clustering B-cubed)
	$(BIN)/python -m benchmarks.eval_extract
	$(BIN)/python -m benchmarks.eval_geo
	$(BIN)/python -m benchmarks.eval_geo_local
	$(BIN)/python -m benchmarks.eval_actors
	$(BIN)/python -m benchmarks.eval_cluster

kb: setup ## rebuild the generated parts of the knowledge base (installs the `kb` extra first)
	$(BIN)/uv pip install --python $(BIN)/python -q -e '.[dev,kb]'
	$(BIN)/python -m processors.kb_build

clean:
	rm -rf $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache
