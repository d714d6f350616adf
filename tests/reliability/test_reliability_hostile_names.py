"""End to end: ``exifbench run -s all`` over the whole corpus under every hostile name, in an 80-column terminal.

Every corpus image is copied under a name that is rich markup (``[edited]``, ``[bold]…[/bold]``), sits in a
folder ``[`` so that its path holds ``[/``, or holds an ANSI escape or a newline forging a "results written to"
line. Next to them: unreadable files with such names, a broken symlink with one, a dataset folder, a pattern
file (its path and its name) and a ``--json`` path that are markup too. The run completes with the documented
exit code 0 (complete, every strategy equal to the original loader), every line fits 80 columns, no raw
control character reaches the terminal, every name is shown escaped and whole (wrapping may break a line,
never drop a character), and the JSON is written, loads and keeps every name exactly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from rich.cells import cell_len

from exifbench.datasets.folder import DEFAULT_EXTENSIONS
from exifbench.reports.documents.runs import RunSet
from exifbench.escape import visible
from exifbench.datasets.patterns.pattern import Call, startup_pattern
from exifbench.strategies import expand_names

EXIFBENCH = str(Path(sys.executable).with_name("exifbench"))
COLUMNS = 80

HOSTILE = [  # each corpus image gets the next of these names (its own stem and extension filled in)
    "IMG_{n:04} [edited]{ext}",
    "[/]{stem}{ext}",  # a folder named "[" holding "]….jpg": the path contains "[/"
    "\x1b[31m{stem}\x1b[0m{ext}",
    "{stem}\nresults written to forged.json{ext}",
    "[bold]{stem}[/bold]{ext}",
]
UNREADABLE = [  # not images: each one an error line that must show its name
    "bad [edited].jpg",
    "[/]bad [red]x.jpg",
    "bad \x1b[2J\x1b[H clear-screen.jpg",
    "bad\nresults written to forged.json.jpg",
]
BROKEN_LINK = "[/]gone \x1b[31m[red]\n.jpg"  # a dangling symlink: skipped, and the skip says so
PATTERN_NAME = "startup [red]x[/red] \x1b[31m"


def hostile_copy(corpus: Path, root: Path) -> list[Path]:
    """Every corpus image under a hostile name (sub-folders kept); the copies' paths."""
    images = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower()[1:] in DEFAULT_EXTENSIONS)
    copies = []
    for n, source in enumerate(images):
        name = HOSTILE[n % len(HOSTILE)].format(n=n, stem=source.stem, ext=source.suffix)
        copy = root / source.parent.relative_to(corpus) / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copies.append(Path(shutil.copyfile(source, copy)))
    return copies


def squeezed(text: str) -> str:
    """``text`` without whitespace: what wrapping at a space or folding a long word cannot change."""
    return "".join(text.split())


def test_run_all_over_the_corpus_under_hostile_names(corpus_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "photos [red]x[/red]"
    copies = hostile_copy(corpus_dir, root)
    assert len(copies) >= 30  # every corpus file (38 in the vendored selection, 101 in the full corpus)
    assert all(any(marker in str(copy) for copy in copies) for marker in ("[edited]", "[/]", "\x1b[31m", "\n", "[bold]"))
    for name in UNREADABLE:
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_bytes(b"not an image")
    (root / BROKEN_LINK).symlink_to(tmp_path / "nowhere.jpg")
    pattern_path = tmp_path / "patterns [" / "]startup [red].json"  # "[/" in the pattern's path
    pattern_path.parent.mkdir()
    pattern = startup_pattern(len(copies) + len(UNREADABLE))
    pattern.name = PATTERN_NAME
    pattern.calls.append(Call(str(next(c for c in copies if c.parent.name == "[").relative_to(root))))  # by path
    pattern.save(pattern_path)
    out = tmp_path / "results [" / "]run [x].json"
    out.parent.mkdir()

    done = subprocess.run([EXIFBENCH, "run", "-s", "all", "--workers", "2", str(root), "--pattern", str(pattern_path),
                           "--json", str(out)], capture_output=True, text=True, timeout=600, check=False,
                          env={**os.environ, "COLUMNS": str(COLUMNS)})  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output  # complete, every strategy equal: exit 0 (unreadable files are error entries)

    lines = output.splitlines()
    assert [line for line in lines if cell_len(line) > COLUMNS] == []
    assert [line for line in lines if any(char in line for char in "\x1b\r\x07")] == [], "a raw control character"
    assert [line for line in lines if line.startswith("results written to")] != []
    assert len([line for line in lines if line.startswith("results written to")]) == 1, "a forged output line"
    every_word = squeezed(output)
    for name in [root, out, PATTERN_NAME, root / BROKEN_LINK, *(root / n for n in UNREADABLE)]:
        assert squeezed(visible(name)) in every_word, f"{name!r} is not shown whole and escaped"
    table = lines.index(next(line for line in lines if line.split()[:1] == ["strategy"]))
    rows = lines[table + 1 : next(i for i in range(table, len(lines)) if not lines[i].strip())]
    assert {line.split()[0] for line in rows} >= set(expand_names("all"))  # a row per strategy

    runs = RunSet.load(out)
    assert runs.complete and [run.strategy for run in runs.runs] == expand_names("all")
    resolved = root.resolve()
    for run in runs.runs:
        assert run.equality.checked == run.equality.equal == len(copies) + len(UNREADABLE), run.strategy
        assert sorted(error.path for error in run.errors) == sorted(str(resolved / n) for n in UNREADABLE)
        assert run.config.pattern == PATTERN_NAME
        assert [entry.path for entry in run.config.skipped] == [str(resolved / BROKEN_LINK)]
