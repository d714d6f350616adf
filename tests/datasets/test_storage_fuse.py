"""The storage model as a real FUSE mount: pass-through, direct I/O, queue depth, I/O counts, every unmount path.

These need FUSE (Debian's fuse3, installed by the Makefile) and fail when it is missing: CI runs them for real.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from exifbench.datasets.folder import scan
from exifbench.errors import ExifbenchError
from exifbench.datasets.storage.mount import FS_TYPE, PREFIX, Mount, StorageFailed, clean_stale, fuse_problem, is_mounted, mounted, mounts
from exifbench.datasets.storage.model import StorageModel, read_heads_ms
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.harness.leaks import Watch
from tests.slow_daemon import EXTRA_MS

GENEROUS_S = 30.0  # an upper bound against hangs only
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fuse_here() -> None:
    assert fuse_problem() is None, f"{fuse_problem()} — make test installs fuse3"


def _daemons(mountpoint: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "exifbench.datasets.storage.daemon" in cmdline and str(mountpoint) in cmdline:
            found.append(process)
    return found


def _gone(mountpoint: Path, keep_dir: bool = False) -> bool:
    """Unmounted, no daemon serving it, its temporary directory removed (waits a little for a daemon to exit)."""
    deadline = time.monotonic() + 10
    while (is_mounted(mountpoint) or _daemons(mountpoint)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not is_mounted(mountpoint) and not _daemons(mountpoint) and (keep_dir or not mountpoint.parent.exists())


def _read_all(paths: list[Path]) -> None:
    for path in paths:
        path.read_bytes()


def test_pass_through_is_read_only_and_counts_every_byte(corpus_copy: Path) -> None:
    names = sorted(p.name for p in corpus_copy.iterdir())
    with mounted(corpus_copy, StorageModel()) as mount:
        assert sorted(os.listdir(mount.mountpoint)) == names
        for name in names:
            assert (mount.mountpoint / name).read_bytes() == (corpus_copy / name).read_bytes()
        with pytest.raises(OSError):
            (mount.mountpoint / names[0]).write_bytes(b"x")
        _read_all([mount.mountpoint / names[0]])  # direct I/O: a second read reaches the daemon again
        counts = mount.counts()
    for name in names:
        opens, reads, size = counts[name]
        assert opens == (2 if name == names[0] else 1) and reads >= 1
        assert size == (corpus_copy / name).stat().st_size * opens


def test_os_cache_mode_serves_rereads_from_the_kernel(corpus_copy: Path) -> None:
    name = sorted(p.name for p in corpus_copy.iterdir())[0]
    with mounted(corpus_copy, StorageModel(os_cache=True)) as mount:
        _read_all([mount.mountpoint / name] * 3)
        opens, _, size = mount.counts()[name]
    assert opens == 3 and size == (corpus_copy / name).stat().st_size


@pytest.mark.parametrize("depth", [1, 4])
def test_queue_depth_through_the_mount(corpus_copy: Path, depth: int) -> None:
    """Depth 1: N opens take N × latency whatever the threads; depth 4: about N/4 of that."""
    latency_ms, files = 150.0, sorted(corpus_copy.iterdir())[:8]  # long enough that a loaded machine's delays stay small beside it
    with mounted(corpus_copy, StorageModel(latency_ms, concurrency=depth)) as mount:
        threads = [threading.Thread(target=_read_all, args=([mount.mountpoint / f.name],)) for f in files]
        begin = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - begin
    serial = len(files) * latency_ms / 1000
    assert elapsed >= 0.9 * serial / depth
    if depth > 1:
        assert elapsed <= serial / 1.6  # well under the serial time: requests did overlap


def test_compensation_brings_a_read_through_the_mount_closer_to_the_model(corpus_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The daemon takes its own measured cost off its charges: a file read through the mount then takes the modelled
    delay more than the plain read, where without it takes that plus the mount's cost. The mount here is made slow
    (4 ms per read request, ``tests/slow_daemon.py``) so that its cost stands well above a loaded machine's noise."""
    real_popen = subprocess.Popen

    def slow_daemon(command: list[str], *args: Any, **kwargs: Any) -> Any:
        command = [part if part != "exifbench.datasets.storage.daemon" else "tests.slow_daemon" for part in command]
        return real_popen(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", slow_daemon)
    latency_ms, files = 8.0, sorted(p.name for p in corpus_copy.iterdir())[:8]
    excess: dict[bool, list[float]] = {False: [], True: []}
    with mounted(corpus_copy, StorageModel(latency_ms)) as mount:
        overhead = mount.calibrate(files, rounds=3)
        assert overhead.file.n == 3 * len(files) and overhead.reads_per_call == 1 and overhead.read_us >= 0.75 * EXTRA_MS * 1000  # the slow reads were measured
        for round_ in range(2):
            for index, name in enumerate(files):  # interleaved: the machine's load hits both alike
                on = (index + round_) % 2 == 1
                mount.compensate(overhead if on else None)
                through, plain = read_heads_ms([str(mount.mountpoint / name)]), read_heads_ms([str(corpus_copy / name)])
                excess[on].append(through[0] - plain[0] - latency_ms)
    without, with_ = statistics.median(excess[False]), statistics.median(excess[True])
    assert without >= 0.75 * EXTRA_MS  # the mount's cost comes on top of the charge
    assert abs(with_) < 0.5 * without, (with_, without)  # and is taken off it


def test_a_model_of_seconds_per_read_is_calibrated_uncharged(corpus_copy: Path) -> None:
    """At 5 s per read, measuring the mount through charged reads would cost 5 s a file: they are read uncharged."""
    files = sorted(p.name for p in corpus_copy.iterdir())[:4]
    with mounted(corpus_copy, StorageModel(5000.0)) as mount:
        overhead = mount.calibrate(files)
        assert float(mount.command("charged")) == 0.0 and overhead.file.n == len(files)


def test_user_loader_without_reader_pays_like_sync(corpus_copy: Path) -> None:
    config = BenchConfig(["sync", "tests.user_loaders:DictLoader"], storage=StorageModel(20.0), storage_via="fuse")
    sync, mine = run_bench(config, scan(corpus_copy), startup_pattern(images=12, page=12)).runs
    assert mine.config.storage_charged and mine.config.storage_via == "fuse"
    assert sync.equal and mine.equal
    assert mine.blocking.total_s >= 0.8 * sync.blocking.total_s >= 0.8 * 12 * 0.020
    assert mine.io == sync.io and all(opens == 1 for opens, _, _ in sync.io.files.values())
    measured = sync.environment["fuse_overhead"]  # the mount's own cost, measured on the run's files, taken off its charges
    assert measured["file"]["n"] >= 12 and measured["file"]["p90_us"] >= measured["file"]["median_us"]
    assert measured["open_us"] >= 0 and sync.environment["fuse_overhead_us"] == measured["file"]["median_us"]


def test_io_counts_are_identical_across_repeats_and_extractors_differ(corpus_copy: Path) -> None:
    config = BenchConfig(["sync"], repeat=5, extractors=("pillow", "fastpath"), storage_via="fuse")
    runs = run_bench(config, scan(corpus_copy), startup_pattern(images=20, page=20)).runs
    pillow = [run.io for run in runs if run.strategy == "sync"]
    fast = [run.io for run in runs if run.strategy == "sync+fastpath"]
    assert len(pillow) == len(fast) == 5 and None not in pillow + fast
    assert all(io == pillow[0] for io in pillow) and all(io == fast[0] for io in fast)
    assert pillow[0].total("bytes") > 0 and fast[0].total("bytes") > 0 and fast[0] != pillow[0]
    # each read exactly its header (no 16 KiB first read, no second read of a file): never more than Pillow
    assert fast[0].total("bytes") <= pillow[0].total("bytes") and fast[0].total("reads") <= pillow[0].total("reads"), (fast[0], pillow[0])


def test_in_process_fallback_marks_loaders_without_reader(corpus_copy: Path) -> None:
    config = BenchConfig(["sync", "tests.user_loaders:DictLoader"], storage=StorageModel(1.0))
    sync, mine = run_bench(config, scan(corpus_copy), startup_pattern(images=6, page=6)).runs
    assert sync.config.storage_via == "in-process" and sync.config.storage_charged
    assert not mine.config.storage_charged and mine.io is None


# --- every way out unmounts ------------------------------------------------------------------------------


def test_normal_exit_and_exception_unmount_and_leave_no_daemon(corpus_copy: Path) -> None:
    with Watch(settle_s=2.0) as watch:
        with mounted(corpus_copy, StorageModel(1.0)) as mount:
            assert is_mounted(mount.mountpoint) and len(_daemons(mount.mountpoint)) == 1
    assert _gone(mount.mountpoint) and not watch.usage.leaked_children
    with pytest.raises(RuntimeError):
        with mounted(corpus_copy, StorageModel(1.0)) as failing:
            raise RuntimeError("user error inside the block")
    assert _gone(failing.mountpoint)


def _my_mounts() -> list[str]:
    """exifbench mounts made by this process (other runs on the machine may have theirs)."""
    return [point for _, point, kind in mounts() if kind == FS_TYPE and f"{PREFIX}{os.getpid()}-" in point]


def test_loader_crash_unmounts(corpus_copy: Path) -> None:
    config = BenchConfig(["tests.datasets.test_storage_fuse:CrashingLoader"], storage=StorageModel(1.0), storage_via="fuse",
                         on_loader_error="strategy")  # fmt: skip
    runs = run_bench(config, scan(corpus_copy), startup_pattern(images=6, page=6))
    assert [failure.error for failure in runs.failed] == [f"load_exif({scan(corpus_copy).paths[0]!r}) raised RuntimeError: loader bug"]
    assert not _my_mounts()


class CrashingLoader:
    """A user's loader with a bug: raises on its first call."""

    def load_exif(self, path: str, blocking: bool = False) -> None:
        raise RuntimeError("loader bug")

    def preload(self, paths: object, priority: object = None) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> CrashingLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class DaemonKiller(CrashingLoader):
    """Kills the storage daemon serving the run (as a crash would) on its first call, then reads on, answering ``{}``
    (a final answer: the drain does not wait out its deadline for a better one)."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[int, object]:
        for process in psutil.Process().children(recursive=True):
            try:
                daemon = "exifbench.datasets.storage.daemon" in process.cmdline()
            except psutil.Error:  # another child exited meanwhile (a zombie or gone): not the daemon
                continue
            if daemon:
                process.kill()
                process.wait(GENEROUS_S)
        try:
            Path(path).read_bytes()
        except OSError:
            pass
        return {}


def test_daemon_crash_is_a_clear_error_keeping_finished_runs(corpus_copy: Path) -> None:
    config = BenchConfig(["sync", "tests.datasets.test_storage_fuse:DaemonKiller"], storage=StorageModel(1.0),
                         storage_via="fuse")  # fmt: skip
    with pytest.raises(StorageFailed, match="storage daemon .* died") as failed:
        run_bench(config, scan(corpus_copy), startup_pattern(images=6, page=6))
    kept = failed.value.runs
    assert [run.strategy for run in kept.runs] == ["sync"] and not kept.complete
    assert not _my_mounts()


HOLDER = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C raises KeyboardInterrupt even if the suite's launcher ignores it
from exifbench.datasets.storage.mount import mounted
from exifbench.datasets.storage.model import StorageModel, read_heads_ms
with mounted(sys.argv[1], StorageModel(1.0)) as mount:
    print(mount.mountpoint, flush=True)
    time.sleep(60)
"""


def _holder(corpus_copy: Path) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(corpus_copy)], cwd=ROOT, stdout=subprocess.PIPE,
                               text=True)  # fmt: skip
    assert process.stdout is not None
    mountpoint = Path(process.stdout.readline().strip())
    assert is_mounted(mountpoint)
    return process, mountpoint


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_signals_to_the_run_leave_no_mount_and_no_daemon(corpus_copy: Path, sig: signal.Signals) -> None:
    """SIGINT unwinds and unmounts; SIGTERM and SIGKILL end the run at once and the daemon unmounts itself."""
    process, mountpoint = _holder(corpus_copy)
    process.send_signal(sig)
    process.wait(GENEROUS_S)
    if sig == signal.SIGINT:
        assert _gone(mountpoint)
    else:  # the run had no chance to remove its (empty) directory: the next run's clean-up does
        assert _gone(mountpoint, keep_dir=True)
        clean_stale()
        assert not mountpoint.parent.exists()


def test_stale_mount_of_a_killed_run_is_cleaned_next_time(corpus_copy: Path) -> None:
    process, mountpoint = _holder(corpus_copy)
    (daemon,) = _daemons(mountpoint)
    daemon.kill()  # both killed: nobody unmounts
    process.kill()
    process.wait(GENEROUS_S)
    daemon.wait(GENEROUS_S)
    stale = is_mounted(mountpoint)  # unless another run's clean-up on this machine got there first
    if stale:
        with pytest.raises(OSError):
            os.listdir(mountpoint)  # "Transport endpoint is not connected"
    cleaned = clean_stale()
    assert not is_mounted(mountpoint) and not mountpoint.parent.exists()
    assert str(mountpoint) in cleaned or not stale


def test_live_mounts_of_other_runs_are_left_alone(corpus_copy: Path) -> None:
    with mounted(corpus_copy, StorageModel()) as mount:
        assert str(mount.mountpoint) not in clean_stale()
        assert is_mounted(mount.mountpoint)


def test_a_given_mount_point_is_never_removed_nor_its_parent(tmp_path: Path, corpus_copy: Path) -> None:
    """A MNT whose parent is named like exifbench's own directories lost the parent (rmtree)."""
    parent = tmp_path / f"{PREFIX}1-mine"
    (parent / "mnt").mkdir(parents=True)
    (parent / "notes.txt").write_text("keep me")
    with mounted(corpus_copy, StorageModel(), parent / "mnt") as mount:
        assert is_mounted(mount.mountpoint)
    assert not is_mounted(parent / "mnt")
    assert (parent / "notes.txt").read_text() == "keep me" and (parent / "mnt").is_dir()


def test_a_non_empty_mount_point_is_refused(tmp_path: Path, corpus_copy: Path) -> None:
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    (mnt / "beside.txt").write_text("keep me")
    with pytest.raises(ExifbenchError, match="must be empty"):
        mounted(corpus_copy, StorageModel(), mnt).__enter__()
    assert not is_mounted(mnt) and (mnt / "beside.txt").read_text() == "keep me"


def test_a_live_mount_root_may_not_stat_is_not_stale(corpus_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, another user's FUSE mount answers EACCES (no allow_other): alive, not ENOTCONN."""
    import exifbench.datasets.storage.mount as mount_module

    with mounted(corpus_copy, StorageModel()) as mount:
        real_stat = os.stat

        def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
            if str(path) == str(mount.mountpoint):
                raise PermissionError(13, "Permission denied", str(path))
            return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(mount_module.os, "stat", stat)
        assert str(mount.mountpoint) not in clean_stale()
        monkeypatch.undo()
        assert is_mounted(mount.mountpoint)


def test_the_daemon_passes_on_libfuses_reason_not_a_traceback(tmp_path: Path) -> None:
    """A failed mount said only ``RuntimeError: 4`` after a traceback."""
    done = subprocess.run([sys.executable, "-m", "exifbench.datasets.storage.daemon", str(tmp_path), str(tmp_path / "gone"),
                           "{}"], cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=GENEROUS_S)  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "fuse: bad mount point" in done.stderr and "libfuse gave up (status" in done.stderr
    with tempfile.TemporaryFile("w+") as stderr, subprocess.Popen(["true"], text=True) as process:
        stderr.write(done.stderr)
        failed = Mount(tmp_path, tmp_path / "gone", StorageModel(), process, stderr)
        assert failed._last_words().startswith(" (fuse: bad mount point")
