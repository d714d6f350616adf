"""Untrusted input: pattern and result files are JSON only and validated; patterns stay inside the dataset;
user strategies are imported only when named; Pillow's bomb limit stays on; EXIF reads never decode pixels.
"""

from __future__ import annotations

import json
import os
import pickle
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import ImageFile
from pillow_heif.as_plugin import _LibHeifImageFile
from typer.testing import CliRunner

import exifbench
from exifbench.cli import app
from exifbench.datasets.folder import Folder, scan
from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors import ExifReader
from exifbench.harness.equality import compare
from exifbench.datasets.patterns.pattern import Call, Pattern, startup_pattern
from exifbench.harness.plan import plan_replay
from exifbench.strategies import BUILTIN, create, expand_names, from_flag, resolve

runner = CliRunner()


class Payload:
    """Unpickling this creates a directory: proof that a file was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (str(self.marker),)


def call(image: object, **extra: object) -> dict[str, object]:
    return {"schema": "exifbench.datasets.patterns/1", "calls": [{"image": 0}, {"image": image, **extra}]}


PATTERNS: list[tuple[str, object, str]] = [
    ("truncated", "{", "not a JSON pattern"),
    ("array", [], "a pattern must be a JSON object"),
    ("schema", {"schema": "exifbench.datasets.patterns/9", "calls": [{"image": 0}]}, "field 'schema' must be 'exifbench.datasets.patterns/1'"),
    ("no-calls", {"schema": "exifbench.datasets.patterns/1"}, "field 'calls' must be a non-empty list"),
    ("empty-calls", {"schema": "exifbench.datasets.patterns/1", "calls": []}, "field 'calls' must be a non-empty list"),
    ("call-not-object", {"schema": "exifbench.datasets.patterns/1", "calls": [{"image": 0}, 7]}, "calls[1]: must be an object"),
    ("negative-think", call(1, think_ms=-1), "calls[1].think_ms: must be a non-negative number"),
    ("nan-think", call(1, think_ms=float("nan")), "calls[1].think_ms: must be a non-negative number"),
    ("text-think", call(1, think_ms="fast"), "calls[1].think_ms: must be a non-negative number"),
    ("bool-image", call(True), "calls[1].image: must be an image index or a relative path"),
    ("float-image", call(1.5), "calls[1].image: must be an image index or a relative path"),
    ("negative-image", call(-3), "calls[1].image: image index must be >= 0"),
    ("text-blocking", call(1, blocking="yes"), "field 'blocking' has the wrong type"),
    ("preload-list", {**call(1), "preload": []}, "field 'preload' must be an object"),
    ("preload-paths", {**call(1), "preload": {"paths": "all"}}, "preload.paths: must be a list"),
    ("priority-null", {**call(1), "preload": {"priority": [None]}}, "preload.priority[0]: must be an image index"),
    ("name-number", {**call(1), "name": 5}, "field 'name' has the wrong type"),
]
ESCAPES: list[tuple[str, object, str]] = [
    ("dotdot", call("../outside.jpg"), "escapes the dataset root"),
    ("dotdot-inside", call("sub/../../outside.jpg"), "escapes the dataset root"),
    ("backslashes", call("..\\..\\outside.jpg"), "escapes the dataset root"),
    ("nul", call("a\x00b.jpg"), "escapes the dataset root"),
    ("absolute", call("/etc/passwd"), "is absolute"),
    ("drive", call("C:/Windows/win.ini"), "is absolute"),
]


def write(path: Path, doc: object) -> Path:
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def assert_one_line_error(args: list[str], *expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (args, result.output, result.exception)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in lines[0], (text, lines[0])


@pytest.mark.parametrize(("case", "doc", "message"), PATTERNS, ids=[case for case, _, _ in PATTERNS])
def test_malformed_patterns_are_one_line_naming_the_field(
    case: str, doc: object, message: str, corpus_copy: Path, tmp_path: Path
) -> None:
    bad = write(tmp_path / f"{case}.json", doc)
    assert_one_line_error(["run", "-s", "sync", "--pattern", str(bad), str(corpus_copy)], f"{case}.json", message)


@pytest.mark.parametrize(("case", "doc", "message"), ESCAPES, ids=[case for case, _, _ in ESCAPES])
def test_pattern_paths_outside_the_dataset_are_refused(
    case: str, doc: object, message: str, corpus_copy: Path, tmp_path: Path
) -> None:
    bad = write(tmp_path / f"{case}.json", doc)
    assert_one_line_error(["run", "-s", "sync", "--pattern", str(bad), str(corpus_copy)], message)


def test_refused_pattern_paths_name_the_file_and_field(corpus_copy: Path, tmp_path: Path) -> None:
    bad = write(tmp_path / "escape.json", call("../outside.jpg"))
    assert_one_line_error(["run", "-s", "sync", "--pattern", str(bad), str(corpus_copy)], "escape.json", "calls[1].image")


def valid_run() -> dict[str, object]:
    return {
        "schema": "exifbench.run/1", "strategy": "sync", "calls": 2, "images": 2, "files_touched": 2,
        "blocking": {"total_s": 0.1, "p50_ms": 1.0, "p99_ms": 2.0, "max_ms": 3.0}, "not_ready": 0,
        "background_s": 0.2, "equality": {"checked": 2, "equal": 2, "mismatches": []}, "errors": [], "environment": {},
    }  # fmt: skip


def without(key: str) -> dict[str, object]:
    return {k: v for k, v in valid_run().items() if k != key}


RESULTS: list[tuple[str, object, str]] = [
    ("truncated", '{"schema": ', "not a JSON result document"),
    ("array", [1, 2], "not a result document (expected a JSON object)"),
    ("no-schema", without("schema"), "field 'schema' must be"),
    ("no-blocking", without("blocking"), "missing field 'blocking'"),
    ("text-p99", {**valid_run(), "blocking": {**valid_run()["blocking"], "p99_ms": "x"}}, "blocking.p99_ms: must be a finite number"),  # type: ignore[dict-item]
    ("nan-calls", {**valid_run(), "calls": float("nan")}, ".json: calls: must be a whole number"),
    ("infinite-background", {**valid_run(), "background_s": float("inf")}, ".json: background_s: must be a finite number"),
    ("equality-keys", {**valid_run(), "equality": {"checked": 1}}, ".json: equality: missing field 'equal'"),
    ("errors-object", {**valid_run(), "errors": {}}, ".json: errors: must be a list"),
    # equality that contradicts itself: read as "all equal" (a PASS) while it lists a mismatch, or more equal than checked
    ("equal-with-a-mismatch", {**valid_run(), "equality": {"checked": 2, "equal": 2, "mismatches": [
        {"path": "/p/a.jpg", "tag": "Make", "expected": "'Canon'", "actual": "'Nikon'"}]}},
     ".json: equality: 2 of 2 files equal, yet 1 file(s) with mismatches: equal must be at most checked less those"),
    ("more-equal-than-checked", {**valid_run(), "equality": {"checked": 2, "equal": 30, "mismatches": []}},
     ".json: equality: 30 of 2 files equal, yet 0 file(s) with mismatches"),
    ("runs-object", {"schema": "exifbench.runs/1", "runs": {}}, "field 'runs' must be a list"),
    ("run-not-object", {"schema": "exifbench.runs/1", "runs": [valid_run(), 3]}, "runs[1]: a run must be a JSON object"),
    ("second-run-field", {"schema": "exifbench.runs/1", "runs": [valid_run(), without("errors")]}, "runs[1]: missing field 'errors'"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "doc", "message"), RESULTS, ids=[case for case, _, _ in RESULTS])
def test_malformed_result_documents_are_one_line_naming_the_field(
    case: str, doc: object, message: str, tmp_path: Path
) -> None:
    bad = write(tmp_path / f"{case}.json", doc)
    assert_one_line_error(["report", str(bad), "--out", str(tmp_path / "out")], f"{case}.json", message)
    assert not (tmp_path / "out").exists(), "nothing is written for a bad document"


def test_pattern_and_result_files_are_never_unpickled(corpus_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    bad = tmp_path / "evil.json"
    bad.write_bytes(pickle.dumps(Payload(marker)))
    assert_one_line_error(["run", "-s", "sync", "--pattern", str(bad), str(corpus_copy)], "evil.json: not a JSON pattern")
    assert_one_line_error(["report", str(bad), "--out", str(tmp_path / "out")], "evil.json: not a JSON result document")
    assert not marker.exists()


@pytest.mark.parametrize("command", ["run", "report"])
def test_deeply_nested_json_is_a_one_line_error(command: str, corpus_copy: Path, tmp_path: Path) -> None:
    bad = write(tmp_path / "deep.json", "[" * 100_000)
    args = ["run", "-s", "sync", "--pattern", str(bad), str(corpus_copy)]
    assert_one_line_error(args if command == "run" else ["report", str(bad), "--out", str(tmp_path / "o")], "deep.json")


@pytest.fixture
def linked(corpus_copy: Path, tmp_path: Path) -> Folder:
    """A dataset with a symlinked file and a symlinked directory that point outside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    source = next(corpus_copy.glob("Canon_40D.jpg"))
    (outside / "secret.jpg").write_bytes(source.read_bytes())
    (outside / "Canon_40D.jpg").write_bytes(b"not the dataset's file")
    (corpus_copy / "linked-file.jpg").symlink_to(outside / "secret.jpg")
    (corpus_copy / "linked-dir").symlink_to(outside, target_is_directory=True)
    return scan(corpus_copy)


def test_symlinks_inside_the_dataset_are_followed_but_patterns_cannot_step_through_them(linked: Folder) -> None:
    """Decision: the dataset's own symlinks are the owner's choice and are read (the scan follows them);
    a pattern names paths lexically inside the root, and ``..`` is resolved before the OS sees it,
    so a linked directory is no stepping stone out."""
    assert {"linked-file.jpg", "linked-dir/secret.jpg"} <= set(linked.files)
    pattern = Pattern("links", [Call("linked-file.jpg"), Call("linked-dir/../Canon_40D.jpg")])
    plan = plan_replay(pattern, linked)
    assert [call.path for call in plan.calls] == [linked.absolute("linked-file.jpg"), linked.absolute("Canon_40D.jpg")]
    assert ExifReader()(plan.calls[1].path).error is None  # the dataset's Canon_40D.jpg, not outside/Canon_40D.jpg
    for escape in ("linked-dir/../../outside/secret.jpg", "/" + str(linked.root / "x.jpg").lstrip("/")):
        with pytest.raises(ExifbenchError, match="escapes the dataset root|is absolute"):
            plan_replay(Pattern("escape", [Call(escape)]), linked)


def test_patterns_may_only_name_files_the_scan_found(corpus_copy: Path) -> None:
    os.mkfifo(corpus_copy / "stuck.jpg")
    (corpus_copy / "notes.txt").write_text("not an image")
    folder = scan(corpus_copy)
    for name in ("stuck.jpg", "notes.txt", "missing.jpg"):
        with pytest.raises(ExifbenchError, match=name):
            plan_replay(Pattern("unlisted", [Call(name)]), folder)


MARKER_MODULE = """
from pathlib import Path
Path(__file__).with_name("imported").touch()
from exifbench.strategies.sync import SyncLoader as Loader
"""


def test_a_user_strategy_is_imported_only_when_named(
    corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "marker_strategy.py").write_text(MARKER_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("EXIFBENCH_STRATEGY", raising=False)
    for name in expand_names("all"):
        create(name, workers=1).close()
    from_flag().close()
    assert runner.invoke(app, ["strategies"]).exit_code == 0
    pattern = write(tmp_path / "p.json", startup_pattern(3).to_dict())
    assert runner.invoke(app, ["run", "-s", "sync", "--pattern", str(pattern), str(corpus_copy)]).exit_code == 0
    assert not (tmp_path / "imported").exists() and "marker_strategy" not in sys.modules
    assert resolve("marker_strategy:Loader") is BUILTIN["sync"]
    assert (tmp_path / "imported").exists()
    monkeypatch.delitem(sys.modules, "marker_strategy")


def test_pillow_decompression_bomb_limit_stays_on() -> None:
    """In a fresh interpreter, importing every exifbench module leaves ``Image.MAX_IMAGE_PIXELS`` at Pillow's default."""
    modules = [m.name for m in pkgutil.walk_packages(exifbench.__path__, "exifbench.")]
    script = ("import importlib, sys\nfor name in sys.argv[1:]: importlib.import_module(name)\n"
              "from PIL import Image\nprint(Image.MAX_IMAGE_PIXELS)")  # fmt: skip
    plain = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    loaded = subprocess.run([sys.executable, "-c", script, *modules], capture_output=True, text=True, timeout=120, check=False)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == plain.stdout and int(plain.stdout) > 0
    assert len(modules) >= 20


def test_exif_reads_never_decode_pixel_data(corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(p for p in corpus_dir.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".tif", ".tiff", ".heic", ".heif"))
    before = {p: ExifReader()(str(p)) for p in files}
    decoded: list[str] = []

    def refuse(self: ImageFile.ImageFile) -> None:
        decoded.append(str(self.filename))
        raise AssertionError("pixel data decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    monkeypatch.setattr(_LibHeifImageFile, "load", refuse)
    after = {p: ExifReader()(str(p)) for p in files}
    assert decoded == []
    assert compare({str(p): r.exif for p, r in before.items()}, {str(p): r.exif for p, r in after.items()}).ok
    assert [r.error for r in after.values()] == [r.error for r in before.values()]
    assert len(files) >= 30 and sum(bool(read.exif) for read in after.values()) > len(files) / 2  # not vacuous


# --- a huge integer, a FIFO, an endless device, an oversized file --------------------------


def test_an_integer_past_pythons_digit_limit_is_a_one_line_error(corpus_copy: Path, tmp_path: Path) -> None:
    """A 5,000-digit number in a pattern, a result document or a gate input: exit 2, one line (was a traceback,
    and ``gate`` exited 1 — FAIL — on it)."""
    huge = "9" * 5000
    pattern = write(tmp_path / "huge-pattern.json", '{"name": "p", "calls": [{"image": ' + huge + "}]}")
    assert_one_line_error(["run", "-s", "sync", "--pattern", str(pattern), str(corpus_copy)],
                          "huge-pattern.json: not a JSON pattern (Exceeds the limit (4300 digits)")  # fmt: skip
    document = write(tmp_path / "huge.json", '{"schema": "exifbench.runs/1", "runs": [], "n": ' + huge + "}")
    assert_one_line_error(["report", str(document), "--out", str(tmp_path / "o")], "huge.json: not a JSON")
    assert_one_line_error(["gate", "--baseline", str(document), "--current", str(document)], "huge.json: not a JSON")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_a_pattern_or_document_that_is_not_a_regular_file_is_refused(kind: str, corpus_copy: Path, tmp_path: Path) -> None:
    """A FIFO (blocked ``report`` and ``run --pattern`` for ever) or ``/dev/zero`` (read until memory ran out)."""
    path = tmp_path / "input.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path = Path("/dev/zero")
    expected = {"fifo": "a FIFO", "dev-zero": "a device or special file", "directory": "a directory"}[kind]
    assert_one_line_error(["run", "-s", "sync", "--pattern", str(path), str(corpus_copy)], str(path), expected)
    assert_one_line_error(["report", str(path), "--out", str(tmp_path / "o")], str(path), expected)


def test_a_document_past_the_size_bound_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from exifbench import files

    big = write(tmp_path / "big.json", "[" + "0," * 600 + "0]")
    monkeypatch.setattr(files, "MAX_DOCUMENT_BYTES", 1000)
    assert_one_line_error(["report", str(big), "--out", str(tmp_path / "o")], "big.json: cannot read", "larger than")
