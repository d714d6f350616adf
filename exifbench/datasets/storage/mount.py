"""Mounting a dataset folder through the storage model: the daemon's whole life, on every exit path.

``with mounted(src, model) as mount:`` starts :mod:`exifbench.datasets.storage.daemon` in a
process (and session) of its own, waits until the read-only pass-through is mounted in a
fresh temporary directory, and on leaving — normally, on an exception, Ctrl-C or SIGTERM
turned into one — unmounts it, ends the daemon and removes the directory. If the measuring
process is killed instead, the daemon sees its stdin close and unmounts itself; a mount
left behind anyway (both killed) is found and cleaned by :func:`clean_stale` the next time.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import errno
import json
import os
import re
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Protocol

from exifbench.datasets.folder import Folder
from exifbench.datasets.storage.io import IoCounts
from exifbench.datasets.storage.model import HEAD_BYTES, StorageModel, evict
from exifbench.errors import ExifbenchError
from exifbench.processes import running

PREFIX = "exifbench-mount-"
CALIBRATION_BUDGET_MS = 1500.0
"""At most this much modelled delay is spent measuring the mount's own cost (:meth:`Mount.calibrate`)."""
CALIBRATION_MIN_READS = 8
FS_TYPE = "fuse.exifbench"
READY_TIMEOUT_S = 15.0
EXIT_TIMEOUT_S = 5.0


class StorageFailed(ExifbenchError):
    """The storage daemon died or stopped answering; ``runs`` keeps what was measured before (set by the harness)."""

    runs: Any = None


def fuse_problem() -> str | None:
    """Why FUSE cannot be used here (one line), or ``None`` when it can."""
    if sys.platform == "darwin":
        if not Path("/Library/Filesystems/macfuse.fs").exists():
            return "FUSE is not available: install macFUSE (https://osxfuse.github.io)"
    elif not Path("/dev/fuse").exists():
        return "FUSE is not available: /dev/fuse is missing (in a container, run it with --device /dev/fuse)"
    if sys.platform != "darwin" and not _unmounter():
        return "FUSE is not available: fusermount3 is missing (Debian/Ubuntu: apt-get install fuse3)"
    if not (ctypes.util.find_library("fuse3") or ctypes.util.find_library("fuse")):
        return "FUSE is not available: libfuse is missing (Debian/Ubuntu: apt-get install fuse3)"
    return None


def _unmounter() -> str | None:
    return shutil.which("fusermount3") or shutil.which("fusermount")


def unmount(mountpoint: str | Path, lazy: bool = False) -> bool:
    """Unmount ``mountpoint`` (``lazy``: detach now even if busy); ``True`` if it is no longer mounted."""
    tool = _unmounter()
    if tool:
        command = [tool, "-u", *(["-z"] if lazy else []), str(mountpoint)]
    else:
        command = ["umount", *(["-f"] if lazy else []), str(mountpoint)]
    subprocess.run(command, capture_output=True, check=False)
    return not is_mounted(mountpoint)


def mounts() -> list[tuple[str, str, str]]:
    """``(source, mountpoint, type)`` of every mount, from ``/proc/self/mounts`` (empty where there is none)."""
    try:
        lines = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 3:
            found.append((_unescape(fields[0]), _unescape(fields[1]), fields[2]))
    return found


def _unescape(text: str) -> str:
    """``/proc/mounts`` writes space, tab, newline and backslash as octal escapes (``\\040``)."""
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), text)


def is_mounted(mountpoint: str | Path) -> bool:
    target = os.path.realpath(mountpoint)
    return any(point == target for _, point, _ in mounts())


def clean_stale() -> list[str]:
    """Unmount exifbench mounts whose run is gone (or whose daemon is dead) and remove their directories."""
    cleaned = []
    for source, point, kind in mounts():
        if kind != FS_TYPE:
            continue
        owner = source.partition(":")[2]
        dead_daemon = False
        try:
            os.stat(point)
        except OSError as error:  # only ENOTCONN means the daemon is gone: EACCES is another user's live mount
            dead_daemon = error.errno == errno.ENOTCONN
        if not dead_daemon and owner.isdigit() and running(int(owner)):
            continue
        if unmount(point, lazy=True):
            cleaned.append(point)
    for leftover in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        owner = leftover.name[len(PREFIX):].partition("-")[0]
        if owner.isdigit() and not running(int(owner)) and not is_mounted(leftover / "mnt"):
            with contextlib.suppress(OSError):  # only empty mount points are removed, never data
                (leftover / "mnt").rmdir()
                leftover.rmdir()
    return cleaned


@dataclass(frozen=True)
class Cost:
    """One distribution of what the mount adds, in µs: its median and 90th percentile over ``n`` samples."""

    median_us: float = 0.0
    p90_us: float = 0.0
    n: int = 0

    @classmethod
    def of(cls, samples_us: list[float]) -> Cost:
        if not samples_us:
            return cls()
        ordered = sorted(samples_us)
        return cls(round(statistics.median(ordered), 1), round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1),
                   len(ordered))  # fmt: skip

    def to_dict(self) -> dict[str, float | int]:
        return {"median_us": self.median_us, "p90_us": self.p90_us, "n": self.n}


@dataclass(frozen=True)
class Overhead:
    """What the mount itself adds to one file read (open, 64 KiB read, close) beyond what the model charged.

    Measured on sample files through the charging mount against the same calls on the plain folder:
    ``file`` is the whole read, ``open``, ``read`` and ``close`` each call's share. ``open_us`` and
    ``read_us`` are what the daemon was told to take off each open and each read request (from their
    medians); 0 when it was not told.
    """

    file: Cost = field(default_factory=Cost)
    open: Cost = field(default_factory=Cost)
    read: Cost = field(default_factory=Cost)
    close: Cost = field(default_factory=Cost)
    reads_per_call: float = 1.0
    """Read requests the daemon served per 64 KiB read call (the kernel may split one)."""
    open_us: float = 0.0
    read_us: float = 0.0

    @property
    def median_us(self) -> float:
        return self.file.median_us

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file.to_dict(), "open": self.open.to_dict(), "read": self.read.to_dict(),
                "close": self.close.to_dict(), "reads_per_call": self.reads_per_call, "open_us": self.open_us,
                "read_us": self.read_us}  # fmt: skip


class Mounted(Protocol):
    """What a replay needs of a mount: :class:`Mount` (which owns its daemon) or :class:`Borrowed`."""

    def folder(self, folder: Folder) -> Folder: ...
    def check(self) -> None: ...
    def counts(self) -> dict[str, list[int]]: ...
    def drop_cache(self, paths: list[str]) -> None: ...
    def calibrate(self, relative: list[str], rounds: int = 1) -> Overhead: ...


@dataclass(frozen=True)
class Borrowed:
    """A mount another process owns and keeps (``run --launches``: the parent's, reused by every launch).

    Reads go through it; its daemon's counts, health, cache and compensation stay with the owner: here they
    are empty or no-ops, and the owner fills them in (``calibrate`` answers the owner's measurement).
    """

    mountpoint: Path
    measured: Overhead = field(default_factory=Overhead)

    def folder(self, folder: Folder) -> Folder:
        return Folder(self.mountpoint, list(folder.files), list(folder.skipped))

    def check(self) -> None:
        """The owner checks the daemon."""

    def counts(self) -> dict[str, list[int]]:
        return {}

    def drop_cache(self, paths: list[str]) -> None:
        """The owner drops the cache before the launch."""

    def calibrate(self, relative: list[str], rounds: int = 1) -> Overhead:
        return self.measured


@dataclass
class Mount:
    """A mounted pass-through of ``source`` at ``mountpoint``, served by ``process``."""

    source: Path
    mountpoint: Path
    model: StorageModel
    process: subprocess.Popen[str]
    stderr: IO[str]
    made: Path | None = None
    """The temporary directory :func:`mount` made for the mount point, removed on close; ``None`` for a given MNT."""
    _closed: bool = field(default=False, repr=False)

    def folder(self, folder: Folder) -> Folder:
        """``folder`` as seen through the mount (same files, root at the mount point)."""
        return Folder(self.mountpoint, list(folder.files), list(folder.skipped))

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def check(self) -> None:
        """Raise :class:`StorageFailed` if the daemon is gone."""
        if not self.alive:
            raise StorageFailed(f"the storage daemon for {self.source} died (exit {self.process.returncode})"
                                f"{self._last_words()}: reads through {self.mountpoint} failed")  # fmt: skip

    def command(self, line: str) -> str:
        """Send one control line and return the answer."""
        self.check()
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        except (BrokenPipeError, OSError):
            answer = ""
        if not answer:
            self.process.wait(EXIT_TIMEOUT_S)
            self.check()
            raise StorageFailed(f"the storage daemon for {self.source} stopped answering")
        return answer.strip()

    def counts(self) -> dict[str, list[int]]:
        """Cumulative ``{relative path: [opens, read requests, bytes]}`` since the mount."""
        data: dict[str, list[int]] = json.loads(self.command("stats"))
        return data

    def charging(self, on: bool) -> None:
        self.command("charging on" if on else "charging off")

    def drop_cache(self, paths: list[str]) -> None:
        """Evict mounted ``paths`` from the OS cache, uncharged, and charge first opens again."""
        self.charging(False)
        try:
            evict(paths)
        finally:
            self.charging(True)
        self.command("forget")

    def overhead(self, relative: list[str], rounds: int = 1) -> Overhead:
        """The mount's own cost (:class:`Overhead`), measured as a loader's read is: each of the ``relative`` files
        opened, read (64 KiB) and closed through the charging mount, each call timed less what the model charged
        during it and less the same call on the plain folder. The daemon's sleeps are corrected for their own
        lateness meanwhile (``compensate 0 0``): what is measured is the rest — requests, wake-ups, copies."""
        samples: dict[str, list[float]] = {"file": [], "open": [], "read": [], "close": []}
        charged: list[float] = []

        def note_charged() -> None:
            charged.append(float(self.command("charged")))

        self.command("compensate 0 0")
        before = IoCounts.of(self.counts())
        for _ in range(rounds):
            for rel in relative:
                charged.clear()
                note_charged()
                through = _timed_read(str(self.mountpoint / rel), note_charged)
                plain = _timed_read(str(self.source / rel))
                if through is None or plain is None or len(charged) != 3:
                    continue
                took = [charged[1] - charged[0], charged[2] - charged[1], 0.0]
                costs = [(mounted - direct - model) * 1000 for mounted, direct, model in zip(through, plain, took, strict=True)]
                for name, cost in zip(("open", "read", "close"), costs, strict=True):
                    samples[name].append(cost)
                samples["file"].append(sum(costs))
        requests = (IoCounts.of(self.counts()) - before).total("reads")
        per_call = requests / len(samples["read"]) if samples["read"] and requests else 1.0
        return Overhead(Cost.of(samples["file"]), Cost.of(samples["open"]), Cost.of(samples["read"]), Cost.of(samples["close"]),
                        reads_per_call=round(per_call, 2))  # fmt: skip

    def calibrate(self, relative: list[str], rounds: int = 1) -> Overhead:
        """Measure :meth:`overhead` and have the daemon charge that much less from now on (:meth:`compensate`).

        The charged reads cost the model's delay each: as many of ``relative`` as fit in
        :data:`CALIBRATION_BUDGET_MS` are read; when fewer than :data:`CALIBRATION_MIN_READS` fit (seconds per
        read, where the mount's fraction of a millisecond hardly matters), all are read uncharged instead."""
        charge = self.model.head_read_ms()
        affordable = len(relative) if charge <= 0 else int(CALIBRATION_BUDGET_MS / (charge * rounds))
        if affordable >= min(len(relative), CALIBRATION_MIN_READS):
            return self.compensate(self.overhead(relative[:affordable], rounds))
        self.charging(False)
        try:
            measured = self.overhead(relative, rounds)
        finally:
            self.charging(True)
        return self.compensate(measured)

    def compensate(self, overhead: Overhead | None) -> Overhead:
        """Tell the daemon to take ``overhead`` off its charges: the median open (with the close) off each open, the
        median read off each read request (see :meth:`~exifbench.datasets.storage.model.Device.compensate`);
        ``overhead`` with what was taken. ``None``: charge the model's delays as they are again. Each call's
        median, not the whole read's: under load one slow call in a read moves the whole read's median, not theirs."""
        if overhead is None:
            self.command("compensate off")
            return Overhead()
        open_us = max(0.0, overhead.open.median_us + overhead.close.median_us)
        read_us = max(0.0, overhead.read.median_us / max(1.0, overhead.reads_per_call))
        self.command(f"compensate {open_us / 1000:.6f} {read_us / 1000:.6f}")
        return replace(overhead, open_us=round(open_us, 1), read_us=round(read_us, 1))

    def lateness(self) -> dict[str, Any]:
        """How late the daemon's recent compensated sleeps woke (``late_ms``) and how many charges it cut to nothing."""
        data: dict[str, Any] = json.loads(self.command("lateness"))
        return data

    def close(self) -> None:
        """Unmount, end the daemon (politely, then by force) and remove the temporary directory."""
        if self._closed:
            return
        self._closed = True
        if is_mounted(self.mountpoint) and not unmount(self.mountpoint):
            unmount(self.mountpoint, lazy=True)
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if is_mounted(self.mountpoint):  # the daemon died and left the mount
            unmount(self.mountpoint, lazy=True)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.stderr.close()
        if self.made is not None and not is_mounted(self.mountpoint):  # only what mount() made, and only empty
            with contextlib.suppress(OSError):
                self.mountpoint.rmdir()
                self.made.rmdir()

    def _last_words(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self.stderr.seek(0)
            lines = [line.strip() for line in self.stderr.read().splitlines() if line.strip()]
            useful = [line for line in lines if "max threads" not in line]
            fuse_says = [line for line in useful if line.startswith(("fuse:", "fusermount"))]  # libfuse's own reason
            if useful:
                return f" ({(fuse_says or useful)[-1][:200]})"
        return ""


def _timed_read(path: str, between: Callable[[], None] | None = None) -> tuple[float, float, float] | None:
    """Milliseconds to open ``path``, read its first 64 KiB and close it (``between`` runs untimed after the open
    and after the read); ``None`` if it cannot be read."""
    try:
        begin = time.perf_counter_ns()
        fd = os.open(path, os.O_RDONLY)
        opened = time.perf_counter_ns()
        if between is not None:
            between()
        try:
            start = time.perf_counter_ns()
            os.read(fd, HEAD_BYTES)
            read = time.perf_counter_ns()
            if between is not None:
                between()
        finally:
            closing = time.perf_counter_ns()
            os.close(fd)
            closed = time.perf_counter_ns()
    except OSError:
        return None
    return (opened - begin) / 1e6, (read - start) / 1e6, (closed - closing) / 1e6


def mount(source: str | Path, model: StorageModel, mountpoint: str | Path | None = None) -> Mount:
    """Mount ``source`` read-only through ``model`` (at a fresh temporary directory unless given); wait until ready."""
    problem = fuse_problem()
    if problem:
        raise ExifbenchError(problem)
    clean_stale()
    source = Path(source).resolve()
    if not source.is_dir():
        raise ExifbenchError(f"{source}: not a directory")
    made = None
    if mountpoint is None:
        made = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        point = made / "mnt"
        point.mkdir()
    else:
        point = Path(mountpoint).resolve()
        if not point.is_dir():
            raise ExifbenchError(f"{mountpoint}: the mount point must be an existing directory")
        if is_mounted(point):
            raise ExifbenchError(f"{mountpoint}: something is already mounted there")
        if any(point.iterdir()):
            raise ExifbenchError(f"{mountpoint}: the mount point must be empty (the mount would hide what is there)")
    stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
    process = subprocess.Popen(
        [sys.executable, "-m", "exifbench.datasets.storage.daemon", str(source), str(point), json.dumps(model.to_dict())],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True,
        start_new_session=True,  # Ctrl-C in the terminal reaches the run, which unmounts; never the daemon directly
    )  # fmt: skip
    handle = Mount(source, point, model, process, stderr, made)
    if not _wait_ready(handle):
        reason = handle._last_words() or " (no message)"
        handle.close()
        raise ExifbenchError(f"{source}: the FUSE mount at {point} failed{reason}")
    return handle


def _wait_ready(handle: Mount) -> bool:
    assert handle.process.stdout is not None
    deadline = time.monotonic() + READY_TIMEOUT_S
    with selectors.DefaultSelector() as selector:
        selector.register(handle.process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                return handle.process.stdout.readline().strip() == "ready"
            if handle.process.poll() is not None:
                return False
    return False


@contextlib.contextmanager
def mounted(source: str | Path, model: StorageModel, mountpoint: str | Path | None = None) -> Iterator[Mount]:
    """:func:`mount`, unmounted and cleaned up however the block is left."""
    handle = mount(source, model, mountpoint)
    try:
        yield handle
    finally:
        handle.close()
