"""``persistent``: exact round trips, never stale, concurrent writers, a corrupt database, a hostile row, ``cache``."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from PIL.TiffImagePlugin import IFDRational
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.embedded import cache_dir
from exifbench.datasets.folder import scan
from exifbench.datasets.storage.model import StorageModel
from exifbench.strategies.extractors import ExifReader
from exifbench.harness.equality import exif_equal
from exifbench.strategies import codec, create, expand_names
from exifbench.strategies.persistent import PersistentLoader
from exifbench.errors import ExifbenchError
from exifbench.strategies.store import (FILE_NAME, CacheRebuiltWarning, CacheSkippedWarning, MetadataStore, Stamp, database_files,
                                        reader_id, stamp_of)

runner = CliRunner()


def launch(folder: Path, cache: Path, **options: Any) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """One launch: a new loader pre-loads every file and answers each one; its dicts and cache figures."""
    paths = scan(folder).paths
    with PersistentLoader(cache_dir=cache, workers=2, **options) as loader:
        loader.preload(paths)
        assert loader.wait_idle(60)
        dicts = {path: loader.load_exif(path, blocking=True) or {} for path in paths}
    return dicts, loader.figures()["persistent"]


def originals(folder: Path) -> dict[str, dict[str, Any]]:
    read = ExifReader()
    return {path: read(path).exif for path in scan(folder).paths}


def storable(folder: Path) -> int:
    """Files whose read succeeds: a failed read is never stored."""
    read = ExifReader()
    return sum(read(path).error is None for path in scan(folder).paths)


def test_every_corpus_dict_round_trips_through_the_cache(corpus_dir: Path, tmp_path: Path) -> None:
    files = scan(corpus_dir).paths
    assert {Path(path).suffix.lower() for path in files} >= {".jpg", ".jpeg", ".tiff", ".heic", ".heif"}  # every format
    store = MetadataStore(tmp_path / FILE_NAME, reader_id("pillow"))
    read = ExifReader()
    for path in files:
        stamp = stamp_of(path)
        assert stamp is not None
        store.put(path, stamp, read(path).exif)
    for path in files:
        found = store.get(path, stamp_of(path))  # type: ignore[arg-type]
        assert found.outcome == "hit" and found.exif is not None
        assert exif_equal(read(path).exif, found.exif), path
    store.close()


def test_odd_values_keep_their_types() -> None:
    exif = {1: IFDRational(0, 0), 2: (IFDRational(1, 3), b"\xff\x00"), 3: {4: "caf\udce9", 5: (1, 2)}, 6: 1.5, 7: b""}
    back = codec.decode(codec.encode(exif))
    assert exif_equal(exif, back)
    assert type(back[1]) is IFDRational and (back[1].numerator, back[1].denominator) == (0, 0)
    assert not exif_equal(exif, {**back, 6: IFDRational(3, 2)})  # the comparer would see a changed type


def test_second_launch_answers_from_the_cache_and_a_changed_file_is_read_again(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, cold = launch(corpus_copy, cache)
    count = len(first)
    assert cold["answered"] == 0 and cold["missing"] == count
    good = storable(corpus_copy)
    assert cold["stored"] == good
    same, warm = launch(corpus_copy, cache)
    assert warm["answered"] == good and warm["missing"] == count - good and warm["stale"] == 0 and warm["stored"] == 0
    expected = originals(corpus_copy)
    assert all(exif_equal(expected[path], same[path]) for path in expected)
    victims = sorted(p for p in corpus_copy.glob("*.jpg") if not p.name.startswith("bad-"))[:2]
    shutil.copyfile(victims[1], victims[0])  # new content: a stale row would serve the old dict
    st = victims[0].stat()
    os.utime(victims[0], ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    changed, after = launch(corpus_copy, cache)
    assert after["stale"] == 1 and after["answered"] == good - 1 and after["stored"] == 1
    assert exif_equal(originals(corpus_copy)[str(victims[0])], changed[str(victims[0])])
    assert not exif_equal(expected[str(victims[0])], changed[str(victims[0])])


FILL = """
import pathlib, sys, time
from exifbench.datasets.folder import scan
from exifbench.datasets.storage.model import StorageModel
from exifbench.strategies.extractors import POOL_DEFAULT, ExifReader
from exifbench.strategies.persistent import PersistentLoader
go = pathlib.Path(sys.argv[3])
reader = ExifReader(POOL_DEFAULT, storage=StorageModel(latency_ms=5))  # the default launch's reader, slowed
with PersistentLoader(reader, cache_dir=sys.argv[2], workers=4) as loader:
    go.with_name(go.name + sys.argv[4]).touch()
    while not go.exists():
        time.sleep(0.01)
    loader.preload(scan(sys.argv[1]).paths)
    assert loader.wait_idle(120)
    figures = loader.figures()["persistent"]
    print(figures["stored"], figures["write_errors"])
"""


def test_two_processes_fill_one_database(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    go = tmp_path / "go"
    writers = [subprocess.Popen([sys.executable, "-c", FILL, str(corpus_copy), str(cache), str(go), str(n)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]  # fmt: skip
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"go{n}").exists() for n in range(2)) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # both have opened the database: they fill it at the same time
    outputs = [writer.communicate(timeout=180) for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], outputs
    stored, write_errors = zip(*(map(int, out.split()) for out, _ in outputs))
    count = storable(corpus_copy)
    assert write_errors == (0, 0) and all(n <= count for n in stored) and sum(stored) >= count
    dicts, warm = launch(corpus_copy, cache)
    assert warm["answered"] == count and warm["write_errors"] == 0
    expected = originals(corpus_copy)
    assert all(exif_equal(expected[path], dicts[path]) for path in expected)


def test_a_corrupt_database_is_rebuilt_with_one_warning(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / FILE_NAME).write_bytes(b"not a database at all" * 100)
    with pytest.warns(CacheRebuiltWarning) as caught:
        dicts, figures = launch(corpus_copy, cache)
    assert len(caught) == 1 and caught[0].filename == str(cache / FILE_NAME) and "not a database" in str(caught[0].message)
    assert figures["rebuilt"] and figures["stored"] == storable(corpus_copy)
    _, again = launch(corpus_copy, cache)
    assert again["answered"] == storable(corpus_copy) and again["rebuilt"] is None


class Hostile:
    """Unpickled by a plain ``pickle.loads``, it runs ``touch marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def test_a_hostile_row_is_refused_and_the_file_read_again(corpus_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "hostile-row-ran"
    pickle.loads(pickle.dumps(Hostile(marker)))
    assert marker.exists()  # the row below would run code if unpickled plainly
    marker.unlink()
    cache = tmp_path / "cache"
    first, _ = launch(corpus_copy, cache)
    victim = sorted(path for path in first if first[path])[0]
    with sqlite3.connect(cache / FILE_NAME) as db:
        db.execute("UPDATE exif SET exif = ? WHERE path = ?", (pickle.dumps({1: Hostile(marker)}), os.fsencode(victim)))
    dicts, figures = launch(corpus_copy, cache)
    assert not marker.exists()
    assert figures["refused"] == 1 and figures["stored"] == 1
    assert exif_equal(first[victim], dicts[victim])
    with pytest.raises(ValueError):
        codec.decode(pickle.dumps({1: Hostile(marker)}))
    _, replaced = launch(corpus_copy, cache)
    assert replaced["refused"] == 0 and replaced["answered"] == storable(corpus_copy)


def test_the_cache_follows_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, corpus_copy: Path) -> None:
    monkeypatch.setattr("exifbench.strategies.store.cache_dir", cache_dir)  # undo conftest's private cache
    monkeypatch.setenv("EXIFBENCH_CACHE_DIR", str(tmp_path / "user-cache"))
    with create("persistent") as loader:
        assert isinstance(loader, PersistentLoader)
        assert loader.figures()["persistent"]["database"] == str(tmp_path / "user-cache" / FILE_NAME)
    assert "persistent" in {"persistent"} - set(expand_names("all"))


def test_cache_info_and_clear(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    launch(corpus_copy, cache)
    rows = storable(corpus_copy)
    info = runner.invoke(app, ["cache", "info", "--cache-dir", str(cache)])
    assert info.exit_code == 0 and f"{rows} rows" in info.output
    cleared = runner.invoke(app, ["cache", "clear", "--cache-dir", str(cache)])
    assert cleared.exit_code == 0 and "removed" in cleared.output and f"{rows} rows" in cleared.output
    assert not list(cache.glob(FILE_NAME + "*"))
    again = runner.invoke(app, ["cache", "clear", "--cache-dir", str(cache)])
    assert again.exit_code == 0 and "nothing to remove" in again.output
    _, cold = launch(corpus_copy, cache)
    assert cold["answered"] == 0


def test_launches_through_the_cli(corpus_copy: Path, tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.mkdir()
    for photo in sorted(corpus_copy.glob("*.jpg"))[:20]:
        shutil.copyfile(photo, small / photo.name)
    out = tmp_path / "launches.json"
    result = runner.invoke(app, ["run", "-s", "sync,persistent", "--launches", "2", "--storage", "original", "--pattern", "group-by-date",
                                 "--json", str(out), str(small)])  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    runs = {(run["strategy"], run["repeat"]): run for run in document["runs"]}
    assert set(runs) == {("sync", 0), ("sync", 1), ("persistent launch 1", 0), ("persistent launch 2", 0)}
    assert all(run["equality"]["equal"] == run["equality"]["checked"] == 20 for run in runs.values())
    assert all(run["config"]["storage_via"] == "fuse" for run in runs.values())
    cold, warm = runs[("persistent launch 1", 0)], runs[("persistent launch 2", 0)]
    assert warm["blocking"]["total_s"] < 0.5 * cold["blocking"]["total_s"]  # cold: blocking calls wait for 23 ms reads
    sync_calls = min(runs[("sync", 0)]["blocking"]["load_exif_ms"], runs[("sync", 1)]["blocking"]["load_exif_ms"])
    assert warm["blocking"]["load_exif_ms"] < 0.1 * sync_calls  # its calls answer at once (its pool's start is its startup)
    assert cold["extra"]["persistent"]["stored"] == 20 and cold["extra"]["persistent"]["answered"] == 0
    assert warm["extra"]["persistent"]["answered"] == 20 and warm["extra"]["persistent"]["stored"] == 0
    assert warm["io"]["opens"] == 0 and cold["io"]["opens"] >= 20
    assert cold["extra"]["persistent"]["database"] == warm["extra"]["persistent"]["database"]
    assert not Path(cold["extra"]["persistent"]["database"]).parent.exists()  # the run-private cache is removed
    assert "persistent launch 2: 20 files answered by the metadata cache, 0 read" in result.output


def test_a_file_touched_between_launches_is_read_again(corpus_copy: Path, tmp_path: Path) -> None:
    touched = sorted(corpus_copy.glob("*.jpg"))[0].name
    out = tmp_path / "touched.json"
    result = runner.invoke(app, ["run", "-s", "persistent", "--no-reference", "--launches", "2", "--storage", "local", "--touch", touched,
                                 "--json", str(out), str(corpus_copy)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"before launch 2: touched {corpus_copy / touched}" in result.output
    warm = {run["strategy"]: run for run in json.loads(out.read_text())["runs"]}["persistent launch 2"]
    assert warm["extra"]["persistent"]["stale"] == 1 and warm["extra"]["persistent"]["stored"] == 1
    assert warm["extra"]["persistent"]["answered"] == storable(corpus_copy) - 1
    assert warm["equality"]["equal"] == warm["equality"]["checked"]


def test_launches_refuse_repeat_and_a_missing_touch(corpus_copy: Path) -> None:
    repeat = runner.invoke(app, ["run", "-s", "persistent", "--no-reference", "--launches", "2", "--repeat", "2", str(corpus_copy)])
    assert repeat.exit_code == 2 and "--repeat" in repeat.output
    missing = runner.invoke(app, ["run", "-s", "persistent", "--no-reference", "--launches", "2", "--touch", "nope.jpg", str(corpus_copy)])
    assert missing.exit_code == 2 and "nope.jpg" in missing.output


def test_a_name_that_is_not_utf8_is_kept_exactly(corpus_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    source = sorted(corpus_copy.glob("*.jpg"))[0]
    odd = folder / os.fsdecode(b"caf\xe9 \x1b[31m.jpg")
    shutil.copyfile(source, odd)
    first, cold = launch(folder, tmp_path / "cache")
    again, warm = launch(folder, tmp_path / "cache")
    assert cold["stored"] == 1 and warm["answered"] == 1
    assert exif_equal(first[str(odd)], again[str(odd)]) and again[str(odd)]


def test_a_file_missed_once_is_not_looked_up_again_while_its_read_is_under_way(corpus_copy: Path, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Placeholders are re-asked every frame: each re-ask must not stat the file and query the database again."""
    lookups: list[str] = []
    get = MetadataStore.get

    def counted(self: MetadataStore, path: str, stamp: Any) -> Any:
        lookups.append(path)
        return get(self, path, stamp)

    monkeypatch.setattr(MetadataStore, "get", counted)
    path = str(sorted(corpus_copy.glob("*.jpg"))[0])
    with PersistentLoader(ExifReader(storage=StorageModel(300)), workers=1, cache_dir=tmp_path) as loader:
        for _ in range(5):
            loader.load_exif(path)
        assert lookups == [path]
        assert loader.load_exif(path, blocking=True) == ExifReader().load(path)
    assert lookups == [path]


# --- busy is not corrupt, rows cannot encode work, a private database, in-place edits -----------------


def test_a_locked_database_is_left_alone_and_skipped(corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer holding the lock past the busy timeout made the next opener delete the database."""
    cache = tmp_path / "cache"
    launch(corpus_copy, cache)
    rows = storable(corpus_copy)
    monkeypatch.setattr("exifbench.strategies.store.BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(cache / FILE_NAME, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing for longer than the busy timeout
    try:
        with pytest.warns(CacheSkippedWarning, match="database is locked") as caught:
            dicts, figures = launch(corpus_copy, cache)
        assert len(caught) == 1 and caught[0].filename == str(cache / FILE_NAME)
        assert figures["skipped"] and figures["rebuilt"] is None and figures["answered"] == figures["stored"] == 0
        assert all(exif_equal(expected, dicts[path]) for path, expected in originals(corpus_copy).items())
        assert holder.execute("SELECT COUNT(*) FROM exif").fetchone()[0] == rows  # nothing deleted under the writer
    finally:
        holder.rollback()
        holder.close()
    _, warm = launch(corpus_copy, cache)
    assert warm["answered"] == rows and warm["skipped"] is None


class Work:
    """Pickled, it is ``Fraction('1e100000000')``: unpickling computes a 100-million-digit integer (minutes)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (Fraction, ("1e100000000",))


def _dag(levels: int) -> tuple[Any, ...]:
    """A tuple of ``2**levels`` empty tuples built from ``levels`` shared pairs (pickled in a few hundred bytes)."""
    dag: tuple[Any, ...] = ()
    for _ in range(levels):
        dag = (dag, dag)
    return dag


def test_rows_that_would_make_work_are_refused_at_once(tmp_path: Path) -> None:
    """The unpickler allowed ``Fraction('1e100000000')`` (minutes, past --timeout and SIGTERM) and a
    tuple DAG that the mismatch repr wrote out. Rows are now a typed codec: neither can be a row; both are refused."""
    code = ("import sys; from exifbench.strategies import codec\n"
            "for blob in (sys.argv[1], sys.argv[2]):\n"
            "    try: codec.decode(bytes.fromhex(blob))\n"
            "    except Exception as exc: print(type(exc).__name__)\n"
            "    else: print('decoded')\n")  # fmt: skip
    work, dag = pickle.dumps({1: Work()}), pickle.dumps({1: _dag(60)})
    assert len(dag) < 600
    done = subprocess.run([sys.executable, "-c", code, work.hex(), dag.hex()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "decoded" not in done.stdout and len(done.stdout.split()) == 2, done.stdout + done.stderr
    for blob in ('["d",1,' + "9" * 5000 + "]", '["d",1,' + "[" * 100_000, '["d",1,1e999]', '["r",1]', '{"d":1}'):
        with pytest.raises((ValueError, RecursionError)):
            codec.decode(blob.encode())  # a huge int, too deep, a float that is not ["f", hex], a short rational, an object


def test_the_mismatch_repr_of_a_shared_tuple_is_bounded() -> None:
    """``repr`` of a tuple DAG is exponential; the mismatch shows a bounded prefix in bounded memory."""
    import tracemalloc

    from exifbench.harness.equality import REPR_LIMIT, diff_exif

    dag = _dag(24)  # written out: 2**24 empty tuples, ~100 MB of text
    tracemalloc.start()
    try:
        (mismatch,) = diff_exif("a.jpg", {"Make": "x"}, {"Make": dag})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert mismatch.actual.startswith("((((") and len(mismatch.actual) <= REPR_LIMIT
    assert peak < 1_000_000


def test_a_dangling_symlink_is_not_followed_out_of_the_cache_dir(corpus_copy: Path, tmp_path: Path) -> None:
    """A dangling link in the cache folder pointed SQLite at a file outside it, which it created."""
    cache, outside = tmp_path / "cache", tmp_path / "elsewhere" / "planted.sqlite3"
    cache.mkdir(mode=0o700)
    outside.parent.mkdir()
    (cache / FILE_NAME).symlink_to(outside)
    with pytest.raises(ExifbenchError, match="symbolic link"):
        launch(corpus_copy, cache)
    assert not outside.exists()


def test_a_world_writable_cache_dir_is_refused(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o1777)
    with pytest.raises(ExifbenchError, match="anyone may write"):
        launch(corpus_copy, cache)
    assert not list(cache.iterdir())


def test_the_database_is_private(corpus_copy: Path, tmp_path: Path) -> None:
    """Paths and EXIF (GPS positions included): 0600 files in a 0700 folder it makes; an older 0644 file is made 0600."""
    old = os.umask(0o022)
    try:
        cache = tmp_path / "made" / "cache"
        launch(corpus_copy, cache)
        assert stat.S_IMODE(cache.stat().st_mode) == 0o700
        with contextlib.closing(MetadataStore(cache / FILE_NAME, "r")) as store:
            store.put("/x.jpg", Stamp(1, 2, 3, 4), {"Make": "x"})
            files = [file for file in database_files(cache / FILE_NAME) if file.exists()]
            assert len(files) == 3 and {stat.S_IMODE(file.stat().st_mode) for file in files} == {0o600}
        (cache / FILE_NAME).chmod(0o644)
        launch(corpus_copy, cache)
        assert stat.S_IMODE((cache / FILE_NAME).stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_an_in_place_edit_keeping_size_and_mtime_is_read_again(corpus_copy: Path, tmp_path: Path) -> None:
    """The stamp was (size, mtime_ns) only; an edit that restores the mtime was served stale."""
    cache = tmp_path / "cache"
    first, _ = launch(corpus_copy, cache)
    victim = next(Path(path) for path in sorted(first) if isinstance(first[path].get("Make"), str) and first[path]["Make"])
    data, before = victim.read_bytes(), victim.stat()
    make = first[str(victim)]["Make"].encode()
    at = data.index(make)
    victim.write_bytes(data[:at] + b"Z" + data[at + 1:])  # same size
    os.utime(victim, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same mtime
    assert (victim.stat().st_size, victim.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    dicts, figures = launch(corpus_copy, cache)
    assert figures["stale"] == 1 and figures["stored"] == 1
    assert dicts[str(victim)]["Make"] == "Z" + make.decode()[1:]


def test_cache_info_on_a_directory_says_so(tmp_path: Path) -> None:
    """``cache info`` said a directory named like the database would be rebuilt (it cannot be)."""
    (tmp_path / FILE_NAME).mkdir()
    info = runner.invoke(app, ["cache", "info", "--cache-dir", str(tmp_path)])
    assert info.exit_code == 0 and "a directory" in info.output and "rebuilds" not in info.output
