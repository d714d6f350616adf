"""What the user sees (time-to-EXIF, the first page) and the drain that waits for every real result."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from exifbench.datasets.folder import scan
from exifbench.datasets.storage.model import StorageModel
from exifbench.strategies.extractors import ExifReader
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.bench import baseline
from exifbench.harness.equality import Judge, compare
from exifbench.reports.documents.equality import EqualitySpec
from exifbench.harness.ui.probe import FrameProbe
from exifbench.harness.calls import first_page_size
from exifbench.harness.plan import plan_replay
from exifbench.harness.replay import replay
from exifbench.strategies import create
from exifbench.strategies.base import ClosingLoader
from exifbench.strategies.threadpool import ThreadPoolLoader
from exifbench.datasets.patterns.clock import now_ns
from tests.user_loaders import EagerPreload


class ShownAfterPolls(ClosingLoader):
    """A read that completes on a path's ``polls + 1``-th non-blocking ask; a blocking ask waits for that.

    The drain's blocking asks therefore cannot finish before the view has re-asked every placeholder
    enough times, however slowly frames come on a loaded machine.
    """

    def __init__(self, polls: int) -> None:
        self.polls = polls
        self.asked: dict[str, int] = {}
        self.read = ExifReader()
        self._ready: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def _event(self, path: str) -> threading.Event:
        with self._lock:
            return self._ready.setdefault(path, threading.Event())

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any] | None:
        if blocking:
            assert self._event(path).wait(60), f"{path} never re-asked {self.polls} times"
            return self.read.load(path)
        with self._lock:
            self.asked[path] = self.asked.get(path, 0) + 1
            done = self.asked[path] > self.polls
        if done:
            self._event(path).set()
            return self.read.load(path)
        return None

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        pass


class NeverReady(ClosingLoader):
    """Never has anything ready; its blocking path gives up at once with ``{}`` (a loader that cannot be verified)."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any] | None:
        return {} if blocking else None

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        pass


def test_a_dict_at_once_has_its_blocking_time_as_time_to_exif(corpus_copy: Path) -> None:
    plan = plan_replay(startup_pattern(images=12, page=4), scan(corpus_copy))
    with create("sync", ExifReader(storage=StorageModel(1.0))) as loader:
        measured = replay(loader, plan)
    first_calls = {}
    for call, blocking in zip(plan.calls, measured.blocking_ms):
        first_calls.setdefault(call.path, blocking)
    assert measured.time_to_exif_ms == pytest.approx(list(first_calls.values()), abs=1e-6)
    assert measured.seen["first_page_ready_share"] == 1.0
    assert measured.seen["time_to_exif"]["never_shown"] == 0
    assert measured.seen["time_to_exif"]["max_ms"] == pytest.approx(max(first_calls.values()), abs=1e-6)


def test_a_placeholder_is_re_asked_every_frame_until_its_exif_shows(corpus_copy: Path) -> None:
    plan = plan_replay(startup_pattern(images=12, page=4), scan(corpus_copy))
    assert first_page_size(plan.calls) == 4
    loader = ShownAfterPolls(polls=3)
    measured = replay(loader, plan, ui=FrameProbe(tick_ms=5.0))
    seen = measured.seen
    assert seen["first_page_ready_share"] == 0.0
    assert seen["time_to_exif"]["requested"] == 13 and seen["time_to_exif"]["never_shown"] == 0
    # the pattern asked each image once, the view re-asked it until the 4th ask answered and no more;
    # one image is revisited by the pattern (a 5th ask)
    counts = list(loader.asked.values())
    assert len(counts) == 13 and set(counts) <= {4, 5} and counts.count(5) <= 1
    assert min(measured.time_to_exif_ms) > max(measured.blocking_ms)
    assert seen["first_page_complete_ms"] >= max(measured.time_to_exif_ms[:4])


def test_a_placeholder_never_replaced_is_counted_never_shown_and_its_file_unverified(corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    plan = plan_replay(startup_pattern(images=3, page=3, revisits=(0,)), folder)
    measured = replay(NeverReady(), plan, agrees=Judge(EqualitySpec(), baseline(plan)).agrees, deadline_s=1.0)
    assert measured.seen["time_to_exif"]["never_shown"] == 3
    exif_files = [path for path, exif in baseline(plan).items() if exif]
    assert exif_files and sorted(measured.unverified) == sorted(exif_files)
    report = compare(baseline(plan), measured.results, measured.unverified)
    assert not report.mismatches and not report.ok
    assert report.to_dict()["unverified"] == measured.unverified
    # background_s is the last real answer, never the give-up time
    assert measured.background_s < measured.calls_s + 0.5  # half the deadline: room for a loaded machine


def test_a_slow_read_outlasting_the_blocking_timeout_is_no_mismatch(corpus_dir: Path, tmp_path: Path) -> None:
    """The 6000 ms case in miniature: reads take 600 ms, the loader's blocking path gives up after 100 ms."""
    shutil.copyfile(corpus_dir / "jpg" / "Canon_40D.jpg", tmp_path / "one.jpg")
    plan = plan_replay(startup_pattern(images=1, page=1), scan(tmp_path))
    expected = baseline(plan)
    with ThreadPoolLoader(ExifReader(storage=StorageModel(600.0)), workers=1, timeout_s=0.1) as loader:
        measured = replay(loader, plan, agrees=Judge(EqualitySpec(), expected).agrees)
    report = compare(expected, measured.results, measured.unverified)
    assert report.ok and report.checked == 1 and not measured.unverified
    assert measured.background_s >= 0.6  # the real read's end, not the 0.1 s give-up


class TimedEagerPreload(EagerPreload):
    """:class:`EagerPreload` that says when it read each file (:class:`~exifbench.strategies.base.TimesReads`)."""

    def __init__(self) -> None:
        super().__init__()
        self.read_at: dict[str, int] = {}

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        super().preload(paths, priority)
        self.read_at = {path: now_ns() for path in self.cache}

    def ready_ns(self, path: str) -> int | None:
        return self.read_at.get(path)


def test_background_ends_at_the_last_read_not_at_the_drain(corpus_copy: Path) -> None:
    """Every file is read in ``preload``: background completion is the last of those reads (a loader that says
    when it read), or the call that first had the last file's dict in hand (one that does not) — both before
    the pattern's revisits, not after its last call, where the drain starts."""
    plan = plan_replay(startup_pattern(images=6, page=3, revisits=(0, 1)), scan(corpus_copy))
    timed = replay(TimedEagerPreload(), plan)
    assert timed.background_s * 1000 <= timed.preload_ms < timed.at_ms[0]
    untimed = replay(EagerPreload(), plan)
    first_ends = {}
    for call, end_ms in zip(plan.calls, untimed.end_ms):
        first_ends.setdefault(call.path, end_ms)
    assert untimed.background_s * 1000 == pytest.approx(max(first_ends.values()), abs=1e-3)
    assert max(first_ends.values()) < untimed.at_ms[-2] < untimed.calls_s * 1000  # before the 2 revisits


def test_a_pool_waited_for_by_each_call_is_done_before_the_pattern_ends(corpus_copy: Path) -> None:
    plan = plan_replay(startup_pattern(images=6, page=3, revisits=(0, 1)), scan(corpus_copy))
    with ThreadPoolLoader(ExifReader(storage=StorageModel(1.0)), workers=2) as loader:
        measured = replay(loader, plan, on_not_ready="wait")
    assert measured.background_s * 1000 <= measured.end_ms[5] < measured.at_ms[-2]  # the 6th file's call, then revisits
