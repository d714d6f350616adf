"""``exifbench record --call ... -- COMMAND``: an app's own function recorded without editing the app, replayed."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets import open_dataset
from exifbench.datasets.patterns.pattern import Pattern
from exifbench.harness.bench import BenchConfig, run_bench

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "apps"

PHOTO_APP = '''
import sys, time
from photoapp.model import Photo, Library

paths = sys.argv[1:]
for path in paths:                       # open every photo, then look at the first again
    Photo(path).exif(wait=True)
time.sleep(0.05)
Library.read(paths[0])
Photo(paths[0]).exif()
exit_code = int(__import__("os").environ.get("PHOTOAPP_EXIT", "0"))
if __import__("os").environ.get("PHOTOAPP_HANG"):
    time.sleep(600)
sys.exit(exit_code)
'''

PHOTO_MODEL = '''
from PIL import Image


class Photo:
    def __init__(self, path):
        self.path = path

    def exif(self, wait=False):
        with Image.open(self.path) as image:
            return dict(image.getexif())


class Library:
    @staticmethod
    def read(path, again=True):
        return Library.read(path, False) if again else Photo(path).exif()
'''


@pytest.fixture
def photo_app(tmp_path: Path) -> Path:
    """A user's app: a script and its package, neither of which the recording may change."""
    (tmp_path / "photoapp").mkdir()
    (tmp_path / "photoapp" / "__init__.py").write_text("")
    (tmp_path / "photoapp" / "model.py").write_text(PHOTO_MODEL)
    (tmp_path / "app.py").write_text(PHOTO_APP)
    return tmp_path


def digest(folder: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(folder.rglob("*.py")))).hexdigest()


def record(tmp_path: Path, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Any:
    old = Path.cwd()
    os.chdir(cwd or tmp_path)
    try:
        return CliRunner().invoke(app, ["record", *args], env=env)
    finally:
        os.chdir(old)


def test_a_real_offscreen_qt_app_is_recorded_unedited_and_the_trace_replays(apps_extra: None, corpus_copy: Path, tmp_path: Path) -> None:
    images = sorted(p.name for p in corpus_copy.iterdir())
    before = digest(EXAMPLES)
    trace = tmp_path / "trace.json"

    result = record(tmp_path, "--call", "sigal.image:get_image_metadata", "--path-arg", "filename", "--out", str(trace),
                    "--", sys.executable, str(EXAMPLES / "qt_gallery.py"), str(corpus_copy),
                    env={"QT_QPA_PLATFORM": "offscreen"})  # fmt: skip

    assert result.exit_code == 0, result.output
    assert digest(EXAMPLES) == before
    pattern = Pattern.load(trace)
    assert [call.image for call in pattern.calls] == images  # each row's metadata read once, in the view's order
    assert {call.thread for call in pattern.calls} == {"MainThread"}
    assert any(call.think_ms > 0 for call in pattern.calls[1:])  # the pages were 50 ms apart
    assert f"recorded {len(images)} calls" in result.stdout
    dataset = open_dataset(corpus_copy)
    runs = run_bench(BenchConfig(["sync", "threadpool"], storage=dataset.storage, storage_via=dataset.via), dataset.folder, pattern)
    assert runs.complete and [run.calls for run in runs.runs] == [len(images)] * 2


def test_method_static_method_self_attribute_and_blocking_argument(photo_app: Path, corpus_copy: Path) -> None:
    photos = sorted(str(p) for p in corpus_copy.glob("*.jpg"))[:3]
    before = digest(photo_app)

    method = record(photo_app, "--call", "photoapp.model:Photo.exif", "--path-arg", "self.path", "--blocking-arg", "wait",
                    "--preload", "--out", "method.json", "--", sys.executable, "app.py", *photos)  # fmt: skip
    static = record(photo_app, "--call", "photoapp.model:Library.read", "--path-arg", "0", "--out", "static.json",
                    "--", sys.executable, "app.py", *photos)  # fmt: skip

    assert method.exit_code == 0 and static.exit_code == 0, method.output + static.output
    assert digest(photo_app) == before
    calls = Pattern.load(photo_app / "method.json").calls
    names = [Path(p).name for p in photos]
    assert [call.image for call in calls] == [*names, names[0], names[0]]
    assert [call.blocking for call in calls] == [True, True, True, False, False]
    assert calls[3].think_ms >= 40  # the app's 50 ms sleep before it
    assert Pattern.load(photo_app / "method.json").preload == names
    assert [call.image for call in Pattern.load(photo_app / "static.json").calls] == [names[0]]  # its inner call: not again
    assert not Pattern.load(photo_app / "static.json").calls[0].blocking


def test_every_call_blocking(photo_app: Path, corpus_copy: Path) -> None:
    photos = sorted(str(p) for p in corpus_copy.glob("*.jpg"))[:2]

    result = record(photo_app, "--call", "photoapp.model:Photo.exif", "--path-arg", "self.path", "--blocking",
                    "--out", "t.json", "--", sys.executable, "app.py", *photos)  # fmt: skip

    assert result.exit_code == 0, result.output
    assert [call.blocking for call in Pattern.load(photo_app / "t.json").calls] == [True] * 4


def test_a_failing_app_keeps_its_trace_and_exits_1(photo_app: Path, corpus_copy: Path) -> None:
    photos = sorted(str(p) for p in corpus_copy.glob("*.jpg"))[:2]

    result = record(photo_app, "--call", "photoapp.model:Photo.exif", "--path-arg", "self.path", "--out", "t.json",
                    "--", sys.executable, "app.py", *photos, env={"PHOTOAPP_EXIT": "3"})  # fmt: skip

    assert result.exit_code == 1
    assert "the app exited with code 3" in result.stderr
    assert len(Pattern.load(photo_app / "t.json").calls) == 4


def test_an_app_stopped_after_a_while_keeps_every_call(photo_app: Path, corpus_copy: Path) -> None:
    photos = sorted(str(p) for p in corpus_copy.glob("*.jpg"))[:2]

    result = record(photo_app, "--call", "photoapp.model:Photo.exif", "--path-arg", "self.path", "--stop-after", "3",
                    "--out", "t.json", "--", sys.executable, "app.py", *photos, env={"PHOTOAPP_HANG": "1"})  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "stopped after 3 s" in result.stdout
    assert len(Pattern.load(photo_app / "t.json").calls) == 4


def test_the_apps_own_sitecustomize_still_runs(photo_app: Path, corpus_copy: Path, tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "sitecustomize.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w').close()\n")
    photos = [str(sorted(corpus_copy.glob("*.jpg"))[0])]

    result = record(photo_app, "--call", "photoapp.model:Photo.exif", "--path-arg", "self.path", "--out", "t.json",
                    "--", sys.executable, "app.py", *photos, env={"PYTHONPATH": str(theirs)})  # fmt: skip

    assert result.exit_code == 0, result.output
    assert (tmp_path / "ran").exists()
    assert "Error in sitecustomize" not in result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--call", "photoapp.nothere:Photo.exif"], "never imported photoapp.nothere"),
        (["--call", "photoapp.model:Photo.nothing"], "cannot wrap photoapp.model:Photo.nothing"),
        (["--call", "photoapp.model:Photo.exif", "--path-arg", "self.missing"], "cannot read --path-arg 'self.missing'"),
        (["--call", "photoapp.model"], "must be module:function or module:Class.method"),
        (["--call", "__main__:main"], "__main__ cannot be hooked"),
        (["--call", "photoapp.model:Photo.exif", "--path-arg", "self..x"], "--path-arg 'self..x'"),
        (["--call", "photoapp.model:Photo.exif", "--blocking", "--blocking-arg", "wait"], "give one"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(photo_app: Path, corpus_copy: Path, args: list[str], says: str) -> None:
    photos = [str(sorted(corpus_copy.glob("*.jpg"))[0])]

    result = record(photo_app, *args, "--out", "t.json", "--", sys.executable, "app.py", *photos)

    assert result.exit_code == 2, result.output
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output and not (photo_app / "t.json").exists()


def test_an_existing_trace_is_kept_without_force(photo_app: Path) -> None:
    (photo_app / "t.json").write_text("mine")

    result = record(photo_app, "--call", "photoapp.model:Photo.exif", "--out", "t.json", "--", sys.executable, "app.py")

    assert result.exit_code == 2 and "--force" in result.stderr
    assert (photo_app / "t.json").read_text() == "mine"


def test_the_hook_never_leaves_a_copy_behind(photo_app: Path, corpus_copy: Path) -> None:
    photos = [str(sorted(corpus_copy.glob("*.jpg"))[0])]
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("exifbench-record-*"))

    record(photo_app, "--call", "photoapp.model:Photo.exif", "--path-arg", "self.path", "--out", "t.json",
           "--", sys.executable, "app.py", *photos)  # fmt: skip

    assert set(Path(os.environ.get("TMPDIR", "/tmp")).glob("exifbench-record-*")) == before
