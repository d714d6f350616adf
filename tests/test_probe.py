"""The UI responsiveness probe and the harness-overhead measurement."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from exifbench.dataset.folder import scan
from exifbench.replay import probe as probe_module
from exifbench.replay.bench import BenchConfig, run_bench
from exifbench.replay import calls as calls_module
from exifbench.replay.overhead import NullLoader, harness_overhead_us
from exifbench.pattern.pattern import startup_pattern
from exifbench.replay.probe import FrameProbe
from exifbench.replay.clock import now_ns


def test_lag_is_actual_minus_scheduled_on_a_controlled_late_wake(monkeypatch: pytest.MonkeyPatch) -> None:
    real_sleep_until = probe_module.sleep_until

    def late_by_5ms(deadline_ns: int) -> None:
        real_sleep_until(deadline_ns)
        time.sleep(0.005)

    monkeypatch.setattr(probe_module, "sleep_until", late_by_5ms)
    probe = FrameProbe(tick_ms=2.0, budget_ms=4.0)
    probe.wait_until(now_ns() + 20_000_000)
    summary = probe.summary()
    assert summary["ticks"] >= 3
    assert min(probe.lags_ms) >= 5.0  # every tick woke at least 5 ms late
    assert summary["frames_over_budget"] == summary["ticks"]  # 5 ms lag > 4 ms budget


def test_ticks_partition_the_think_time_and_work_lands_in_the_current_frame() -> None:
    probe = FrameProbe(tick_ms=5.0, budget_ms=10.0)
    probe.add_work(3.0)  # before any tick: its own frame
    probe.wait_until(now_ns() + 12_000_000)  # ticks at +5, +10, +12 ms (+5, +10 if it starts over 2 ms late)
    probe.add_work(20.0)
    ticks = len(probe.lags_ms) - 1
    assert ticks in (2, 3)
    assert probe.frame_work_ms == [3.0, *[0.0] * (ticks - 1), 20.0]
    assert probe.summary()["frames_over_budget"] >= 1


def test_idle_ticks_until_done() -> None:
    done = threading.Event()
    threading.Timer(0.05, done.set).start()
    probe = FrameProbe(tick_ms=5.0)
    probe.idle_until(done)
    assert probe.summary()["ticks"] >= 5


def test_every_run_reports_responsiveness_and_harness_overhead(corpus_copy: Path) -> None:
    runs = run_bench(BenchConfig(["sync", "threadpool"], tick_ms=2.0, switch_interval_s=0.001), scan(corpus_copy),
                     startup_pattern(images=48))  # fmt: skip
    for run in runs.runs:
        assert set(run.responsiveness) >= {"lag_p50_ms", "lag_p99_ms", "lag_max_ms", "frames_over_budget", "ticks"}
        assert run.responsiveness["ticks"] == len(run.samples["lag_ms"]) > 0
        assert run.environment["harness_overhead_us"] > 0  # the replay loop does more than a bare loop
        assert run.environment["switch_interval_s"] == 0.001
    import sys

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
