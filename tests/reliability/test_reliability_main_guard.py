"""A script that embeds a process-pool run without ``if __name__ == "__main__":`` is told so in one line.

Worker processes re-import the script; without the guard each one would run it again and crash while
starting, and the run would show only "worker crashed". Real scripts, run as real subprocesses.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RUN = """from exifbench.datasets.folder import scan
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.bench import BenchConfig, run_bench


def main() -> None:
    folder = scan({folder!r})
    run = run_bench(BenchConfig(["sync", "process"], workers=2), folder, startup_pattern(len(folder.files))).runs[-1]
    print(run.strategy, run.equality.checked, run.equality.equal, len(run.errors))

"""

SCRIPTS = {
    "unguarded call": (RUN + "main()\n", RUN.count("\n") + 1),
    "unguarded create": ("import exifbench.strategies\nloader = exifbench.strategies.create('process')\n", 2),
    "guarded": (RUN + 'if __name__ == "__main__":\n    main()\n', None),
    "guarded, operands swapped": (RUN + 'if "__main__" == __name__:\n    main()\n', None),
}


@pytest.mark.parametrize("case", list(SCRIPTS))
def test_a_script_without_the_main_guard_is_told_what_to_do(case: str, corpus_dir: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("Canon_40D.jpg", "Nikon_D70.jpg", "Fujifilm_FinePix_E500.jpg"):
        shutil.copyfile(corpus_dir / "jpg" / name, photos / name)
    source, line = SCRIPTS[case]
    script = tmp_path / "embed.py"
    script.write_text(source.format(folder=str(photos)))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False,
                          cwd=tmp_path)  # fmt: skip
    if line is None:
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["process", "3", "3", "0"]
    else:
        assert done.returncode == 1 and "worker crashed" not in done.stderr + done.stdout
        assert done.stderr.strip().splitlines()[-1] == (
            f"exifbench.errors.ExifbenchError: {script}:{line}: the process strategy starts worker processes that "
            're-import this script; put the script\'s top-level code under `if __name__ == "__main__":`'
        )
