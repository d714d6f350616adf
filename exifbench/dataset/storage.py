"""The storage model: extra latency per read from storage, and page-cache eviction.

The original profile saw ~23 ms per first EXIF read on slow storage; a warm page
cache here reads in ~0.3 ms. :class:`StorageModel` charges a fixed latency (plus
optional deterministic jitter) per read, spent in ``time.sleep`` so it releases
the GIL like real blocking I/O. It is a frozen, picklable value, so a process
pool's workers charge exactly what threads do.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class StorageModel:
    """Latency charged per storage read, in milliseconds; ``read_log`` counts reads across processes."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    seed: int = 0
    read_log: str | None = None

    def delay_ms(self, path: str) -> float:
        """The latency charged for reading ``path``: the same for every strategy and process."""
        if not self.jitter_ms:
            return self.latency_ms
        offset = random.Random(f"{self.seed}:{path}").uniform(-self.jitter_ms, self.jitter_ms)
        return max(0.0, self.latency_ms + offset)

    def charge(self, path: str) -> None:
        """Spend the modelled latency for one read of ``path`` (and log the read if asked)."""
        if self.read_log is not None:
            with open(self.read_log, "a", encoding="utf-8") as log:
                log.write(f"{os.getpid()}\t{path}\n")
        delay = self.delay_ms(path)
        if delay > 0:
            time.sleep(delay / 1000)

    def describe(self) -> str:
        """One line for reports."""
        if not self.latency_ms and not self.jitter_ms:
            return "local storage (no added latency)"
        jitter = f" ± {self.jitter_ms:g} ms" if self.jitter_ms else ""
        return f"{self.latency_ms:g} ms{jitter} per storage read"


def evict(paths: Iterable[str]) -> int:
    """Ask the kernel to drop ``paths`` from the page cache; returns how many it accepted."""
    if not hasattr(os, "posix_fadvise"):
        return 0
    evicted = 0
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            evicted += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return evicted


HEAD_BYTES = 64 * 1024


def _read_heads_ms(paths: list[str]) -> list[float]:
    """Milliseconds to read the first 64 KiB (where EXIF lives) of each file."""
    times = []
    for path in paths:
        begin = time.perf_counter_ns()
        try:
            with open(path, "rb", buffering=0) as handle:
                handle.read(HEAD_BYTES)
        except OSError:
            continue
        times.append((time.perf_counter_ns() - begin) / 1e6)
    return times


def cold_check(paths: list[str], sample: int = 64) -> dict[str, float | int | bool]:
    """Were first reads after eviction measurably slower than warm ones? Best effort, on a sample.

    Evicts the sample, reads each file's head (cold), reads again (warm), and
    compares medians; "measurably" means cold is at least 1.5× warm.
    """
    chosen = paths[:: max(1, len(paths) // sample)][:sample]
    evicted = evict(chosen)
    cold = sorted(_read_heads_ms(chosen))
    warm = sorted(_read_heads_ms(chosen))
    cold_ms = cold[len(cold) // 2] if cold else 0.0
    warm_ms = warm[len(warm) // 2] if warm else 0.0
    return {
        "files": len(chosen),
        "evicted": evicted,
        "cold_median_ms": round(cold_ms, 4),
        "warm_median_ms": round(warm_ms, 4),
        "measurably_slower": bool(warm_ms and cold_ms >= 1.5 * warm_ms),
    }
