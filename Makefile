PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench clean system

# The file-system storage model needs FUSE: Debian's fuse3 (libfuse3 + fusermount3), installed once when missing.
system:
	@command -v fusermount3 >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fuse3 >/dev/null; \
	  else \
	    echo "note: fusermount3 not found; install FUSE (Debian: apt-get install fuse3, macOS: macFUSE) or exifbench falls back to its in-process storage model" >&2; \
	  fi; }

$(BIN)/exifbench: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

demo: system $(BIN)/exifbench
	$(BIN)/exifbench run --strategy all --out out/

test: system $(BIN)/exifbench
	$(BIN)/python -m pytest -q tests

bench: system $(BIN)/exifbench
	$(BIN)/python -m pytest benchmarks/ --benchmark-autosave

clean:
	rm -rf $(VENV) out .pytest_cache .benchmarks
