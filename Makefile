PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-stress docs bench clean system qt-system-libs

# System parts, installed once when missing: Debian's fuse3 (libfuse3 + fusermount3) for the file-system
# storage model, libimage-exiftool-perl for exiftool in `exifbench peers`, valgrind for the exact CPU tier of
# `exifbench gate --base`.
SYSTEM := fusermount3:fuse3 exiftool:libimage-exiftool-perl valgrind:valgrind
system:
	@missing=""; for pair in $(SYSTEM); do command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "note: missing Debian packages:$$missing (without fuse3 exifbench falls back to its in-process storage model; without exiftool peers skips it; without valgrind gate --base runs only with --tiers ab)" >&2; \
	  fi; \
	fi

# What Qt's offscreen platform loads on Debian (found with ldd on PySide6's QtWidgets and libqoffscreen.so),
# plus a font for the view's text; installed when missing.
QT_DEBS := libgl1 libegl1 libxkbcommon0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 fonts-dejavu-core

qt-system-libs:
	@missing=$$(for deb in $(QT_DEBS); do dpkg-query -W -f='$${Status}\n' $$deb 2>/dev/null | grep -q 'ok installed' || echo $$deb; done); \
	if [ -n "$$missing" ] && command -v dpkg-query >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "note: --ui qt needs these Debian packages: apt-get install $$missing" >&2; \
	  fi; \
	fi

# PhotoAssistant's code path needs only exifread (in the apps extra); --no-deps keeps out its `pyside6`
# requirement (the 700 MB meta-package at 6.12, which would override the qt extra's PySide6-Essentials<6.12).
# The editable install also builds the fast path's C core in place (setup.py): a changed _fastcore.c rebuilds it.
$(BIN)/exifbench: pyproject.toml setup.py exifbench/strategies/extractors/_fastcore.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,qt,peers,dask,apps,docs]'
	$(BIN)/pip install -q --no-deps 'photoassistant==1.1.2'
	touch $@

demo: system $(BIN)/exifbench
	$(BIN)/exifbench run --strategy all --out out/ --force

# The reference site from docs/ into site/ (a few seconds); --strict turns every warning (a broken link or
# anchor) into a failure. NO_MKDOCS_2_WARNING silences mkdocs-material's banner about its successor.
docs: $(BIN)/exifbench
	@test -x $(BIN)/mkdocs || $(BIN)/pip install -q -e '.[docs]'
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

test: system qt-system-libs $(BIN)/exifbench docs
	$(BIN)/mypy --strict exifbench
	$(BIN)/lint-imports
	$(BIN)/ruff check exifbench tests benchmarks examples
	$(BIN)/python -m pytest -q tests

# The suite on a loaded machine: two CPU burners (each stopped after STRESS_LIMIT_S at most) compete with it and are
# killed when it ends, however it ends; its exit code is the suite's.
STRESS_LIMIT_S := 5400
test-stress: system qt-system-libs $(BIN)/exifbench
	@burners=""; for i in 1 2; do timeout $(STRESS_LIMIT_S) $(BIN)/python -c 'while True: pass' & burners="$$burners $$!"; done; \
	trap 'kill $$burners 2>/dev/null' EXIT INT TERM; \
	echo "test-stress: CPU burners$$burners running"; \
	$(BIN)/python -m pytest -q tests

bench: system $(BIN)/exifbench
	$(BIN)/python -m pytest benchmarks/test_replay_benchmarks.py --benchmark-autosave

clean:
	rm -rf $(VENV) out site .pytest_cache .benchmarks build exifbench/strategies/extractors/_fastcore.*.so
