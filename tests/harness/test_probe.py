"""The UI responsiveness probe and the harness-overhead measurement."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from exifbench.datasets.folder import scan
from exifbench.harness.ui import probe as probe_module
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.harness import calls as calls_module
from exifbench.harness.overhead import NullLoader, harness_overhead_us
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.ui.probe import FrameProbe, busy_figures, merge_spans
from exifbench.datasets.patterns.clock import now_ns


def test_lag_is_actual_minus_scheduled_and_late_ticks_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    real_sleep_until = probe_module.sleep_until

    def late_by_5ms(deadline_ns: int) -> None:
        real_sleep_until(deadline_ns)
        time.sleep(0.005)

    monkeypatch.setattr(probe_module, "sleep_until", late_by_5ms)
    probe = FrameProbe(tick_ms=2.0)
    probe.wait_until(now_ns() + 60_000_000)
    assert min(probe.lags_ms) >= 5.0  # every tick woke at least 5 ms late
    # a backlog would fire 30 ticks of 2 ms (the late ones at once); merged, each late wake re-schedules
    # from now: at most one tick per 7 ms (5 ms late + 2 ms), however slow the machine
    assert 1 <= len(probe.lags_ms) <= 60 // 7 + 1


def test_frames_missed_long_tasks_and_frozen_frames_follow_the_ui_standards() -> None:
    assert busy_figures([570.0]) == {"frames_missed": 34, "long_tasks": 1, "frozen_frames": 0}
    assert busy_figures([16.0, 20.0, 51.0, 701.0]) == {"frames_missed": 0 + 1 + 3 + 42, "long_tasks": 2,
                                                      "frozen_frames": 1}  # fmt: skip
    assert merge_spans([(0, 10_000_000), (5_000_000, 30_000_000), (40_000_000, 41_000_000)]) == [30.0, 1.0]


def test_a_570_ms_call_in_one_frame_misses_34_frames() -> None:
    probe = FrameProbe()
    probe.add_work(0, 570_000_000)
    summary = probe.summary()
    assert (summary["frames_missed"], summary["long_tasks"], summary["frozen_frames"]) == (34, 1, 0)


def test_work_lands_in_the_current_frame() -> None:
    probe = FrameProbe(tick_ms=5.0)
    probe.wait_until(now_ns() + 12_000_000)  # ticks at +5, +10, +12 ms
    ticks = len(probe.frames)
    begin = now_ns()
    probe.add_work(begin, begin + 20_000_000)
    assert len(probe.frames) == ticks == len(probe.lags_ms) == len(probe.ui_work_ms)
    assert probe.frames[-1][1] == begin + 20_000_000
    assert probe.summary()["frames_missed"] >= 1


def test_ui_work_stretch_is_the_workloads_mean_time_per_frame_over_its_quiet_median(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    timings = iter([0.1] * 200 + [0.2, 0.4] * 1000)  # quiet calibration, then frames under load
    monkeypatch.setattr(probe_module, "time_ui_work", lambda: next(timings))
    probe = FrameProbe(tick_ms=2.0)  # calibrates on creation: 200 rounds after 50 untimed
    probe.wait_until(now_ns() + 20_000_000)
    assert probe.quiet_ui_ms == pytest.approx(0.1)
    assert len(probe.ui_work_ms) == len(probe.lags_ms) >= 2
    expected = sum(probe.ui_work_ms) / len(probe.ui_work_ms) / 0.1
    assert probe.summary()["ui_work_stretch"] == pytest.approx(expected)
    assert 2.0 <= expected <= 4.0


def test_idle_ticks_until_done() -> None:
    done = threading.Event()
    probe = FrameProbe(tick_ms=5.0)
    threading.Timer(0.05, done.set).start()
    probe.idle_until(done)
    assert probe.summary()["ticks"] >= 5


def test_every_run_reports_responsiveness_and_harness_overhead(corpus_copy: Path) -> None:
    runs = run_bench(BenchConfig(["sync", "threadpool"], tick_ms=2.0, switch_interval_s=0.001), scan(corpus_copy),
                     startup_pattern(images=48))  # fmt: skip
    for run in runs.runs:
        assert set(run.responsiveness.to_dict()) >= {"lag_p50_ms", "lag_p99_ms", "lag_max_ms", "frames_missed", "long_tasks",
                                             "frozen_frames", "ui_work_stretch", "ticks", "ui"}
        assert run.responsiveness.ticks == len(run.samples["lag_ms"]) > 0
        assert run.environment["harness_overhead_us"] > 0  # the replay loop does more than a bare loop
        assert run.environment["switch_interval_s"] == 0.001
    assert sys.getswitchinterval() == pytest.approx(0.005)


def test_harness_overhead_measures_what_the_replay_loop_adds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the replay loop's clock reads cost >= 20 us each (a busy wait): the overhead grows by at least that."""
    assert NullLoader().load_exif("x") == {}
    assert harness_overhead_us(calls=200, rounds=1) > 0

    def slow_now_ns() -> int:
        begin = now_ns()
        while now_ns() - begin < 20_000:
            pass
        return now_ns()

    monkeypatch.setattr(calls_module, "now_ns", slow_now_ns)
    assert harness_overhead_us(calls=200, rounds=1) >= 20  # at least one slowed clock read per call
