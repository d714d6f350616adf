"""Bad files: every strategy gives the baseline's result for them (``{}`` + one error line), and the run goes on.

The real corpus' broken files (``jpg/tests``, ``jpg/invalid``, the full corpus' ``jpg/corrupted.jpg``) plus generated
ones: empty, truncated, noise, corrupt EXIF offsets, a decompression bomb header, names at
the length limit and not valid UTF-8, HEIC without its plugin, directories named like
images, files deleted or replaced between scan and read, unreadable files.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from exifbench.datasets.folder import Folder, scan
from exifbench.datasets.storage.model import StorageModel
from exifbench.strategies.extractors import ExifRead, ExifReader
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.harness.equality import compare
from exifbench.strategies.extractors.error_log import ErrorCollector
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.reports.documents.runs import RunSet
from exifbench.strategies import BUILTIN
from tests.helpers import patient

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")  # Pillow's "Corrupt EXIF data"

ALL = list(BUILTIN)
CAMERA = "Canon_40D.jpg"
NON_UTF8 = b"caf\xe9-\xff.jpg"  # Latin-1 bytes: not valid UTF-8, decoded with surrogateescape


def segment(data: bytes, marker: int) -> int:
    """Offset of the first top-level JPEG segment with ``marker`` (walks the segment chain)."""
    at = 2
    while True:
        found, length = struct.unpack_from(">HH", data, at)
        if found == marker:
            return at
        at += 2 + length


def generated(camera: bytes) -> dict[str, bytes]:
    """Broken variants of one real camera JPEG (little-endian EXIF)."""
    tiff = camera.index(b"Exif\x00\x00") + 6
    ifd0 = struct.unpack_from("<I", camera, tiff + 4)[0]
    exif_ptr = next(
        tiff + ifd0 + 2 + 12 * k
        for k in range(struct.unpack_from("<H", camera, tiff + ifd0)[0])
        if struct.unpack_from("<H", camera, tiff + ifd0 + 2 + 12 * k)[0] == 0x8769
    )

    def patched(offset: int, fmt: str, *values: int) -> bytes:
        data = bytearray(camera)
        struct.pack_into(fmt, data, offset, *values)
        return bytes(data)

    return {
        "zero.jpg": b"",
        "soi-only.jpg": b"\xff\xd8",
        "trunc-10.jpg": camera[:10],
        "trunc-2k.jpg": camera[:2048],
        "trunc-half.jpg": camera[: len(camera) // 2],
        "noise.jpg": random.Random(6).randbytes(4096),
        "ifd0-offset-past-end.jpg": patched(tiff + 4, "<I", 0x7FFFFFFF),
        "ifd0-count-huge.jpg": patched(tiff + ifd0, "<H", 0xFFFF),
        "exif-ifd-pointer-past-end.jpg": patched(exif_ptr + 8, "<I", 0xFFFFFFF0),
        "exif-ifd-pointer-loop.jpg": patched(exif_ptr + 8, "<I", ifd0),
        "app1-length-past-end.jpg": patched(segment(camera, 0xFFE1) + 2, ">H", 0xFFFF),
        "bomb-65000x65000.jpg": patched(segment(camera, 0xFFC0) + 5, ">HH", 65000, 65000),
    }


@pytest.fixture
def bad_folder(corpus_dir: Path, tmp_path: Path) -> Path:
    """The corpus' broken files, generated ones, extreme names and a directory named like an image."""
    root = tmp_path / "bad"
    root.mkdir()
    jpg = corpus_dir / "jpg"
    for src in [*sorted((jpg / "tests").iterdir()), *sorted((jpg / "invalid").glob("*.jpg")), *jpg.glob("corrupted.jpg")]:
        shutil.copyfile(src, root / f"{src.parent.name}-{src.name}")
    camera = (jpg / CAMERA).read_bytes()
    for name, data in generated(camera).items():
        (root / name).write_bytes(data)
    (root / CAMERA).write_bytes(camera)
    (root / ("L" * 251 + ".jpg")).write_bytes(camera)  # 255 bytes: the longest name the file system allows
    (root / ("é" * 125 + ".jpg")).write_bytes(camera)  # 254 bytes of UTF-8
    with open(os.fsencode(root) + b"/" + NON_UTF8, "wb") as handle:
        handle.write(camera[:300])
    (root / "x.jpg").mkdir()  # a directory named like an image
    return root


RAISING = ["zero.jpg", "soi-only.jpg", "noise.jpg", "trunc-10.jpg", "trunc-2k.jpg", "trunc-half.jpg",
           "app1-length-past-end.jpg", "bomb-65000x65000.jpg", os.fsdecode(NON_UTF8)]  # fmt: skip
"""The bad files the baseline fails on (``{}`` + an error line); Pillow recovers from the others."""


def expected_errors(paths: list[str]) -> dict[str, str]:
    return {path: read.error for path in paths if (read := ExifReader()(path)).error is not None}


def test_scan_keeps_bad_files_and_skips_directories_named_like_images(bad_folder: Path) -> None:
    folder = scan(bad_folder)
    assert "x.jpg" not in folder.files and folder.skipped == []
    assert os.fsdecode(NON_UTF8) in folder.files
    assert "L" * 251 + ".jpg" in folder.files
    assert len(folder.files) == len(os.listdir(bad_folder)) - 1


def test_every_strategy_agrees_on_every_bad_file_and_the_run_goes_on(bad_folder: Path, tmp_path: Path) -> None:
    folder = scan(bad_folder)
    pattern = startup_pattern(len(folder.files))
    runs = run_bench(BenchConfig(ALL, workers=2), folder, pattern)
    errors = expected_errors(folder.paths)
    assert sorted(Path(path).name for path in errors) == sorted(RAISING)  # the corpus' broken files all parse
    assert runs.complete and [run.strategy for run in runs.runs] == ALL
    for run in runs.runs:
        assert run.complete and run.calls == len(pattern.calls), run.strategy
        assert run.equality.checked == run.equality.equal == len(folder.files), (run.strategy, run.equality)
        assert {e.path: e.error for e in run.errors} == errors, run.strategy
        assert all("\n" not in e.error and e.error for e in run.errors)
    saved = RunSet.load(runs.save(tmp_path / "bad.json"))  # non-UTF-8 names survive the JSON round trip
    assert [run.errors for run in saved.runs] == [run.errors for run in runs.runs]


def test_what_each_generated_case_gives(bad_folder: Path) -> None:
    """The baseline's verdicts, pinned: Pillow raises on some damage and silently recovers from other damage."""
    result = {name: ExifReader()(str(bad_folder / name)) for name in os.listdir(bad_folder)}
    assert {name for name, read in result.items() if read.error} == {*RAISING, "x.jpg"}
    assert result["bomb-65000x65000.jpg"].error.startswith("DecompressionBombError: Image size (4225000000 pixels)")
    assert result["x.jpg"].error.startswith("IsADirectoryError")
    # Pillow skips a bad IFD with a UserWarning, not an exception: {} or a partial dict, no error entry
    assert result["ifd0-offset-past-end.jpg"] == ExifRead({})
    assert result["exif-ifd-pointer-past-end.jpg"].error is None
    assert 0 < len(result["exif-ifd-pointer-past-end.jpg"].exif) < len(result[CAMERA].exif)
    for name in ("L" * 251 + ".jpg", "é" * 125 + ".jpg"):
        assert result[name] == result[CAMERA] and result[name].error is None


def test_files_deleted_or_replaced_between_scan_and_read(bad_folder: Path) -> None:
    folder = scan(bad_folder)
    deleted, replaced = folder.absolute(CAMERA), folder.absolute("invalid-image00971.jpg")
    os.unlink(deleted)
    os.unlink(replaced)
    os.mkdir(replaced)  # now a directory named like the image that was scanned
    too_long = "N" * 300 + ".jpg"  # a name no file system allows: ENAMETOOLONG
    listed = Folder(folder.root, files=[*folder.files, too_long])
    runs = run_bench(BenchConfig(ALL, workers=2), listed, startup_pattern(len(listed.files)))
    for run in runs.runs:
        errors = {e.path: e.error for e in run.errors}
        assert errors[deleted].startswith("FileNotFoundError: [Errno 2] No such file or directory")
        assert errors[replaced].startswith("IsADirectoryError: [Errno 21] Is a directory")
        assert errors[listed.absolute(too_long)].startswith("OSError: [Errno 36] File name too long")
        assert run.equal and run.calls == len(listed.files) + 2


@pytest.mark.skipif(os.geteuid() != 0, reason="root bypasses file permissions; the non-root case is below")
def test_chmod_000_as_root_is_still_read(bad_folder: Path) -> None:
    """Finding: tests run as root, and root reads a mode-000 file: the scan keeps it and it loads normally."""
    locked = bad_folder / CAMERA
    locked.chmod(0)
    assert CAMERA in scan(bad_folder).files
    assert ExifReader()(str(locked)).exif == ExifReader()(str(bad_folder / ("L" * 251 + ".jpg"))).exif


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads mode-000 files")
def test_chmod_000_is_skipped_by_the_scan(bad_folder: Path) -> None:
    (bad_folder / CAMERA).chmod(0)
    folder = scan(bad_folder)
    assert CAMERA not in folder.files
    assert [(Path(s.path).name, s.reason) for s in folder.skipped] == [(CAMERA, "permission denied")]


def test_unreadable_at_scan_time_is_skipped_with_a_reason(bad_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root nothing is unreadable, so ``os.access`` is made to say what it says to other users."""
    locked = str(bad_folder / CAMERA)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: path != locked and real_access(path, mode, **kw))
    folder = scan(bad_folder)
    assert CAMERA not in folder.files
    assert [(s.path, s.reason) for s in folder.skipped] == [(locked, "permission denied")]


class DeniedStorage(StorageModel):
    """Storage that refuses one path with the ``PermissionError`` a non-root user would get (in any process)."""

    def charge(self, path: str) -> None:
        if Path(path).name == CAMERA:
            raise PermissionError(13, "Permission denied", path)
        super().charge(path)


@pytest.mark.parametrize("name", ALL)
def test_unreadable_at_read_time_is_an_error_entry(name: str, bad_folder: Path) -> None:
    good = str(bad_folder / ("L" * 251 + ".jpg"))
    locked = str(bad_folder / CAMERA)
    errors = ErrorCollector()
    with patient(name, ExifReader(storage=DeniedStorage(), log=errors), workers=2) as loader:
        loader.preload([locked, good])
        results = {path: loader.load_exif(path, blocking=True) for path in (locked, good)}
    assert results[locked] == {}
    assert compare({good: ExifReader()(good).exif}, {good: results[good]}).ok
    assert errors.errors == [{"path": locked, "error": f"PermissionError: [Errno 13] Permission denied: '{locked}'"}]


HEIC_WITHOUT_PLUGIN = """
import json, sys
from exifbench.datasets.folder import scan
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.datasets.patterns.pattern import startup_pattern
from PIL import Image
folder = scan(sys.argv[1])
runs = run_bench(BenchConfig(["sync", "threadpool", "lazy", "process"], workers=2), folder, startup_pattern(len(folder.files)))
print(json.dumps({"heif_registered": "HEIF" in Image.OPEN, "runs": runs.to_dict()["runs"]}))
"""


def test_heic_without_the_pillow_heif_plugin(corpus_dir: Path, tmp_path: Path) -> None:
    """A child interpreter (and its pool workers) where ``import pillow_heif`` fails: HEIC is an error entry."""
    photos = tmp_path / "heic"
    shutil.copytree(corpus_dir / "heic", photos)
    shutil.copyfile(corpus_dir / "jpg" / CAMERA, photos / CAMERA)
    blocker = tmp_path / "no-plugin" / "pillow_heif"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('pillow_heif is not installed (simulated)')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker.parent), *sys.path])}
    done = subprocess.run([sys.executable, "-c", HEIC_WITHOUT_PLUGIN, str(photos)], env=env, capture_output=True, check=False,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["heif_registered"] is False
    heic = sorted(str(p.resolve()) for p in photos.rglob("*") if p.suffix.lower() in (".heic", ".heif"))
    assert len(heic) >= 2
    for run in out["runs"]:
        assert run["equality"]["checked"] == run["equality"]["equal"] == len(heic) + 1
        errors = {e["path"]: e["error"] for e in run["errors"]}
        assert sorted(errors) == heic, run["strategy"]
        assert all(error.startswith("UnidentifiedImageError: cannot identify image file") for error in errors.values())
    # with the plugin (this process) the same files also give {}, but without an error: nothing else changes
    assert all(ExifReader()(path) == ExifRead({}) for path in heic)


def test_reports_render_runs_with_non_utf8_file_names(bad_folder: Path, tmp_path: Path) -> None:
    from exifbench.reports.analysis.report import analyze
    from exifbench.reports.renderers.html import write_html

    folder = scan(bad_folder)
    runs = run_bench(BenchConfig(["sync"]), folder, startup_pattern(len(folder.files)))
    assert str(bad_folder / os.fsdecode(NON_UTF8)) in {e.path for e in runs.runs[0].errors}
    write_html(analyze(runs), tmp_path / "out")
