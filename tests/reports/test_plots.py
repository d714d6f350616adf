"""The plot renderer: what each figure draws, read back from the Figure objects."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure

from exifbench.datasets.folder import scan
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.datasets.patterns.pattern import Call, Pattern, startup_pattern
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.renderers.plots import (
    LOG_FLOOR_MS,
    PLOTS,
    ui_lag,
    blocking_timeline,
    cumulative_blocking,
    not_ready_pages,
    pages,
    save_figure,
    strategy_totals,
    write_plots,
)
from exifbench.reports.analysis.metrics import median_run, summarize
from exifbench.reports.analysis.report import analyze

STRATEGIES = ["sync", "threadpool"]


@pytest.fixture
def runs(corpus_copy: Path) -> RunSet:
    return run_bench(BenchConfig(STRATEGIES, repeat=2), scan(corpus_copy), startup_pattern(images=48))


def _texts(fig: Figure) -> str:
    """The title and subtitle drawn above the axes."""
    return " ".join([fig.get_suptitle(), *(text.get_text() for text in fig.texts)])


def test_timeline_draws_each_strategys_median_repeat(runs: RunSet) -> None:
    fig = blocking_timeline(analyze(runs))
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert [line.get_label().split(":")[0] for line in lines] == [f"{n} (repeat {median_run(runs, n).repeat})" for n in STRATEGIES]
    for name, line in zip(STRATEGIES, lines, strict=True):
        assert list(line.get_ydata()) == median_run(runs, name).samples["blocking_ms"]
        assert list(line.get_xdata()) == list(range(50))
    assert ax.get_xlabel().startswith("call index")
    assert "(ms)" in ax.get_ylabel()
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [line.get_label() for line in lines]
    assert ax.get_legend() is None  # the legend sits below the axes, never over a spike
    top = max(max(median_run(runs, n).samples["blocking_ms"]) for n in STRATEGIES)
    for name, line in zip(STRATEGIES, lines, strict=True):  # a line flat at this scale says so in its label
        flat = max(median_run(runs, name).samples["blocking_ms"]) < top / 100
        assert ("flat here" in line.get_label()) == flat
    assert "Main-thread blocking per load_exif call" in _texts(fig)
    assert "startup-50" in _texts(fig) and "local storage" in _texts(fig)


def test_log_timeline_floors_zero_blocking(runs: RunSet) -> None:
    (ax,) = blocking_timeline(analyze(runs), log=True).axes
    assert ax.get_yscale() == "log"
    assert all(min(line.get_ydata()) >= LOG_FLOOR_MS for line in ax.get_lines())
    assert len(ax.get_lines()) == len(STRATEGIES)


def test_cumulative_blocking_ends_at_each_total(runs: RunSet) -> None:
    (ax,) = cumulative_blocking(analyze(runs)).axes
    lines = ax.get_lines()
    assert len(lines) == len(STRATEGIES)
    for name, line in zip(STRATEGIES, lines, strict=True):
        run = median_run(runs, name)
        x, y = list(line.get_xdata()), list(line.get_ydata())
        assert x == sorted(x) and x[0] == 0.0
        assert math.isclose(y[-1], sum(run.samples["blocking_ms"]) / 1000)
        assert x[1:] == [end / 1000 for end in run.samples["end_ms"]]
        assert line.get_label().startswith(f"{name} (repeat {run.repeat}): ")
    assert ax.get_xlabel() == "wall time since the replay started (s)"
    assert ax.get_ylabel() == "cumulative blocking (s)"


def test_back_to_back_calls_end_in_call_order(corpus_copy: Path) -> None:
    """Thousands of cached calls with no think time between them: each call's recorded end is in order
    (start and blocking rounded separately used to put consecutive ends out of order)."""
    pattern = Pattern("back-to-back", [Call(0)] * 3000)
    runs = run_bench(BenchConfig(["sync"]), scan(corpus_copy), pattern)
    (run,) = runs.runs
    ends = run.samples["end_ms"]
    assert len(ends) == 3000 and ends == sorted(ends)
    assert all(at <= end for at, end in zip(run.samples["at_ms"], ends, strict=True))
    (line,) = cumulative_blocking(analyze(runs)).axes[0].get_lines()
    assert list(line.get_xdata()) == sorted(line.get_xdata())


def test_strategy_totals_bars_are_medians_with_spread(runs: RunSet) -> None:
    blocking_ax, background_ax = strategy_totals(analyze(runs)).axes
    summaries = summarize(runs)
    for ax, spreads in ((blocking_ax, [s.blocking_s for s in summaries]),
                        (background_ax, [s.background_s for s in summaries])):  # fmt: skip
        (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert [bar.get_height() for bar in bars] == [s.median for s in spreads]
        assert [t.get_text() for t in ax.get_xticklabels()] == STRATEGIES
        assert any(isinstance(c, ErrorbarContainer) for c in ax.containers)
        assert "(s)" in ax.get_title()
    assert "blocking" in blocking_ax.get_title() and "background" in background_ax.get_title()


def test_pages_split_not_ready_and_blocking(runs: RunSet) -> None:
    run = median_run(runs, "threadpool")
    missing, blocked = pages(run, 24)
    assert len(missing) == len(blocked) == 3  # 50 calls: 24 + 24 + 2
    assert sum(missing) == run.not_ready
    assert math.isclose(sum(blocked), sum(run.samples["blocking_ms"]))


def test_not_ready_pages_one_bar_series_per_strategy(runs: RunSet) -> None:
    fig = not_ready_pages(analyze(runs))
    top, bottom = fig.axes
    for ax in (top, bottom):
        bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert len(bars) == len(STRATEGIES) and all(len(b) == 3 for b in bars)
    threadpool_bars = [c for c in top.containers if isinstance(c, BarContainer)][1]
    assert sum(bar.get_height() for bar in threadpool_bars) == median_run(runs, "threadpool").not_ready
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(legend) == len(STRATEGIES)
    for name, text in zip(STRATEGIES, legend, strict=True):
        run = median_run(runs, name)
        assert text.startswith(f"{name} (repeat {run.repeat}): {run.not_ready} placeholders, ")
    assert "not-ready" in top.get_ylabel() and "(ms)" in bottom.get_ylabel()


def test_save_writes_png_and_svg_reproducibly(runs: RunSet, tmp_path: Path) -> None:
    fig = blocking_timeline(analyze(runs))
    png, svg = save_figure(fig, tmp_path, "timeline")
    assert png.read_bytes().startswith(b"\x89PNG") and png.name == "timeline.png"
    assert "<svg" in svg.read_text() and svg.name == "timeline.svg"
    # redrawing the same document (``exifbench report`` twice) gives the same bytes; a figure drawn as PNG
    # first lays out a hair (< 0.002 px) differently from one drawn as SVG only, so the two are compared alike
    again = save_figure(blocking_timeline(analyze(runs)), tmp_path / "again", "timeline")
    assert [path.read_bytes() for path in again] == [png.read_bytes(), svg.read_bytes()]


def test_write_plots_writes_every_plot(runs: RunSet, tmp_path: Path) -> None:
    written = write_plots(analyze(runs), tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(f"{stem}.{ext}" for stem in PLOTS for ext in ("png", "svg"))


def test_ui_lag_plots_each_strategys_tick_lags_and_frames_missed(runs: RunSet) -> None:
    fig = ui_lag(analyze(runs))
    left, right = fig.axes[:2]
    lines = left.get_lines()
    assert [line.get_label().split(" (")[0] for line in lines] == STRATEGIES
    for line, name in zip(lines, STRATEGIES):
        lags = median_run(runs, name).samples["lag_ms"]
        assert len(line.get_ydata()) == len(lags) and list(line.get_ydata()) == sorted(line.get_ydata())
    assert [t.get_text().split("\n")[0] for t in right.get_xticklabels()] == STRATEGIES
    assert all("p99 lag" in t.get_text() for t in right.get_xticklabels())  # under each name, not on the bars
    heights = [bar.get_height() for bar in right.patches]
    assert heights == [s.frames_missed for s in summarize(runs)]
    assert "ms" in left.get_ylabel() and left.get_yscale() == "log"


def test_log_axes_label_powers_of_ten_as_plain_text() -> None:
    from matplotlib.figure import Figure

    from exifbench.reports.renderers.plots import figure_bytes, log_tick

    fig = Figure()
    ax = fig.subplots()
    ax.plot([1, 2, 3], [0.01, 1.0, 100.0])
    ax.set_yscale("log")
    svg = figure_bytes(fig, "svg").decode()
    labels = [label.get_text() for label in ax.get_yticklabels() if label.get_text()]
    assert "10⁰" in labels and "10²" in labels and "10⁻²" in labels
    assert "mathdefault" not in svg and "mathdefault" not in "".join(labels)
    assert (log_tick(10.0), log_tick(0.001), log_tick(20.0), log_tick(0.0)) == ("10¹", "10⁻³", "", "")
