"""What `exifbench run` prints fits an 80-column terminal, keeps names whole, and never uses scientific notation."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from exifbench.reports.analysis.report import analyze
from exifbench.cli.console import line_spans
from exifbench.datasets.folder import scan
from exifbench.reports.documents.runs import RunSet
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.reports.renderers.comparison import detail_rows, main_rows
from exifbench.reports.renderers.table import render_table
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.strategies import BUILTIN

EXIFBENCH = str(Path(sys.executable).with_name("exifbench"))
REPO = Path(__file__).resolve().parents[2]
SCIENTIFIC = re.compile(r"(?<![\w.])\d+(\.\d+)?[eE][-+]?\d+(?!\w)")  # a number, not part of a hex digest
LONG_NAME = "tests.user_loaders:DictLoader"


def test_run_fits_80_columns_with_names_whole_and_plain_numbers(corpus_copy: Path, tmp_path: Path) -> None:
    long_bad = corpus_copy / ("bad-" + "x" * 90 + ".jpg")  # a path longer than a line: folded, never cut
    long_bad.write_bytes(b"not an image")
    out = tmp_path / "out"
    json_path = tmp_path / ("results-" + "y" * 80 + ".json")
    env = {**os.environ, "COLUMNS": "80"}
    proc = subprocess.run([EXIFBENCH, "run", "-s", f"all,{LONG_NAME}", "--wide", "--out", str(out), "--json", str(json_path),
                           str(corpus_copy)], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = (proc.stdout + proc.stderr).splitlines()
    assert max(len(line) for line in lines) <= 80, [line for line in lines if len(line) > 80]
    unbroken = "".join((proc.stdout + proc.stderr).split())  # a break drops a space or folds a word: no cut
    assert f"{long_bad}:UnidentifiedImageError" in unbroken and "(sync,threadpool,lazy,processandviewport)" in unbroken
    failed = {error["path"] for run in json.loads(json_path.read_text())["runs"] for error in run["errors"]}
    assert str(long_bad) in failed and len(re.findall(r"^error ", proc.stderr, re.M)) == len(failed)  # a record per file
    assert f"resultswrittento{json_path}" in unbroken
    for name in ("sync", "threadpool", "lazy", "process", LONG_NAME):
        assert any(line.split()[:1] == [name] for line in lines), name  # each row starts with the whole name
    assert "× less" in proc.stdout or "× more" in proc.stdout
    report = analyze(RunSet.load(json_path))
    words = set(proc.stdout.split())
    for row in [*main_rows(report), *detail_rows(report)]:  # cells wrap between words, never inside one
        assert all(word in words for cell in row[1:] for word in cell.split()), row
    html = re.sub(r"data:image/png;base64,[^\"]*", "", (out / "report.html").read_text())
    for text in (proc.stdout, proc.stderr, (out / "summary.md").read_text(), html):
        assert not SCIENTIFIC.search(text), SCIENTIFIC.findall(text)


def test_line_spans_break_at_spaces_fold_long_words_and_keep_every_character() -> None:
    text = "error /a/folder with spaces/" + "p" * 100 + ".jpg: OSError: Truncated File Read (every strategy)"
    spans = line_spans(text, 40)
    lines = [text[start:end] for start, end in spans]
    assert len(lines[0]) <= 40 and all(len(line) <= 38 for line in lines[1:])  # the rest indented two spaces
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing cut
    assert all(spans[i][1] <= spans[i + 1][0] <= spans[i][1] + 1 for i in range(len(spans) - 1))  # only a break's space dropped
    assert lines[0] == "error /a/folder with spaces/" + "p" * 12  # a word too long for any line fills the line
    assert lines[-1].endswith("(every strategy)") and not any(line.startswith(" ") or line.endswith(" ") for line in lines)
    assert line_spans("short", 40) == [(0, 5)]
    wide = "写真" * 30  # two cells per character
    assert all(2 * (end - start) <= 40 for start, end in line_spans(wide, 40))


def test_a_module_class_name_too_long_for_80_columns_breaks_after_its_colon(corpus_copy: Path) -> None:
    runs = run_bench(BenchConfig(["sync", "threadpool"]), scan(corpus_copy), startup_pattern(images=24))
    name = "examples.my_loader:PrefetchingLoader"
    for run in runs.of("threadpool"):
        run.strategy = name
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(render_table(analyze(runs), width=80))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    row = next(i for i, line in enumerate(lines) if line.split()[:1] == ["examples.my_loader:"])
    assert lines[row + 1].split()[0] == "PrefetchingLoader"  # the name whole, on two lines; no figure folded
    end = next(i for i in range(row + 1, len(lines)) if not lines[i].strip())  # a cell may wrap onto more lines
    cells = " ".join(lines[row:end]).split()
    assert all(word in cells for cell in main_rows(analyze(runs))[1][1:] for word in cell.split())  # no word folded
    wide = Console(width=120, record=True, file=io.StringIO())
    wide.print(render_table(analyze(runs), width=120))
    assert any(line.split()[:1] == [name] for line in wide.export_text().splitlines())  # on one line where it fits


def test_strategies_wraps_descriptions_beside_the_names() -> None:
    proc = subprocess.run([EXIFBENCH, "strategies"], env={**os.environ, "COLUMNS": "60"}, capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    assert [line.split()[0] for line in lines if not line.startswith(" ")] == [*BUILTIN, "all", "module:Class"]
    assert all(line.startswith(" " * len("module:Class  ")) for line in lines if line.startswith(" "))
