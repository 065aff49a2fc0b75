# fedi: `make run` starts a working instance on http://localhost:8000; `make test` runs the suite.
# Both set up everything they need on a fresh machine (a .venv, and Chromium for browser tests).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench lint install browser ffmpeg peers clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/fedi init
	$(BIN)/fedi serve

browser:
	@./scripts/ensure-chromium.sh

ffmpeg:
	@./scripts/ensure-ffmpeg.sh

peers:
	@./scripts/setup-fedify-peer.sh

test: install browser ffmpeg peers
	$(BIN)/ruff check fedi tests bench
	$(BIN)/pytest -q -n 2

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check fedi tests bench
	$(BIN)/ruff format --check fedi tests bench

clean:
	rm -rf $(VENV) .pytest_cache
