"""Test helpers: deliberately bad strategies (named as ``slow_strategies:Class``) and synthetic runs."""

from __future__ import annotations

import os
import threading
import time

from exifbench.strategies.extractors import ExifReader
from exifbench.reports.documents.runs import Blocking, Equality, Extra, Mismatch, Resources, RunResult
from exifbench.strategies.base import Exif
from exifbench.strategies.sync import SyncLoader

SLOW_MS = 5.0


class SlowLoader(SyncLoader):
    """``sync`` plus 5 ms of sleep on the caller's thread in every ``load_exif`` call."""

    def load_exif(self, path: str, blocking: bool = False) -> Exif:
        time.sleep(SLOW_MS / 1000)
        return super().load_exif(path, blocking)


class TunableLoader(SyncLoader):
    """``sync`` plus ``$EXIFBENCH_TEST_SLOWDOWN_MS`` (default 0) of sleep per call: one loader, two versions."""

    def load_exif(self, path: str, blocking: bool = False) -> Exif:
        time.sleep(float(os.environ.get("EXIFBENCH_TEST_SLOWDOWN_MS", "0")) / 1000)
        return super().load_exif(path, blocking)


class WrongLoader(SyncLoader):
    """``sync`` that gets one tag of one file wrong: the first file it loads that has a ``Make``."""

    def __init__(self, reader: ExifReader | None = None) -> None:
        super().__init__(reader)
        self._altered: str | None = None

    def load_exif(self, path: str, blocking: bool = False) -> Exif:
        exif = super().load_exif(path, blocking)
        if self._altered in (None, path) and "Make" in exif:
            self._altered = path
            exif = {**exif, "Make": "Altered"}
            self._exif_cache[path] = exif
        return exif


class LeakyLoader(SyncLoader):
    """``sync`` that starts a thread its ``close()`` never stops (it ends when :data:`RELEASE` is set)."""

    RELEASE = threading.Event()

    def __init__(self, reader: ExifReader | None = None) -> None:
        super().__init__(reader)
        threading.Thread(target=self.RELEASE.wait, name="leaked-by-LeakyLoader", daemon=True).start()


def fake_run(
    strategy: str,
    blocking_s: float,
    repeat: int = 0,
    background_s: float = 1.0,
    not_ready: int = 0,
    mismatches: tuple[dict[str, str], ...] = (),
    resources: dict[str, object] | None = None,
) -> RunResult:
    """A synthetic run of 50 calls on 22 files, for judging without replaying."""
    return RunResult(
        strategy=strategy,
        calls=50,
        images=22,
        files_touched=22,
        blocking=Blocking(total_s=blocking_s, p50_ms=0.1, p99_ms=1.0, max_ms=2.0),
        not_ready=not_ready,
        background_s=background_s,
        equality=Equality(22, 22 - len({m["path"] for m in mismatches}), [Mismatch(**m) for m in mismatches]),
        errors=[],
        environment={},
        repeat=repeat,
        extra=Extra(Resources.from_dict(resources or {"leaked_threads": 0, "leaked_children": [], "rss_growth_mb": 1.0})),
    )
