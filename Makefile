# Keepwell: `make run` opens the program, `make test` runs the tests. Both set everything up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench gallery clean

run: $(VENV)/.installed
	@$(BIN)/python packaging/check_system.py
	$(BIN)/keepwell

# The same check as `make run` (the tests' window is offscreen: no display needed), so that a
# machine without Qt's system libraries gets the apt-get line rather than an ImportError.
test: $(VENV)/.installed-test
	@QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/check_system.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check app ui tests packaging
	$(BIN)/mypy

bench: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/benchmarks -s -p no:randomly

# Pictures of every screen, form and dialog into OUT, to compare two versions pixel for pixel:
# `make gallery OUT=/tmp/a`, change things, `make gallery OUT=/tmp/b`, then
# `.venv/bin/python -m tests.ui.gallery_compare /tmp/a /tmp/b --diff /tmp/diff`.
OUT ?= gallery
gallery: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.ui.gallery $(OUT)

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
