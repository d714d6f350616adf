"""The FUSE daemon: a read-only pass-through of one folder that charges the storage model and counts I/O.

Run by :mod:`exifbench.datasets.storage.mount` in a process of its own (never sharing the
measured process's GIL) as ``python -m exifbench.datasets.storage.daemon SOURCE MOUNTPOINT MODEL_JSON``.
Built on mfusepy (ctypes over libfuse 3, multi-threaded loop): every open and every
read request reaches :class:`~exifbench.datasets.storage.model.Device`, which charges it;
files are opened ``direct_io`` so the page cache never answers for the model (with the
model's ``os_cache`` on they are opened ``keep_cache`` instead and re-reads are served
by the kernel).

Control protocol, one line each way on stdin/stdout: the daemon prints ``ready`` once
mounted; ``stats`` answers a JSON object ``{relative path: [opens, reads, bytes]}``;
``charging on|off``, ``forget``, ``compensate OPEN_MS READ_MS`` and ``compensate off`` (see
:meth:`~exifbench.datasets.storage.model.Device.compensate`) answer ``ok``; ``charged`` answers
the milliseconds the model charged so far (before compensation); ``lateness`` answers
a JSON object: how late the recent compensated sleeps woke (ms) and how many charges the
compensation cut to nothing. End of stdin (the parent closed it, or died) unmounts and exits,
so a killed run never leaves a daemon behind.

The daemon asks Linux for a timer slack of 1 ns (``prctl``): its sleeps are the model's delays,
and the default slack lets each wake up to 50 µs late.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import stat
import subprocess
import sys
import threading
from typing import Any

import mfusepy  # type: ignore[import-untyped]

from exifbench.datasets.storage.model import Device, StorageModel

STAT_KEYS = ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size", "st_atime", "st_mtime", "st_ctime")
MAX_THREADS = 128
"""libfuse worker threads: above any queue depth or worker count exifbench runs with."""


class PassThrough(mfusepy.Operations):  # type: ignore[misc]
    """Read-only view of ``source``: every open and read charged by ``device`` and counted per file."""

    use_ns = True

    def __init__(self, source: str, device: Device, on_ready: Any) -> None:
        self.source = os.path.realpath(source)
        self.device = device
        self.counts: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._on_ready = on_ready

    def _full(self, path: str) -> str:
        return os.path.join(self.source, path.lstrip("/"))

    def init(self, path: str) -> None:
        self._on_ready()

    def getattr(self, path: str, fh: Any = None) -> dict[str, Any]:
        st = os.stat(self._full(path))
        attrs = {key: getattr(st, key) for key in STAT_KEYS}
        attrs.update(st_atime=st.st_atime_ns, st_mtime=st.st_mtime_ns, st_ctime=st.st_ctime_ns)
        attrs["st_mode"] = stat.S_IFMT(st.st_mode) | (stat.S_IMODE(st.st_mode) & 0o555)
        return attrs

    def readdir(self, path: str, fh: int) -> list[str]:
        return [".", "..", *os.listdir(self._full(path))]

    def access(self, path: str, amode: int) -> int:
        if amode & os.W_OK:
            raise mfusepy.FuseOSError(errno.EROFS)
        if not os.access(self._full(path), amode):
            raise mfusepy.FuseOSError(errno.EACCES)
        return 0

    def open(self, path: str, fi: Any) -> int:
        if fi.flags & (os.O_WRONLY | os.O_RDWR):
            raise mfusepy.FuseOSError(errno.EROFS)
        fi.fh = os.open(self._full(path), os.O_RDONLY)
        fi.direct_io = 0 if self.device.model.os_cache else 1
        fi.keep_cache = 1 if self.device.model.os_cache else 0
        self._count(path, 0, 0, opens=1)
        self.device.open(path)
        return 0

    def read(self, path: str, size: int, offset: int, fi: Any) -> bytes:
        data = os.pread(fi.fh, size, offset)
        self._count(path, 1, len(data))
        self.device.read(path, offset, len(data))
        return data

    def release(self, path: str, fi: Any) -> int:
        os.close(fi.fh)
        return 0

    def statfs(self, path: str) -> dict[str, int]:
        st = os.statvfs(self.source)
        return {key: getattr(st, key) for key in ("f_bsize", "f_frsize", "f_blocks", "f_bfree", "f_bavail",
                                                   "f_files", "f_ffree", "f_namemax")}  # fmt: skip

    def _count(self, path: str, reads: int, size: int, opens: int = 0) -> None:
        with self._lock:
            entry = self.counts.setdefault(path.lstrip("/"), [0, 0, 0])
            entry[0] += opens
            entry[1] += reads
            entry[2] += size

    def snapshot(self) -> dict[str, list[int]]:
        with self._lock:
            return {path: list(entry) for path, entry in self.counts.items()}


def serve_control(ops: PassThrough, mountpoint: str, say: Any) -> None:
    """Answer the parent's commands until its end of stdin closes, then unmount."""
    for line in sys.stdin:
        command = line.strip()
        if command == "stats":
            say(json.dumps(ops.snapshot(), separators=(",", ":")))
        elif command in ("charging on", "charging off"):
            ops.device.charging = command == "charging on"
            say("ok")
        elif command == "forget":
            ops.device.forget()
            say("ok")
        elif command == "compensate off":
            ops.device.compensate(None)
            say("ok")
        elif command.startswith("compensate "):
            try:
                open_ms, read_ms = (float(part) for part in command.split()[1:])
            except ValueError:
                say(f"error bad command {command!r}")
                continue
            ops.device.compensate(open_ms, read_ms)
            say("ok")
        elif command == "charged":
            say(json.dumps(ops.device.charged_ms))
        elif command == "lateness":
            say(json.dumps({"late_ms": ops.device.lateness_ms(), "shortened": ops.device.shortened}))
        else:
            say(f"error unknown command {command!r}")
    subprocess.run(["fusermount3", "-u", "-z", mountpoint], capture_output=True, check=False)


PR_SET_TIMERSLACK = 29


def tight_timers() -> None:
    """Ask for 1 ns of timer slack (Linux; elsewhere nothing): a sleep then wakes when asked, not up to 50 µs later."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)
    except (OSError, AttributeError):
        return


def main(argv: list[str]) -> int:
    source, mountpoint, model_json = argv
    tight_timers()
    model = StorageModel(**json.loads(model_json))
    out = threading.Lock()

    def say(text: str) -> None:
        with out:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

    ops = PassThrough(source, Device(model), lambda: say("ready"))
    threading.Thread(target=serve_control, args=(ops, mountpoint, say), name="control", daemon=True).start()
    try:
        mfusepy.FUSE(ops, mountpoint, raw_fi=True, foreground=True, ro=True, default_permissions=True,
                     remember=-1,  # keep every node: a file's inode number stays the same for the mount's life
                     fsname=f"exifbench:{os.getppid()}", subtype="exifbench", max_threads=MAX_THREADS)  # fmt: skip
    except RuntimeError as error:  # libfuse's status only (`4`): fusermount3 already wrote the reason to stderr
        sys.stderr.write(f"libfuse gave up (status {error})\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
