"""Two real open-source apps end to end: sigal 2.6.1 and PhotoAssistant 1.1.2, through their adapters in
``examples/apps`` (their own EXIF code), on the real corpus.

For each: a trace recorded from the app's real function while the app itself runs unedited (``sigal build``;
PhotoAssistant's photo index), replayed with equality by fields; a field on which the app and Pillow differ
fails naming it; gate A/B of two identical copies passes; decide holds a synchronous loader.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import ImageFile
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.patterns.pattern import Pattern

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "apps"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class App:
    """One app: its adapter, how to record it, the fields it agrees on with Pillow and one it does not."""

    name: str
    loader: str
    call: str
    path_arg: str
    agree: str
    differs: str
    differs_on: str
    """A file of the corpus' ``jpg/`` where the ``differs`` field differs."""


SIGAL = App("sigal", "examples.apps.sigal_app:SigalLoader", "sigal.image:get_exif_data", "filename.filename",
            "Make,Model,DateTimeOriginal,FNumber,ExposureTime,ISOSpeedRatings,FocalLength", "Orientation",
            "jpg/invalid/image00971.jpg")  # fmt: skip
PHOTOASSISTANT = App("photoassistant", "examples.apps.photoassistant_app:PhotoAssistantLoader",
                     "photoassistant.core.photo:Photo.get_exif", "self.path", "DateTimeOriginal,ISOSpeedRatings", "Model",
                     "jpg/exif-org/sony-d700.jpg")  # fmt: skip
APPS = [SIGAL, PHOTOASSISTANT]


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture(scope="module")
def workspace(apps_extra: None, corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The working folder of the tests: the adapters and a second copy of them under ``base/`` (gate's
    reference), a photo folder (the corpus' top-level camera JPEGs) and sigal's config."""
    root = tmp_path_factory.mktemp("apps")
    for where in (root, root / "base"):
        shutil.copytree(EXAMPLES, where / "examples" / "apps")
    photos = root / "photos"
    photos.mkdir()
    for src in sorted((corpus_dir / "jpg").glob("*.jpg")):
        shutil.copyfile(src, photos / src.name)
    old, truncated = Path.cwd(), ImageFile.LOAD_TRUNCATED_IMAGES
    os.chdir(root)
    try:
        assert invoke_app(["sigal", "init"]) == 0
        yield root
    finally:
        os.chdir(old)
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated  # sigal sets it when imported: the rest of the session gets Pillow's own


def invoke_app(command: list[str]) -> int:
    return subprocess.run([str(BIN / command[0]), *command[1:]], capture_output=True, timeout=300, check=False).returncode


def app_command(one: App, photos: Path) -> list[str]:
    """The app itself, unedited: sigal's gallery build (one process), PhotoAssistant's photo index."""
    if one is SIGAL:
        return [str(BIN / "sigal"), "build", "-n", "1", str(photos), "gallery"]
    return [sys.executable, str(EXAMPLES / "photoassistant_browse.py"), str(photos)]


@pytest.fixture(scope="module")
def traces(workspace: Path) -> dict[str, Path]:
    """Each app's session recorded from its real EXIF function."""
    recorded = {}
    for one in APPS:
        trace = workspace / f"{one.name}.json"
        result = invoke("record", "--call", one.call, "--path-arg", one.path_arg, "--out", str(trace), "--",
                        *app_command(one, workspace / "photos"), env={"QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
        assert result.exit_code == 0, result.output
        recorded[one.name] = trace
    return recorded


@pytest.mark.parametrize("one", APPS, ids=lambda one: one.name)
def test_the_recorded_trace_is_the_apps_own_reads(one: App, traces: dict[str, Path], workspace: Path) -> None:
    pattern = Pattern.load(traces[one.name])

    photos = sorted(p.name for p in (workspace / "photos").iterdir())
    assert {call.image for call in pattern.calls} <= set(photos)
    assert len({call.image for call in pattern.calls}) >= len(photos) - 2  # every photo but the two unreadable ones
    assert {call.thread for call in pattern.calls} == {"MainThread"}


@pytest.mark.parametrize("one", APPS, ids=lambda one: one.name)
def test_the_trace_replays_equal_by_fields(one: App, traces: dict[str, Path], workspace: Path) -> None:
    result = invoke("run", "-s", f"sync,{one.loader}", "--pattern", str(traces[one.name]), "--equality",
                    f"fields:{one.agree}", "--json", str(workspace / f"{one.name}-run.json"), str(workspace / "photos"))  # fmt: skip

    assert result.exit_code == 0, result.output
    runs = json.loads((workspace / f"{one.name}-run.json").read_text())["runs"]
    mine = next(run for run in runs if run["strategy"] == one.loader)
    assert mine["equality"]["checked"] == mine["equality"]["equal"] > 0
    assert mine["calls"] == len(Pattern.load(traces[one.name]).calls)


@pytest.mark.parametrize("one", APPS, ids=lambda one: one.name)
def test_a_field_the_app_reads_otherwise_fails_naming_it(one: App, corpus_dir: Path) -> None:
    result = invoke("run", "-s", one.loader, "--equality", f"fields:{one.differs}", str(corpus_dir / "jpg"))

    assert result.exit_code == 1, result.output
    assert f"/{one.differs_on} {one.differs}: expected" in " ".join(result.output.split())


@pytest.mark.parametrize("one", APPS, ids=lambda one: one.name)
def test_gate_ab_of_two_identical_copies_passes(one: App, traces: dict[str, Path], workspace: Path) -> None:
    result = invoke("gate", "--candidate", one.loader, "--reference", f"base.{one.loader}", "--pattern",
                    str(traces[one.name]), "--repeat", "5", "--allow-inconclusive", str(workspace / "photos"))  # fmt: skip

    # identical code: no significant regression and equal dicts (over-the-limit noise that is not significant on a
    # busy shared machine is allowed, as the gate's rule says; a significant one would still fail)
    assert result.exit_code == 0, result.output
    assert "Gate: PASS" in result.output and "equal to the reference" in result.output


@pytest.mark.parametrize("one", APPS, ids=lambda one: one.name)
def test_decide_holds_a_synchronous_app_loader(one: App, traces: dict[str, Path], workspace: Path) -> None:
    result = invoke("decide", "--candidate", one.loader, "--pattern", str(traces[one.name]), "--equality",
                    f"fields:{one.agree}", str(workspace / "photos"))  # fmt: skip

    assert result.exit_code == 1, result.output
    assert "Decision: HOLD" in result.output and "blocking" in result.output.split("Decision: HOLD", 1)[1]
