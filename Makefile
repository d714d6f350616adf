PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench clean

$(BIN)/exifbench: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

demo: $(BIN)/exifbench
	$(BIN)/exifbench run --strategy all --out out/

test: $(BIN)/exifbench
	$(BIN)/python -m pytest -q tests

bench: $(BIN)/exifbench
	$(BIN)/python -m pytest benchmarks/ --benchmark-autosave

clean:
	rm -rf $(VENV) out .pytest_cache .benchmarks
