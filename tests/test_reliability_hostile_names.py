"""End to end: ``exifbench run -s all`` over real corpus files under every hostile name.

Names that are rich markup (``[edited]``, a folder ``[`` holding ``].jpg`` so paths contain ``[/``), ANSI escapes
and newlines (one forging a "results written to" line), in a folder whose own name is markup: the run completes
(exit 0), every strategy reads every file like the original loader, the table and the error lines are readable
(no raw control character reaches the terminal, each name shown), and the JSON keeps the names exactly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from exifbench.escape import visible
from exifbench.strategies import expand_names

EXIFBENCH = str(Path(sys.executable).with_name("exifbench"))

REAL = {  # hostile name -> the corpus file copied under it
    "IMG_0001 [edited].jpg": "jpg/Canon_40D.jpg",
    "[/].jpg": "jpg/Nikon_D70.jpg",  # a folder named "[" holding "].jpg": the path contains "[/"
    "\x1b[31mred\x1b[0m.jpg": "jpg/Fujifilm_FinePix_E500.jpg",
    "two\nlines.jpg": "jpg/Sony_HDR-HC3.jpg",
    "[bold]loud[/bold].tiff": "tiff/Arbitro.tiff",
}
UNREADABLE = [  # not images: each one an error line that shows its name
    "bad [edited].jpg",
    "bad \x1b[2J\x1b[H clear-screen.jpg",
    "bad\nresults written to forged.json.jpg",
]


def test_run_all_over_hostile_names(corpus_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "photos [red]x[/red]"
    for name, source in REAL.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus_dir / source, root / name)
    for name in UNREADABLE:
        (root / name).write_bytes(b"not an image")
    out = tmp_path / "results [x].json"
    wide = {**os.environ, "COLUMNS": "1000"}  # long temporary paths on one line each
    done = subprocess.run([EXIFBENCH, "run", "-s", "all", "--workers", "2", str(root), "--json", str(out)],
                          capture_output=True, text=True, timeout=300, check=False, env=wide)  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output

    raw = [line for line in output.splitlines() if any(char in line for char in "\x1b\r\x07")]
    assert raw == [], "a raw control character reached the terminal"
    assert [line for line in output.splitlines() if line.startswith("results written to")] == [f"results written to {out}"]
    stdout = done.stdout.splitlines()
    header = next(i for i, line in enumerate(stdout) if line.split()[:1] == ["strategy"])
    end = next(i for i in range(header, len(stdout)) if not stdout[i].strip())
    body = stdout[header + 2 : end]  # after the header and its rule, to the blank line
    assert [line.split()[0] for line in body] == expand_names("all")  # one table row per strategy
    for name in UNREADABLE:
        assert visible(root / name) in output, f"{name!r} is not shown as itself"

    doc = json.loads(out.read_text())
    files = len(REAL) + len(UNREADABLE)
    assert doc["complete"] is True and [run["strategy"] for run in doc["runs"]] == expand_names("all")
    for run in doc["runs"]:
        assert run["equality"]["checked"] == run["equality"]["equal"] == files, run["strategy"]
        assert sorted(error["path"] for error in run["errors"]) == sorted(str(root.resolve() / n) for n in UNREADABLE)
