"""What `exifbench run` prints fits an 80-column terminal, keeps names whole, and never uses scientific notation."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

EXIFBENCH = str(Path(sys.executable).with_name("exifbench"))
REPO = Path(__file__).resolve().parents[1]
SCIENTIFIC = re.compile(r"(?<![\w.])\d+(\.\d+)?[eE][-+]?\d+(?!\w)")  # a number, not part of a hex digest
LONG_NAME = "tests.user_loaders:DictLoader"


def test_run_fits_80_columns_with_names_whole_and_plain_numbers(corpus_copy: Path, tmp_path: Path) -> None:
    for bad in corpus_copy.glob("bad-*"):  # per-file error lines are records, one per line, never wrapped
        bad.unlink()
    out = tmp_path / "out"
    env = {**os.environ, "COLUMNS": "80"}
    proc = subprocess.run([EXIFBENCH, "run", "-s", f"all,{LONG_NAME}", "--wide", "--out", str(out), str(corpus_copy)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = (proc.stdout + proc.stderr).splitlines()
    assert max(len(line) for line in lines) <= 80, [line for line in lines if len(line) > 80]
    for name in ("sync", "threadpool", "lazy", "process", LONG_NAME):
        assert any(line.split()[:1] == [name] for line in lines), name  # each row starts with the whole name
    assert "× less" in proc.stdout or "× more" in proc.stdout
    html = re.sub(r"data:image/png;base64,[^\"]*", "", (out / "report.html").read_text())
    for text in (proc.stdout, proc.stderr, (out / "summary.md").read_text(), html):
        assert not SCIENTIFIC.search(text), SCIENTIFIC.findall(text)
