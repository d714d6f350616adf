"""Measure the user's own storage into a profile that ``--storage FILE.toml`` replays through the mount.

``exifbench storage measure DIR`` reads a sample of the folder's images cold — each file evicted from the page
cache with ``posix_fadvise(POSIX_FADV_DONTNEED)`` right before it is read; where the kernel offers no eviction the
profile says so — and records:

- the **first-read latency** of each file (open, evict, read the first 64 KiB where EXIF lives, close) at
  concurrency 1: the fastest of :data:`ROUNDS` cold reads, since the machine's own noise only adds to it;
- the **queue depth**: the same cold reads at concurrency 1, 2, 4 … 64; 0 (no limit found) while throughput
  still grows at 64, else the plateau's reads per second times a first read's time (Little's law);
- the **bandwidth**: whole files read cold at concurrency 1, bytes over the time left after each file's first read.

The profile is a small TOML file (``[storage]`` for the model, ``[measured]`` for what was seen);
:func:`load_profile` reads it back as a :class:`StorageModel` whose opens are charged the measured latencies,
one per file drawn deterministically from its path.
"""

from __future__ import annotations

import math
import os
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exifbench.datasets.storage.model import HEAD_BYTES, StorageModel, evict
from exifbench.errors import ExifbenchError
from exifbench.files import write_atomic

LEVELS = (1, 2, 4, 8, 16, 32, 64)
ROUNDS = 3
"""Cold reads of each file at concurrency 1; its first-read latency is the fastest."""
GROWTH = 1.25
"""Doubling the concurrency must raise throughput by at least this factor for the queue to count as deeper."""
SCHEMA = "exifbench.storage-profile/1"


@dataclass
class Measurement:
    """What ``storage measure`` saw on one folder."""

    folder: str
    files: int
    first_read_ms: list[float]
    throughput: dict[int, float]
    """Files read per second at each concurrency."""
    queue_depth: int
    bandwidth_mb_s: float
    evicted: int
    eviction: str
    """``"posix_fadvise"``, or why files could not be evicted (then first reads may have been served warm)."""

    def model(self, name: str = "measured") -> StorageModel:
        """The storage model that replays this measurement."""
        ordered = sorted(self.first_read_ms)
        return StorageModel(latency_ms=ordered[len(ordered) // 2], per="open", concurrency=self.queue_depth,
                            bandwidth_mb_s=round(self.bandwidth_mb_s, 3), name=name,
                            first_read_ms=tuple(round(v, 4) for v in ordered))  # fmt: skip


def _evicted(fd: int) -> None:
    if hasattr(os, "posix_fadvise"):
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass


def read_head(path: str) -> float:
    """Milliseconds to open ``path``, drop its pages from the page cache, read its first 64 KiB and close it."""
    begin = time.perf_counter_ns()
    fd = os.open(path, os.O_RDONLY)
    try:
        _evicted(fd)
        os.read(fd, HEAD_BYTES)
    finally:
        os.close(fd)
    return (time.perf_counter_ns() - begin) / 1e6


def read_whole(path: str) -> tuple[float, int]:
    """Milliseconds to read all of ``path`` cold, and the bytes read."""
    size = 0
    begin = time.perf_counter_ns()
    fd = os.open(path, os.O_RDONLY)
    try:
        _evicted(fd)
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
    finally:
        os.close(fd)
    return (time.perf_counter_ns() - begin) / 1e6, size


def throughput(paths: Sequence[str], concurrency: int) -> float:
    """Cold head reads per second with ``concurrency`` at once, over ``max(16, 4 × concurrency)`` reads."""
    reads = [paths[i % len(paths)] for i in range(max(16, 4 * concurrency))]
    begin = time.perf_counter_ns()
    with ThreadPoolExecutor(concurrency, "exifbench-measure") as pool:
        list(pool.map(read_head, reads))
    return len(reads) / ((time.perf_counter_ns() - begin) / 1e9)


def queue_depth(rates: dict[int, float], first_read_ms: float) -> int:
    """Requests the storage serves at once: 0 (no limit found) while doubling the concurrency still raises
    throughput by :data:`GROWTH` at the last level; else Little's law on the plateau — its reads per second
    times the time one first read takes."""
    levels = sorted(rates)
    if len(levels) < 2 or rates[levels[-1]] >= GROWTH * rates[levels[-2]]:
        return 0
    return max(1, min(levels[-1], round(max(rates.values()) * first_read_ms / 1000)))


def eviction_problem(path: str) -> str:
    """Empty when the kernel accepts page-cache eviction for ``path``; else why it cannot."""
    if not hasattr(os, "posix_fadvise"):
        return "this system has no posix_fadvise: files could not be evicted from the page cache, first reads may be warm"
    if evict([path]) == 0:
        return f"posix_fadvise(DONTNEED) was refused for {path}: first reads may be warm"
    return ""


def measure(folder: str, paths: Sequence[str], sample: int = 64, levels: Sequence[int] = LEVELS,
            stop: threading.Event | None = None, progress: Callable[[str], None] | None = None) -> Measurement:  # fmt: skip
    """Measure the storage behind ``paths`` (absolute, the folder's images): a spread sample of at most ``sample``."""
    chosen = list(paths[:: max(1, len(paths) // sample)][:sample])
    if len(chosen) < 2:
        raise ExifbenchError(f"{folder}: storage measure needs at least 2 images, found {len(chosen)}")
    problem = eviction_problem(chosen[0])
    say = progress or (lambda line: None)
    say(f"first reads of {len(chosen)} files, one at a time, {ROUNDS} rounds")
    rounds: list[list[float]] = []
    for _ in range(ROUNDS):
        if stop is not None and stop.is_set():
            raise ExifbenchError("storage measure: stopped")
        rounds.append([read_head(path) for path in chosen])
    first = [min(times) for times in zip(*rounds)]  # each file's fastest: the machine's own noise only adds
    rates: dict[int, float] = {}
    for level in levels:
        if stop is not None and stop.is_set():
            raise ExifbenchError("storage measure: stopped")
        rates[level] = throughput(chosen, level)
        say(f"concurrency {level}: {rates[level]:,.0f} cold reads/s")
    ordered = sorted(first)
    median_first = ordered[len(ordered) // 2]
    depth = queue_depth(rates, median_first)
    timed = [read_whole(path) for path in chosen[:16]]
    seconds = sum(max(ms - median_first, 0.0) for ms, _ in timed) / 1000
    bytes_read = sum(size for _, size in timed)
    bandwidth = bytes_read / seconds / 1e6 if seconds > 0 else 0.0
    return Measurement(folder, len(chosen), first, rates, depth, bandwidth, 0 if problem else len(chosen),
                       problem or "posix_fadvise")  # fmt: skip


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def profile_toml(found: Measurement, name: str = "measured") -> str:
    """The profile file's text: ``[storage]`` (what ``--storage FILE.toml`` replays) and ``[measured]`` (what was seen)."""
    model = found.model(name)
    storage = {"name": model.name, "per": model.per, "latency_ms": model.latency_ms, "concurrency": model.concurrency,
               "bandwidth_mb_s": model.bandwidth_mb_s, "first_read_ms": list(model.first_read_ms)}  # fmt: skip
    ordered = sorted(found.first_read_ms)
    seen = {"folder": found.folder, "files": found.files, "eviction": found.eviction, "evicted": found.evicted,
            "first_read_p50_ms": round(ordered[len(ordered) // 2], 4),
            "first_read_p90_ms": round(ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)], 4),
            "concurrency": list(found.throughput), "reads_per_s": [round(v, 1) for v in found.throughput.values()]}  # fmt: skip
    lines = [f"# exifbench storage profile ({SCHEMA}): exifbench run --storage THIS_FILE replays it", f"schema = {_toml_value(SCHEMA)}",
             "", "[storage]", *(f"{key} = {_toml_value(value)}" for key, value in storage.items()),
             "", "[measured]", *(f"{key} = {_toml_value(value)}" for key, value in seen.items()), ""]  # fmt: skip
    return "\n".join(lines)


def write_profile(found: Measurement, path: Path, name: str = "measured") -> Path:
    return write_atomic(path, profile_toml(found, name))


STORAGE_KEYS = ("name", "per", "latency_ms", "concurrency", "bandwidth_mb_s", "first_read_ms", "jitter_ms", "os_cache")


def load_profile(path: str | Path) -> StorageModel:
    """A profile file's ``[storage]`` table as a model; every problem is one error naming the file and key."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExifbenchError(f"--storage {path}: cannot read it ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExifbenchError(f"--storage {path}: not a TOML storage profile ({exc})") from None
    table = data.get("storage")
    if not isinstance(table, dict):
        raise ExifbenchError(f"--storage {path}: no [storage] table (write one with exifbench storage measure DIR --out {path})")
    unknown = sorted(set(table) - set(STORAGE_KEYS))
    if unknown:
        raise ExifbenchError(f"--storage {path}: unknown key(s) in [storage]: {', '.join(unknown)}")
    kinds: dict[str, Any] = {"name": str, "per": str, "os_cache": bool, "concurrency": int, "first_read_ms": list}
    for key, value in table.items():
        kind = kinds.get(key, int | float)
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            raise ExifbenchError(f"--storage {path}: [storage] {key} has the wrong type ({type(value).__name__})")
    try:
        return StorageModel(**{**table, "first_read_ms": tuple(table.get("first_read_ms", ()))})
    except ExifbenchError as exc:
        raise ExifbenchError(f"--storage {path}: {exc}") from None
