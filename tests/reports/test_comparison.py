"""The verdict's caveats: one sentence for every strategy that showed placeholders, I/O per open grouped."""

from __future__ import annotations

from exifbench.reports.analysis.metrics import StrategySummary
from exifbench.reports.statistics import Spread
from exifbench.reports.renderers.comparison import frames_caveat, placeholder_caveat


def summary(name: str, not_ready: float, calls: int = 593, time_to_exif_ms: float = 0.0, blocking_s: float = 0.001,
            frames_missed: float = 0.0, lag_p99_ms: float = 0.0) -> StrategySummary:
    return StrategySummary(
        strategy=name, repeats=1, calls=calls, blocking_s=Spread.of([blocking_s]), p50_ms=0.0, p99_ms=0.0, max_ms=0.0,
        not_ready=Spread.of([not_ready]), background_s=Spread.of([3.0]), equal=True, checked=591, mismatches=0,
        errors=0, complete=True, ratio_to_sync=None, time_to_exif_p90_ms=time_to_exif_ms, frames_missed=frames_missed,
        lag_p99_ms=lag_p99_ms,
    )  # fmt: skip


def test_one_sentence_names_every_strategy_that_showed_placeholders_grouped_by_count() -> None:
    caveat = placeholder_caveat([
        summary("sync", 0), summary("threadpool", 591, time_to_exif_ms=2891), summary("lazy", 591, time_to_exif_ms=3000),
        summary("process", 591, time_to_exif_ms=3222), summary("viewport", 592, time_to_exif_ms=3344), summary("mine", 100),
    ])  # fmt: skip
    assert caveat == (
        "But threadpool, lazy and process answered 591 of 593 calls (99.7%) with a placeholder, and viewport 592 of "
        "593 (99.8%); their EXIF showed after 2.891 s to 3.344 s (time-to-EXIF p90), so less blocking there is not "
        "the same as EXIF on screen sooner."
    )
    assert caveat.count("But") == 1 and caveat.count(". ") == 0


def test_one_strategy_and_no_time_to_exif_measured() -> None:
    assert placeholder_caveat([summary("threadpool", 40, calls=50)]) == (
        "But threadpool answered 40 of 50 calls (80%) with a placeholder, so less blocking there is not the same as "
        "EXIF on screen sooner."
    )
    caveat = placeholder_caveat([summary("threadpool", 40, calls=50, time_to_exif_ms=120)])
    assert caveat is not None and "; its EXIF showed after 120 ms (time-to-EXIF p90)," in caveat


def test_no_caveat_when_most_calls_showed_exif() -> None:
    assert placeholder_caveat([summary("sync", 0), summary("threadpool", 296)]) is None


def test_without_a_blocking_claim_before_it_the_caveat_has_no_but() -> None:
    caveat = placeholder_caveat([summary("threadpool", 591), summary("viewport", 591)], contrast=False)
    assert caveat is not None and caveat.startswith("threadpool and viewport answered 591 of 593 calls (99.7%)")


def test_frames_missed_beyond_what_blocking_explains_are_named_in_one_sentence() -> None:
    caveat = frames_caveat([
        summary("sync", 0, blocking_s=15.975, frames_missed=949, lag_p99_ms=7.1),  # the reference: its blocking explains them
        summary("threadpool", 591, blocking_s=0.0008, frames_missed=0, lag_p99_ms=6.7),
        summary("process", 590, blocking_s=0.0163, frames_missed=84, lag_p99_ms=65.8),
        summary("viewport", 160, blocking_s=0.00104, frames_missed=31, lag_p99_ms=96.4),
        summary("mine", 0, blocking_s=1.0, frames_missed=65),  # 1 s of blocking explains 60 frames: 5 more is noise
    ], reference="sync")  # fmt: skip
    assert caveat == (
        "Still, process missed 84 frames at 60 Hz (UI lag p99 65.8 ms), and viewport 31 (96.4 ms), more than blocking "
        "in load_exif explains: the UI thread lost that time elsewhere (to the loader's workers, or to the machine's load)."
    )


def test_no_frames_caveat_when_blocking_explains_the_frames_missed() -> None:
    assert frames_caveat([summary("sync", 0, blocking_s=2.0, frames_missed=130), summary("lazy", 5, frames_missed=9)], "sync") is None
