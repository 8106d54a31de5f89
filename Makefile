# The two commands of the quick start: `make run` and `make test`. Both build .venv
# from python3 and reinstall the project whenever pyproject.toml changes.
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp


.PHONY: run test lint test-x11 bench dist dist-check clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/scribble-studio

lint: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m "not x11"

test-x11: $(STAMP)
	tests/x11/run.sh tests/ui/test_x11_window.py

# A one-folder bundle in dist/scribble-studio (PyInstaller; Linux here).
dist: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bundle]'
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/scribble-studio.spec

# The bundle starts offscreen, shows its window and quits cleanly; its keyring helper
# answers (whatever keyring the machine has).
dist-check: dist
	QT_QPA_PLATFORM=offscreen dist/scribble-studio/scribble-studio --smoke-test
	QT_QPA_PLATFORM=offscreen dist/scribble-studio/scribble-studio --version
	echo '{"op": "get", "service": "scribble-studio-check", "username": "none"}' | \
		dist/scribble-studio/scribble-studio --keyring-helper | grep -q '"priority"'

bench: $(STAMP)
	@for b in bench/bench_*.py; do m=$${b%.py}; $(BIN)/python -m $${m//\//.} || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info app/*.egg-info .mypy_cache .pytest_cache .ruff_cache
