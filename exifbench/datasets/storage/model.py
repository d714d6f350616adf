"""The storage model: what slow storage charges per open and per read, named profiles, page-cache eviction.

The original profile saw ~23 ms per first EXIF read on slow storage; a warm page
cache here reads in ~0.3 ms. A :class:`StorageModel` says what a device charges:
a latency per file open, per read request, or per seek; how many requests it
serves at once (its queue depth); a transfer rate; deterministic jitter.

It is charged in one of two places:

- by the FUSE mount (:mod:`exifbench.datasets.storage.mount`), where a :class:`Device` in the
  daemon process charges every open and read request that reaches it — whatever
  code the loader runs;
- in-process, by exifbench's own reader (:meth:`StorageModel.charge`, spent in
  ``time.sleep`` so it releases the GIL) — the fall-back where FUSE cannot be used.
  It charges one latency per file read and knows nothing of queue depth or bandwidth,
  and loaders that read files themselves never pay it.
"""

from __future__ import annotations

import heapq
import os
import random
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from exifbench.errors import ExifbenchError

CHARGES = ("open", "request", "seek")
"""Where the latency is charged: each file open (the first read of a file, as profiled); each open and each
read request (a network round trip); each open and each read request that does not continue the previous
one (a disk head moving)."""


@dataclass(frozen=True)
class StorageModel:
    """What storage charges, in milliseconds; ``read_log`` records in-process charges across processes.

    ``concurrency`` 0 and ``bandwidth_mb_s`` 0 mean unlimited. ``os_cache`` lets the kernel's page cache
    serve re-reads of a mounted file (otherwise every read reaches the model). ``first_read_ms``, a measured
    profile's first-read latencies (:mod:`exifbench.datasets.storage.measure`), replaces ``latency_ms`` and
    ``jitter_ms``: each file's open is charged one of them, drawn deterministically from the file's path.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    seed: int = 0
    read_log: str | None = None
    per: str = "open"
    concurrency: int = 0
    bandwidth_mb_s: float = 0.0
    os_cache: bool = False
    name: str = "custom"
    first_read_ms: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.per not in CHARGES:
            raise ExifbenchError(f"storage model: 'per' must be one of {', '.join(CHARGES)}, got {self.per!r}")
        for key in ("latency_ms", "jitter_ms", "concurrency", "bandwidth_mb_s"):
            if getattr(self, key) < 0:
                raise ExifbenchError(f"storage model: {key} must not be negative, got {getattr(self, key)!r}")
        object.__setattr__(self, "first_read_ms", tuple(self.first_read_ms))  # from JSON (the daemon's argument): a list
        if any(isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0 for value in self.first_read_ms):
            raise ExifbenchError("storage model: first_read_ms must hold numbers ≥ 0")

    @property
    def charges(self) -> bool:
        """Does this model add any cost at all?"""
        return bool(self.latency_ms or self.jitter_ms or self.bandwidth_mb_s or any(self.first_read_ms))

    def delay_ms(self, path: str, key: str = "") -> float:
        """The latency charged for ``path`` (and ``key``, e.g. a read's offset): the same in every strategy and process."""
        if self.first_read_ms:
            return random.Random(f"{self.seed}:{path}" + (f":{key}" if key else "")).choice(self.first_read_ms)
        if not self.jitter_ms:
            return self.latency_ms
        salt = f"{self.seed}:{path}" + (f":{key}" if key else "")
        offset = random.Random(salt).uniform(-self.jitter_ms, self.jitter_ms)
        return max(0.0, self.latency_ms + offset)

    def head_read_ms(self) -> float:
        """About what the model charges for opening a file and reading its first 64 KiB (the most it may charge)."""
        latency = max(self.first_read_ms) if self.first_read_ms else self.latency_ms + self.jitter_ms
        return latency * (2 if self.per == "request" else 1) + self.transfer_ms(HEAD_BYTES)

    def transfer_ms(self, size: int) -> float:
        """Milliseconds to move ``size`` bytes at the model's bandwidth (0 when unlimited)."""
        return size / (self.bandwidth_mb_s * 1000) if self.bandwidth_mb_s else 0.0

    def charge(self, path: str) -> None:
        """In-process: spend one read's latency for ``path`` (and log the read if asked)."""
        if self.read_log is not None:
            with open(self.read_log, "a", encoding="utf-8") as log:
                log.write(f"{os.getpid()}\t{path}\n")
        delay = self.delay_ms(path)
        if delay > 0:
            time.sleep(delay / 1000)

    def describe(self) -> str:
        """One line for reports."""
        if not self.charges:
            return "local storage (no added latency)"
        parts = []
        if self.first_read_ms:
            ordered = sorted(self.first_read_ms)
            parts.append(f"measured first reads {ordered[len(ordered) // 2]:.3g} ms median "
                         f"({ordered[0]:.3g}–{ordered[-1]:.3g} ms) per file open")  # fmt: skip
        elif self.latency_ms or self.jitter_ms:
            jitter = f" ± {self.jitter_ms:g} ms" if self.jitter_ms else ""
            where = {"open": "file open", "request": "request", "seek": "seek"}[self.per]
            parts.append(f"{self.latency_ms:g} ms{jitter} per {where}")
        parts.append(f"queue depth {self.concurrency}" if self.concurrency else "no queue limit")
        if self.bandwidth_mb_s:
            parts.append(f"{self.bandwidth_mb_s:g} MB/s")
        if self.os_cache:
            parts.append("OS cache on")
        label = "" if self.name == "custom" else f"{self.name}: "
        return label + ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The model's figures for the run document (without the test-only ``read_log``)."""
        data = asdict(self)
        data.pop("read_log")
        data["first_read_ms"] = list(self.first_read_ms)  # as JSON gives it back
        return data


@dataclass(frozen=True)
class Profile:
    """A named storage model, what it stands for, and where each figure comes from."""

    model: StorageModel
    stands_for: str
    sources: tuple[str, ...]


PROFILES: dict[str, Profile] = {
    "local": Profile(
        StorageModel(name="local"),
        "the folder as it is, read directly (no mount, nothing added)",
        ("whatever disk the folder is on",),
    ),
    "original": Profile(
        StorageModel(23.0, name="original", per="open"),
        "the profiled app's slow storage: ~23 ms per first read of a file, no queue limit",
        ("23 ms per open: the profiled app's start-up, 13.7 s over 593 calls on a 591-image folder (~23 ms per first read, "
         "~0.1 ms cached)",),
    ),  # fmt: skip
    "hdd": Profile(
        StorageModel(12.7, name="hdd", per="seek", concurrency=1, bandwidth_mb_s=150.0),
        "a 7,200 rpm hard disk: one head, a seek per open and per non-contiguous read",
        ("12.7 ms per seek: 8.5 ms average read seek plus 4.2 ms average rotational latency (half a turn at "
         "7,200 rpm = 60 s / 7200 / 2), as in 7,200 rpm desktop drive datasheets (e.g. Seagate BarraCuda, "
         "WD Blue: 8.5 ms average seek)",
         "queue depth 1: one actuator serves one request at a time (NCQ reorders a queue, it does not overlap it)",
         "150 MB/s: the sustained transfer rate those datasheets give for 1 TB 7,200 rpm drives"),
    ),  # fmt: skip
    "nfs": Profile(
        StorageModel(0.5, name="nfs", per="request", concurrency=16, bandwidth_mb_s=110.0),
        "an NFS share on a gigabit LAN: one RPC round trip per open and per read, 16 in flight",
        ("0.5 ms per request: a round trip within one data centre or LAN ('Latency numbers every programmer "
         "should know', J. Dean)",
         "16 in flight: the Linux client's default RPC slot table (RPC_DEF_SLOT_TABLE = 16 in "
         "include/linux/sunrpc/xprt.h; sunrpc.tcp_slot_table_entries)",
         "110 MB/s: gigabit Ethernet's 125 MB/s less TCP/IP and RPC framing"),
    ),  # fmt: skip
    "smb": Profile(
        StorageModel(3.0, name="smb", per="request", concurrency=32, bandwidth_mb_s=40.0),
        "an SMB share over home Wi-Fi: one round trip per open and per read, many in flight",
        ("3 ms per request: a typical round trip to a host on the same 802.11ac Wi-Fi network (1-5 ms by ping)",
         "32 in flight: SMB2 credits let a client keep many requests outstanding (MS-SMB2's credit mechanism; "
         "servers grant hundreds)",
         "40 MB/s: real 802.11ac throughput of ~300-400 Mbit/s"),
    ),  # fmt: skip
    "sdcard": Profile(
        StorageModel(0.67, name="sdcard", per="request", concurrency=1, bandwidth_mb_s=10.0),
        "an A1 SD card: flash random reads, one command at a time, slow sequential transfer",
        ("0.67 ms per request: the SD Association's Application Performance Class A1 minimum of 1,500 random "
         "read IOPS (4 KiB)",
         "queue depth 1: SD command queueing arrived only with class A2 and needs host support; card readers "
         "issue one command at a time",
         "10 MB/s: the A1 / Class 10 minimum sustained sequential rate"),
    ),  # fmt: skip
    "usb2": Profile(
        StorageModel(1.0, name="usb2", per="request", concurrency=1, bandwidth_mb_s=35.0),
        "a USB 2 flash drive: Bulk-Only Transport, one command at a time",
        ("1 ms per request: command, data and status stages of a Bulk-Only Transport request on 125 µs "
         "microframes plus the stick's flash access (4 KiB QD1 reads of 4-8 MB/s in common benchmarks)",
         "queue depth 1: USB Mass Storage Bulk-Only Transport has no command queueing (UAS, which queues, "
         "needs USB 3)",
         "35 MB/s: USB 2.0's 480 Mbit/s signalling gives ~35 MB/s of payload in practice"),
    ),  # fmt: skip
}


def profile(name: str) -> StorageModel:
    """The model of profile ``name``; unknown names are a user error."""
    try:
        return PROFILES[name].model
    except KeyError:
        raise ExifbenchError(f"--storage: unknown profile {name!r}: choose from {', '.join(PROFILES)}, or a FILE.toml "
                             "written by exifbench storage measure") from None


def customize(
    model: StorageModel,
    latency_ms: float | None = None,
    concurrency: int | None = None,
    bandwidth_mb_s: float | None = None,
    jitter_ms: float | None = None,
    os_cache: bool | None = None,
) -> StorageModel:
    """``model`` with the given figures replaced (``None`` keeps the profile's)."""
    given: dict[str, Any] = {"latency_ms": latency_ms, "concurrency": concurrency, "bandwidth_mb_s": bandwidth_mb_s,
                             "jitter_ms": jitter_ms, "os_cache": os_cache}  # fmt: skip
    changes = {key: value for key, value in given.items() if value is not None}
    changed = {key for key, value in changes.items() if value != getattr(model, key)}
    name = model.name if not changed - {"os_cache"} else ("custom" if model.name == "local" else f"{model.name}*")
    return replace(model, **changes, name=name)


@dataclass(frozen=True)
class StorageChoice:
    """What the user asked for: a profile (default: ``original`` on the embedded dataset, else ``local``) and overrides."""

    profile: str | None = None
    latency_ms: float | None = None
    concurrency: int | None = None
    bandwidth_mb_s: float | None = None
    jitter_ms: float | None = None
    os_cache: bool | None = None

    def model(self, embedded: bool) -> StorageModel:
        if self.profile is not None and self.profile.endswith(".toml"):  # a measured profile (exifbench storage measure)
            from exifbench.datasets.storage.measure import load_profile

            base = load_profile(self.profile)
        else:
            base = profile(self.profile or ("original" if embedded else "local"))
        return customize(base, self.latency_ms, self.concurrency, self.bandwidth_mb_s, self.jitter_ms, self.os_cache)


LATE_WINDOW = 64
"""How many recent sleeps a compensating :class:`Device` takes the median lateness of."""


class Device:
    """The model as a device serving requests: ``concurrency`` slots, each request holds one while it is charged.

    Thread-safe; lives wherever the requests arrive (the FUSE daemon, or a test). ``charging`` off serves
    every request at once. :meth:`compensate` makes it charge the mount's own cost less, so that what a
    reader sees is the model's delay.
    """

    def __init__(self, model: StorageModel) -> None:
        self.model = model
        self.charging = True
        self._free_at: list[int] | None = [0] * model.concurrency if model.concurrency else None
        """With a queue depth: when each slot's request ends (``perf_counter_ns``), a heap."""
        self._lock = threading.Lock()
        self._last: tuple[str, int] | None = None
        self._opened: set[str] = set()
        self._compensation: tuple[float, float] | None = None
        self._served = [0, 0]  # opens and reads served since the compensation was set
        self._late: deque[float] = deque(maxlen=LATE_WINDOW)
        self.shortened = 0
        """Charges the compensation cut to nothing (the mount's own cost was more than the charge)."""
        self.charged_ms = 0.0
        """Every delay the model charged so far, in ms, before any compensation."""

    def compensate(self, open_ms: float | None, read_ms: float = 0.0) -> None:
        """Charge less by the mount's own cost per open (``open_ms``) and per read request (``read_ms``), measured
        outside (:meth:`~exifbench.datasets.storage.mount.Mount.calibrate`), and sleep less by how late the sleeps so
        far overslept (their median, at most half of what is left to sleep). A model that charges per open takes off its open the cost of the open and of as many
        reads as each open was followed by so far; the others take each request's own cost off its charge.
        ``None``: charge the model's delays as they are (the default)."""
        with self._lock:
            self._compensation = None if open_ms is None else (max(0.0, open_ms), max(0.0, read_ms))
            self._served = [0, 0]
            if open_ms is None:
                self._late.clear()

    def lateness_ms(self) -> list[float]:
        """How late each recent compensated sleep woke, in ms (the last :data:`LATE_WINDOW`)."""
        with self._lock:
            return list(self._late)

    def open(self, path: str) -> None:
        """Charge opening ``path`` (with the OS cache on, only its first open is charged)."""
        if self.model.os_cache:
            with self._lock:
                first = path not in self._opened
                self._opened.add(path)
            if not first:
                return
        self._serve(lambda: self.model.delay_ms(path), (path, 0), 0)

    def read(self, path: str, offset: int, size: int) -> None:
        """Charge reading ``size`` bytes of ``path`` at ``offset``."""

        def cost() -> float:
            charged = self.model.per == "request" or (self.model.per == "seek" and self._last != (path, offset))
            return (self.model.delay_ms(path, str(offset)) if charged else 0.0) + self.model.transfer_ms(size)

        self._serve(cost, (path, offset + size), 1)

    def forget(self) -> None:
        """Start over as if nothing was opened yet (the OS cache was just dropped)."""
        with self._lock:
            self._opened.clear()
            self._last = None

    def _taken_ms(self, kind: int) -> float:
        """What the compensation takes off a request of ``kind`` (0 an open, 1 a read); under the lock."""
        if self._compensation is None:
            return 0.0
        open_ms, read_ms = self._compensation
        if self.model.per != "open":
            return (open_ms, read_ms)[kind]
        opens, reads = self._served
        return open_ms + read_ms * (reads / opens if opens else 1.0) if kind == 0 else 0.0

    def _serve(self, cost: Any, position: tuple[str, int], kind: int) -> None:
        """Serve one request: with a queue depth, in the earliest slot free (each slot busy for the request's whole
        delay, so the device never serves more than it could); the reply goes when the delay ends, less what
        the compensation takes off (the reply only: the slot stays busy for the whole delay)."""
        if not self.charging or not self.model.charges:
            return
        begin = time.perf_counter_ns()
        with self._lock:
            delay = cost()
            self._last = position
            self.charged_ms += max(0.0, delay)
            compensated = self._compensation is not None
            taken = self._taken_ms(kind)
            self._served[kind] += 1
            late_ms = sorted(self._late)[len(self._late) // 2] if self._late else 0.0
            start = begin
            if self._free_at is not None:
                start = max(begin, heapq.heappop(self._free_at))
                heapq.heappush(self._free_at, start + int(max(0.0, delay) * 1e6))
        end = start + int(max(0.0, delay) * 1e6)
        if not compensated:
            if self._free_at is None:
                if delay > 0:
                    time.sleep(delay / 1000)
            elif (wait := end - time.perf_counter_ns()) > 0:
                time.sleep(wait / 1e9)
            return
        remaining = end - int(taken * 1e6) - time.perf_counter_ns()
        if remaining <= 0:
            if delay > 0:
                with self._lock:
                    self.shortened += 1
            return
        asked = remaining - min(int(late_ms * 1e6), remaining // 2)  # always a sleep, so lateness stays measured
        slept = time.perf_counter_ns()
        time.sleep(asked / 1e9)
        woke = time.perf_counter_ns()
        with self._lock:
            self._late.append((woke - slept - asked) / 1e6)


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


def read_heads_ms(paths: list[str]) -> list[float]:
    """Milliseconds to open, read the first 64 KiB (where EXIF lives) of, and close each file."""
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
    cold = sorted(read_heads_ms(chosen))
    warm = sorted(read_heads_ms(chosen))
    cold_ms = cold[len(cold) // 2] if cold else 0.0
    warm_ms = warm[len(warm) // 2] if warm else 0.0
    return {
        "files": len(chosen),
        "evicted": evicted,
        "cold_median_ms": round(cold_ms, 4),
        "warm_median_ms": round(warm_ms, 4),
        "measurably_slower": bool(warm_ms and cold_ms >= 1.5 * warm_ms),
    }
