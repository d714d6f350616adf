"""``exifbench run --out --profile`` and ``exifbench report``: files written, re-rendered, errors as one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.renderers.plots import PLOTS

CLIP_ID = re.compile(r"\bp[0-9a-f]{10}\b")  # hashes float bounds: may differ below the printed precision
PLOT_FILES = sorted(f"{stem}.{ext}" for stem in PLOTS for ext in ("png", "svg"))
PROFILE_FILES = ["profile-sync.html", "profile-sync.txt", "profile-threadpool.html", "profile-threadpool.txt"]


@pytest.fixture
def run_dir(corpus_copy: Path, tmp_path: Path) -> Path:
    """A profiled run of sync and threadpool (2 repeats, 50-call pattern) written with --out."""
    pattern = tmp_path / "pattern.json"
    startup_pattern(images=48).save(pattern)
    out = tmp_path / "run"
    args = ["run", str(corpus_copy), "--strategy", "sync,threadpool", "--repeat", "2", "--pattern", str(pattern),
            "--io-latency", "2", "--profile", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"results.json and {len(list(out.iterdir())) - 1} report files written" in result.output  # profiles counted
    return out


def test_run_out_writes_every_report_and_profile(run_dir: Path) -> None:
    names = sorted(p.name for p in run_dir.iterdir())
    assert names == sorted(["report.html", "summary.md", "results.json", *PLOT_FILES, *PROFILE_FILES])
    runs = RunSet.load(run_dir / "results.json")
    sync0 = runs.of("sync")[0]
    assert sync0.extra["profile"]["headline"].startswith("load_exif — ")
    assert f"cumulative, {sync0.calls} calls (sync, repeat 0)" in sync0.extra["profile"]["headline"]
    assert (run_dir / "profile-sync.txt").read_text().splitlines()[0] == sync0.extra["profile"]["headline"]
    html = (run_dir / "report.html").read_text()
    assert all(f'<a href="{name}">' in html for name in PROFILE_FILES)
    assert "profiler overhead" in html and "| sync | 2 | 50 |" in (run_dir / "summary.md").read_text()


def test_report_rerenders_from_the_saved_document(run_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "again"
    result = CliRunner().invoke(app, ["report", str(run_dir / "results.json"), "--out", str(other)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in other.iterdir()) == sorted(["report.html", "summary.md", *PLOT_FILES, *PROFILE_FILES])
    assert (other / "summary.md").read_text() == (run_dir / "summary.md").read_text()
    svgs = [(d / "cumulative-blocking.svg").read_text() for d in (other, run_dir)]
    assert CLIP_ID.sub("p", svgs[0]) == CLIP_ID.sub("p", svgs[1])
    assert (other / "profile-sync.txt").read_text() == (run_dir / "profile-sync.txt").read_text()
    assert '<a href="profile-sync.html">' in (other / "report.html").read_text()
    assert "Main-thread blocking per strategy" in result.output and "Details (per call" not in result.output
    assert "threadpool blocks the main thread" in result.output  # the verdict, as run printed it


def test_report_wide_prints_the_details_table_as_run_wide_does(run_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(run_dir / "results.json"), "--out", str(tmp_path / "again"), "--wide"])
    assert result.exit_code == 0, result.output
    assert "Main-thread blocking per strategy" in result.output and "Details (per call" in result.output


def test_report_without_profiles_beside_marks_them_missing(run_dir: Path, tmp_path: Path) -> None:
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "results.json").write_bytes((run_dir / "results.json").read_bytes())
    result = CliRunner().invoke(app, ["report", str(alone / "results.json"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "report.html").read_text()
    assert "profile-sync.html (not found)" in html and '<a href="profile-sync.html">' not in html


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read result document"), ("{not json", "not a JSON result document"),
     ('{"schema": "exifbench.runs/1", "runs": []}', "nothing to report")],
)  # fmt: skip
def test_report_bad_input_is_one_line(tmp_path: Path, content: str | None, message: str) -> None:
    results = tmp_path / "results.json"
    if content is not None:
        results.write_text(content)
    result = CliRunner().invoke(app, ["report", str(results), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "report.html").exists()


def test_out_must_be_a_directory_and_profile_needs_out(corpus_copy: Path, tmp_path: Path) -> None:
    not_dir = tmp_path / "file"
    not_dir.write_text("")
    result = CliRunner().invoke(app, ["run", str(corpus_copy), "--strategy", "sync", "--out", str(not_dir)])
    assert result.exit_code == 2 and "--out must be a directory" in result.output
    result = CliRunner().invoke(app, ["run", str(corpus_copy), "--strategy", "sync", "--profile"])
    assert result.exit_code == 2 and "--profile needs --out" in result.output
