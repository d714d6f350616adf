"""The verdict's caveats: one sentence for every strategy that showed placeholders, I/O per open grouped."""

from __future__ import annotations

from exifbench.analysis.metrics import StrategySummary
from exifbench.analysis.statistics import Spread
from exifbench.renderers.comparison import placeholder_caveat


def summary(name: str, not_ready: float, calls: int = 593, time_to_exif_ms: float = 0.0) -> StrategySummary:
    return StrategySummary(
        strategy=name, repeats=1, calls=calls, blocking_s=Spread.of([0.001]), p50_ms=0.0, p99_ms=0.0, max_ms=0.0,
        not_ready=Spread.of([not_ready]), background_s=Spread.of([3.0]), equal=True, checked=591, mismatches=0,
        errors=0, complete=True, ratio_to_sync=None, time_to_exif_p90_ms=time_to_exif_ms,
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
