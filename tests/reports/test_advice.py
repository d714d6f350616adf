"""The not-ready floor, the recommendation of run and sweep, and decide's way forward — from fake runs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from exifbench.errors import ExifbenchError
from exifbench.reports.analysis.advice import advise
from exifbench.reports.analysis.decide import judge_phase
from exifbench.reports.analysis.floor import first_read_ms, not_ready_floor, run_floor
from exifbench.reports.documents.policy import Policy
from exifbench.reports.documents.decision import FAILED, PASSED, Criterion
from exifbench.reports.documents.runs import RunConfig, RunResult, RunSet, TimeToExif
from exifbench.reports.renderers.advice import recommendation
from exifbench.reports.renderers.criteria import way_forward
from slow_strategies import fake_run

MODEL = {"latency_ms": 23.0, "jitter_ms": 3.0, "os_cache": False, "name": "original"}
PAGE = 24


def timed(run: RunResult, pages: int = 2, frame_ms: float = 16.7, start_ms: float = 0.5) -> RunResult:
    """``run`` with its 50 calls asked a page of 24 per frame (two pages and two revisits), on the 23 ms model."""
    at_ms = [start_ms + (i // PAGE) * frame_ms for i in range(run.calls)]
    return replace(run, samples={"at_ms": at_ms}, config=RunConfig(storage_model=MODEL, pattern="startup-50",
                                                                    storage="original: 23 ms per file open"))  # fmt: skip


def test_the_floor_counts_the_calls_asked_before_the_fastest_first_read() -> None:
    assert first_read_ms(MODEL) == 20.0  # latency less jitter
    assert first_read_ms({**MODEL, "os_cache": True}) == 0.0
    floor = run_floor(timed(fake_run("pool", 0.001)))
    assert floor is not None and (floor.calls, floor.of) == (48, 50)  # pages at 0.5 and 17.2 ms; revisits at 33.9
    later = run_floor(timed(fake_run("pool", 0.001), start_ms=30.0))
    assert later is not None and later.calls == 48  # a loader's own start-up delays every call: no head start
    assert run_floor(fake_run("pool", 0.001)) is None  # no call times kept: no floor claimed


def test_the_floor_over_repeats_is_their_lower_median() -> None:
    runs = [timed(fake_run("pool", 0.001, repeat=i), frame_ms=frame) for i, frame in enumerate((16.7, 25.0, 25.0, 16.7))]
    floor = not_ready_floor(runs)
    assert floor is not None and floor.calls == 24


def test_a_candidate_over_the_limit_but_at_the_floor_is_shown_the_way() -> None:
    sync = [timed(fake_run("sync", 1.0, repeat=i)) for i in range(4)]
    pool = [timed(fake_run("pool", 0.001, repeat=i, not_ready=49)) for i in range(4)]
    phase = judge_phase("small", RunSet([*sync, *pool]), "pool", "sync", Policy())
    not_ready = next(c for c in phase.criteria if c.name == "not_ready")
    assert not_ready.status == FAILED and not_ready.facts["floor"]["calls"] == 48
    text = way_forward(not_ready)
    assert "best achievable on a first launch here: 96.0% (the floor) against ≤ 10.0% required" in text
    assert "no loader answering without blocking can pass" in text and "--max-not-ready floor+2% would pass" in text
    relative = Policy().updated({"max_not_ready": "floor+2%"}, lambda key: f"--{key}")
    again = judge_phase("small", RunSet([*sync, *pool]), "pool", "sync", relative)
    assert next(c for c in again.criteria if c.name == "not_ready").status == PASSED
    assert way_forward(next(c for c in phase.criteria if c.name == "blocking")) == ""


def test_floor_margins_are_checked() -> None:
    with pytest.raises(ExifbenchError, match="--max_not_ready: expected floor\\+X%"):
        Policy().updated({"max_not_ready": "floor-5%"}, lambda key: f"--{key}")
    assert Policy().updated({"max_not_ready": "floor+5%"}, str).not_ready_limit(0.5) == pytest.approx(0.55)
    assert Policy().updated({"max_not_ready": "floor+5%"}, str).updated({"max_not_ready": "20%"}, str).not_ready_limit(0.5) == 0.2


def test_a_criterion_saved_with_words_reads_back_as_saved() -> None:
    old = {"name": "not_ready", "requirement": "≤ 10%", "measured": "12%", "value": 0.12, "status": "fail", "on_failure": "HOLD"}
    c = Criterion.from_dict(old, "c")
    assert c.facts == {"requirement": "≤ 10%", "measured": "12%"} and c.limit is None


def test_run_recommends_the_strategy_meeting_every_criterion() -> None:
    sync = timed(fake_run("sync", 1.0))
    slow = replace(timed(fake_run("pool", 0.001, not_ready=40)), time_to_exif=TimeToExif(p90_ms=300.0))
    quick = replace(timed(fake_run("viewport", 0.002, not_ready=2)), time_to_exif=TimeToExif(p90_ms=30.0))
    advice = advise(RunSet([sync, slow, quick]))
    assert advice is not None and advice.ship is not None and advice.ship.strategy == "viewport"
    line = recommendation(advice, {"viewport": "viewport ×64"})
    assert line.startswith("Recommendation: ship viewport ×64 for pattern startup-50 on original: 23 ms per file open")
    assert "blocking not yet shown significant: confirm with exifbench decide --candidate viewport" in line  # one repeat


def test_with_nothing_passing_the_closest_is_named_with_why_and_the_floor() -> None:
    sync = timed(fake_run("sync", 1.0))
    pool = replace(timed(fake_run("pool", 0.001, not_ready=49)), time_to_exif=TimeToExif(p90_ms=30.0))
    lazy = replace(timed(fake_run("lazy", 0.001, not_ready=49)), time_to_exif=TimeToExif(p90_ms=300.0))
    advice = advise(RunSet([sync, lazy, pool]))
    assert advice is not None and advice.ship is None and advice.closest is not None
    assert advice.closest.strategy == "pool"  # one criterion failed, lazy two
    line = recommendation(advice)
    assert line.startswith("Recommendation: nothing measured here meets decide's criteria for pattern startup-50")
    assert "closest: pool (not_ready: 98.0% of calls showed a placeholder (median 49 of 50); floor 96.0% here" in line
    assert "No loader answering without blocking can meet the placeholder limit on a first launch here" in line
    assert advise(RunSet([pool])) is None  # no reference: nothing to judge against
