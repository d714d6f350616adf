"""Per-file errors are collected directly, whatever the host application does to ``logging``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exifbench.strategies import BUILTIN

HOST = """
import json, logging, sys
{setup}
from exifbench.datasets.folder import scan
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.bench import BenchConfig, run_bench

if __name__ == "__main__":
    folder = scan(sys.argv[1])
    runs = run_bench(BenchConfig({strategies!r}, workers=2), folder, startup_pattern(len(folder.files)))
    print(json.dumps({{run.strategy: sorted(e.path for e in run.errors) for run in runs.runs}}))
"""

HOST_LOGGING = {
    "basicConfig(ERROR)": "logging.basicConfig(level=logging.ERROR)",
    "disable(WARNING)": "logging.disable(logging.WARNING)",
    "loader logger silenced": "logging.getLogger('exifbench.loader').setLevel(logging.CRITICAL)",
}


@pytest.mark.parametrize("setup", list(HOST_LOGGING))
def test_three_unreadable_files_are_three_errors_whatever_the_logging(setup: str, corpus_dir: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copyfile(corpus_dir / "jpg" / "Canon_40D.jpg", photos / "good.jpg")
    unreadable = [photos / "empty.jpg", photos / "noise.jpg", photos / "truncated.jpg"]
    unreadable[0].write_bytes(b"")
    unreadable[1].write_bytes(bytes(range(256)) * 8)
    unreadable[2].write_bytes(b"\xff\xd8\xff\xe1\x00")
    script = tmp_path / "host.py"
    script.write_text(HOST.format(setup=HOST_LOGGING[setup], strategies=list(BUILTIN)))
    done = subprocess.run([sys.executable, str(script), str(photos)], capture_output=True, text=True, timeout=120, check=False,
                          cwd=Path(__file__).parents[2])  # fmt: skip
    assert done.returncode == 0, done.stderr
    errors = json.loads(done.stdout)
    assert set(errors) == set(BUILTIN)
    expected = sorted(str(path.resolve()) for path in unreadable)
    for strategy, paths in errors.items():
        assert paths == expected, strategy
