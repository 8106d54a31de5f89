# The two commands of the quick start: `make run` and `make test`. Both build .venv
# from python3 and reinstall the project whenever pyproject.toml changes.
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp


.PHONY: run test lint test-x11 test-noqt bench dist dist-check clean

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

# The domain, services and CLI tests in a venv without PySide6 (and without pytest-qt and
# qasync, which need it): they must import and run with Qt absent. The venv is the test
# one minus those packages, so the dependency list stays in pyproject.toml alone.
NOQT_VENV := .venv-noqt

$(NOQT_VENV)/.stamp: pyproject.toml
	@test -x $(NOQT_VENV)/bin/python || $(PYTHON) -m venv $(NOQT_VENV)
	$(NOQT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(NOQT_VENV)/bin/python -m pip install --quiet -e '.[test]'
	$(NOQT_VENV)/bin/python -m pip uninstall --quiet --yes PySide6-Essentials shiboken6 \
		pytest-qt qasync
	! $(NOQT_VENV)/bin/python -c 'import PySide6' 2>/dev/null
	@touch $@

test-noqt: $(NOQT_VENV)/.stamp
	$(NOQT_VENV)/bin/python -m pytest -p no:cacheprovider -m "not x11 and not qt" \
		tests/domain tests/services tests/faults tests/fakes_check tests/test_cli.py \
		tests/test_cli_money.py

# A one-folder bundle in dist/scribble-studio (PyInstaller; Linux here).
dist: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bundle]'
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/scribble-studio.spec

# The bundle starts offscreen, shows its window and quits cleanly.
dist-check: dist
	QT_QPA_PLATFORM=offscreen dist/scribble-studio/scribble-studio --smoke-test
	QT_QPA_PLATFORM=offscreen dist/scribble-studio/scribble-studio --version

# The benchmarks measure the app as a user installs it: a regular (compiled, not
# editable) install without the test tools, whose dependencies change what libraries
# import (httpx loads its command line's rich, click and pygments when they are there).
BENCH_VENV := .venv-bench

$(BENCH_VENV)/.deps-stamp: pyproject.toml
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet .
	@touch $@

bench: $(BENCH_VENV)/.deps-stamp
	$(BENCH_VENV)/bin/python -m pip install --quiet --no-deps --force-reinstall .
	@# Qt's offscreen plugin warns about propagateSizeHints() for every window shown; the
	@# output stays the tables (and any other message).
	@for b in bench/bench_*.py; do m=$${b%.py}; \
		QT_QPA_PLATFORM=offscreen PYTHONPATH=. $(BENCH_VENV)/bin/python -m $${m//\//.} 2>&1 \
			| { grep -v 'does not support propagateSizeHints()' || true; }; \
		test $${PIPESTATUS[0]} -eq 0 || exit 1; done

clean:
	rm -rf $(VENV) $(BENCH_VENV) build dist *.egg-info app/*.egg-info .mypy_cache .pytest_cache .ruff_cache
