"""Profiling replays with pyinstrument: the files, the load_exif headline, the overhead statement."""

from __future__ import annotations

import re
from pathlib import Path

from exifbench.datasets.folder import scan
from exifbench.datasets.storage.model import StorageModel
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.renderers.html import write_html
from exifbench.reports.renderers.markdown import render_markdown
from exifbench.reports.renderers.profile import copy_profiles
from exifbench.harness.profiler import ReplayProfiler, headline, profile_stem
from exifbench.reports.analysis.profiles import profiles
from exifbench.reports.analysis.report import analyze
from exifbench.reports.statistics import Spread

HEADLINE = re.compile(r"^load_exif — [\d.]+ m?s cumulative, (\d+) calls \((\w+), repeat 0\)$")


def profiled(folder: Path, out: Path, strategies: list[str], repeat: int, on_not_ready: str = "defaults") -> RunSet:
    profiler = ReplayProfiler(out)
    # 5 ms per read keeps sync's load_exif long enough for the sampler to see it
    config = BenchConfig(strategies, repeat=repeat, on_not_ready=on_not_ready, storage=StorageModel(5.0),
                         hook=profiler)  # fmt: skip
    runs = run_bench(config, scan(folder), startup_pattern(images=48))
    return runs


def test_profiles_repeat_zero_with_load_exif_headline(corpus_copy: Path, tmp_path: Path) -> None:
    runs = profiled(corpus_copy, tmp_path, ["sync", "threadpool"], repeat=2)
    for name in ("sync", "threadpool"):
        first, second = runs.of(name)
        assert second.extra.to_dict() == {}
        info = first.extra["profile"]
        assert info["files"] == {"html": f"profile-{name}.html", "text": f"profile-{name}.txt"}
        text = (tmp_path / f"profile-{name}.txt").read_text()
        top = text.splitlines()[0]
        assert top == info["headline"] == headline(first)
        match = HEADLINE.match(top)
        assert match and match.groups() == ("50", name)
        assert "pyinstrument" in (tmp_path / f"profile-{name}.html").read_text()
    sync_text = (tmp_path / "profile-sync.txt").read_text()
    assert "SyncLoader.load_exif" in sync_text.split("\n", 2)[2]  # pyinstrument's own tree names it too


def test_overhead_compares_profiled_with_unprofiled_repeats(corpus_copy: Path, tmp_path: Path) -> None:
    runs = profiled(corpus_copy, tmp_path, ["sync"], repeat=3)
    (found,) = profiles(runs)
    assert found.files == ["profile-sync.html", "profile-sync.txt"]
    assert found.profiled_s == runs.of("sync")[0].background_s
    assert found.unprofiled is not None and found.overhead is not None
    assert found.unprofiled == Spread.of([run.background_s for run in runs.of("sync")[1:]])
    assert found.overhead_text().startswith("profiler overhead ")
    assert found.overhead_text() in render_markdown(analyze(runs))
    write_html(analyze(runs), tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert '<a href="profile-sync.html">' in html and '<a href="profile-sync.txt">' in html


def test_one_repeat_says_overhead_unmeasured(corpus_copy: Path, tmp_path: Path) -> None:
    runs = profiled(corpus_copy, tmp_path, ["sync"], repeat=1)
    (found,) = profiles(runs)
    assert found.overhead is None
    assert "could not be measured" in found.overhead_text()
    assert "could not be measured" in render_markdown(analyze(runs))


def test_wait_policy_counts_the_second_call(corpus_copy: Path, tmp_path: Path) -> None:
    runs = profiled(corpus_copy, tmp_path, ["threadpool"], 1, on_not_ready="wait")
    (run,) = runs.runs
    match = HEADLINE.match(run.extra["profile"]["headline"])
    assert match and int(match.group(1)) == run.calls + run.not_ready


def test_profile_names_are_safe_and_copied(corpus_copy: Path, tmp_path: Path) -> None:
    assert profile_stem("my.module:Loader") == "profile-my.module_Loader"
    runs = profiled(corpus_copy, tmp_path / "a", ["sync"], repeat=1)
    runs.runs[0].extra["profile"]["files"]["evil"] = "../secret.txt"
    (tmp_path / "secret.txt").write_text("no")
    copied = copy_profiles(runs, tmp_path / "a", tmp_path / "b")
    assert sorted(p.name for p in copied) == ["profile-sync.html", "profile-sync.txt"]
    assert not (tmp_path / "b" / "secret.txt").exists()
