"""Peak memory of a run over a synthesized folder, with the pattern sized to it; prints peak RSS per strategy.

    .venv/bin/pytest benchmarks/test_memory.py -s                                       # 10,000 files made here
    EXIFBENCH_MEMORY_FOLDER=/tmp/s100k .venv/bin/pytest benchmarks/test_memory.py -s   # a folder made before:
                                                                   # exifbench datasets synth /tmp/s100k --count 100000

Each strategy runs in a fresh interpreter (``ru_maxrss`` is that process's peak): ``sync`` on local storage,
equality against Pillow's dicts, one repeat. Figures: docs/measurements/memory.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from exifbench.datasets.synth import synthesize

FILES = 10_000
RUN = """
import resource, sys
from exifbench.datasets.folder import scan
from exifbench.datasets.patterns.builtin import load_pattern
from exifbench.harness.bench import BenchConfig, run_bench
folder = scan(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
runs = run_bench(BenchConfig([sys.argv[2]]), folder, load_pattern(None, len(folder.files)))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
assert all(run.equal for run in runs.runs) and runs.runs
print(len(folder.files), before, peak)
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("EXIFBENCH_MEMORY_FOLDER")
    if given:
        return Path(given)
    made = tmp_path_factory.mktemp("memory")
    synthesize(made, FILES)
    return made


@pytest.mark.parametrize("strategy", ["sync", "threadpool"])
def test_peak_rss(folder: Path, strategy: str) -> None:
    done = subprocess.run([sys.executable, "-c", RUN, str(folder), strategy], capture_output=True, text=True, check=True)
    files, before_kib, peak_kib = (int(part) for part in done.stdout.split())
    print(f"\n{strategy}: {files} files, peak RSS {peak_kib / 1024:.0f} MiB ({before_kib / 1024:.0f} MiB before the run: "
          f"+{(peak_kib - before_kib) / files:.2f} KiB a file); load average {os.getloadavg()[0]:.1f}")
    assert peak_kib > before_kib
